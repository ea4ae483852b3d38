// Lint rules that guard the project's standards: no `any`, no promise left floating, and the
// import boundaries of DESIGN.md ("Shape of the code"): operator routes and the broker's other
// callers never import a cell database, governance never imports messaging, only repositories
// and the storage layer import Kysely. Import circles are found by dependency-cruiser
// (.dependency-cruiser.cjs), which `npm run lint` runs after ESLint. test/lint/ proves each
// rule fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Packages that open or query a database. */
const databasePackages = {
  regex: '^(kysely|better-sqlite3|pg)(/|$)',
  message: 'a database driver or query builder; only repositories and src/db/ reach a database.',
};

/** A cell's database: the storage layer, the cell registry, or a driver. */
const cellDatabases = [
  databasePackages,
  { regex: '(^|/)db/', message: 'src/db/ is a cell database; read personal data through the broker.' },
  { regex: '(^|/)cells/cell\\.registry(\\.js)?$', message: 'the cell registry opens every cell database; read personal data through the broker.' },
];

/**
 * Operator routes also stay away from what holds a database: the directory, blob stores, the
 * runtime and messaging. They are given the broker and the governance parts they need.
 */
const operatorEdgeForbidden = [
  ...cellDatabases,
  { regex: '(^|/)cells/(directory|blob\\.store)(\\.js)?$', message: 'the directory and blob stores are databases; operator routes read personal data through the broker.' },
  { regex: '(^|/)app/runtime(\\.js)?$', message: 'the runtime holds every cell; an operator route takes only the narrow parts it needs (the broker, cases, …).' },
  { regex: '(^|/)messaging/', message: 'messaging reads cell databases directly; operator routes read personal data through the broker.' },
];

/** The operator edge: routes under /v1/ops and their authentication. */
const operatorEdge = ['src/http/routes/ops.*.ts', 'src/http/operator-auth.ts'];

/** The broker's other callers: composition roots that open a runtime, never a database. */
const brokerCallers = ['src/cli/access.command.ts', 'bench/broker/**/*.ts'];

/**
 * Where Kysely belongs: the storage layer, repositories, table types and migrations, and the
 * record kit's schema machinery (the cell database types, schema parts, the residency guard
 * plugin).
 */
const kyselyHomes = [
  'src/db/**',
  'src/**/*.repository.ts',
  'src/**/*.table.ts',
  'src/**/*.tables.ts',
  'src/**/migrations/**',
  'src/cells/cell.database.ts',
  'src/cells/cell.schema.ts',
  'src/cells/residency.plugin.ts',
];

/**
 * Files that import Kysely today outside its homes (issue 8). The rule holds for every other
 * file; take a file off this list when its queries move into a repository.
 */
const kyselyDebt = [
  'src/cells/cell.registry.ts',
  'src/cells/directory.ts',
  'src/governance/cases/cases.ts',
  'src/governance/cutoff/cutoff.ts',
  'src/governance/governance.ts',
  'src/governance/grants/grants.ts',
  'src/governance/journal.ts',
  'src/governance/log/access-log.ts',
  'src/governance/log/auditors.ts',
  'src/governance/log/log.export.ts',
  'src/governance/log/log.verify.ts',
  'src/governance/operators/operators.ts',
  'src/http/routes/health.routes.ts',
  'src/messaging/message.writer.ts',
];

export default tseslint.config(
  // test/lint/fixtures/ breaks these rules on purpose; test/lint/lint-rules.test.ts lints it.
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'data/**', 'eslint.config.js', 'test/lint/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // scripts/ holds plain Node scripts run before the TypeScript build (npm's postinstall);
        // dependency-cruiser reads its configuration as CommonJS.
        projectService: { allowDefaultProject: ['scripts/*.mjs', '.dependency-cruiser.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  // Two rule names, so that a file under both an area rule and the Kysely rule gets both (a
  // later config would otherwise replace an earlier one's options). Type-only imports count.
  {
    name: 'domicile/kysely-only-in-storage',
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: [...kyselyHomes, ...kyselyDebt],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex: '^kysely(/|$)', message: 'only repositories, table types, migrations and src/db/ import Kysely.' }] }] },
  },
  {
    name: 'domicile/operator-routes-only-through-the-broker',
    files: operatorEdge,
    rules: { 'no-restricted-imports': ['error', { patterns: operatorEdgeForbidden }] },
  },
  {
    name: 'domicile/broker-callers-open-no-database',
    files: brokerCallers,
    rules: { 'no-restricted-imports': ['error', { patterns: cellDatabases }] },
  },
  {
    name: 'domicile/governance-never-imports-messaging',
    files: ['src/governance/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)messaging/', message: 'governance never imports messaging; messaging registers with governance through small interfaces.' }] },
      ],
    },
  },
);
