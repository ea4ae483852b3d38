// The import rules of `npm run lint`, proven on fixtures that break them (test/lint/fixtures/,
// which `npm run lint` itself ignores): ESLint with the repository's eslint.config.js, and
// dependency-cruiser with the repository's .dependency-cruiser.cjs. Each rule must fire on its
// fixture, and nothing must fire on the fixtures that keep to the rules.
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IConfiguration, type IReporterOutput } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.join(root, 'test', 'lint', 'fixtures');

/** Rule ids and lines that fired, per fixture file relative to the fixtures' `src/`. */
let fired: Map<string, { rule: string | null; line: number; message: string }[]>;

beforeAll(async () => {
  // The fixtures' folder stands in for the repository root, so the config's globs
  // (`src/http/routes/ops.*.ts`, …) apply to the fixtures exactly as written.
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: path.join(root, 'eslint.config.js'), ignore: false });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  fired = new Map(results.map((r) => [path.relative(fixtures, r.filePath), r.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }))]));
}, 240_000);

const rulesAt = (file: string) => (fired.get(file) ?? []).map((m) => `${m.rule}:${m.line}`);

describe('ESLint import rules', () => {
  it('an operator route may not import a cell database, the runtime or messaging — type-only imports included', () => {
    expect(rulesAt('src/http/routes/ops.reads-cells.routes.ts').sort()).toEqual(
      [
        '@typescript-eslint/no-restricted-imports:2', // kysely: only in repositories and src/db
        'no-restricted-imports:2', // kysely
        'no-restricted-imports:4', // src/db
        'no-restricted-imports:5', // the cell registry
        'no-restricted-imports:6', // the runtime
        'no-restricted-imports:7', // messaging
      ].sort(),
    );
    const messages = fired.get('src/http/routes/ops.reads-cells.routes.ts')?.map((m) => m.message) ?? [];
    expect(messages.filter((m) => m.includes('through the broker')).length).toBeGreaterThanOrEqual(3);
  });

  it('governance may not import messaging', () => {
    expect(rulesAt('src/governance/reads-messaging.ts')).toEqual(['no-restricted-imports:2']);
    expect(fired.get('src/governance/reads-messaging.ts')?.[0]?.message).toContain('governance never imports messaging');
  });

  it('only repositories, table types, migrations and src/db import Kysely', () => {
    expect(rulesAt('src/pay/wallet.service.ts')).toEqual(['@typescript-eslint/no-restricted-imports:2']);
    expect(rulesAt('src/pay/wallet.repository.ts')).toEqual([]);
  });

  it('an operator route that goes through the broker passes', () => {
    expect(fired.has('src/http/routes/ops.through-broker.routes.ts')).toBe(true);
    expect(rulesAt('src/http/routes/ops.through-broker.routes.ts')).toEqual([]);
  });
});

describe('dependency-cruiser', () => {
  it('finds an import circle made only of type imports', async () => {
    const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;
    // The repository's rules and options; only the exclusion of the fixtures is lifted.
    const options = { ...config.options, exclude: { path: ['^node_modules/'] }, ruleSet: { forbidden: config.forbidden ?? [] }, validate: true };
    const previous = process.cwd();
    let result: IReporterOutput;
    try {
      process.chdir(root);
      result = await cruise(['test/lint/fixtures/circle'], options, {}, { tsConfig: extractTSConfig(path.join(root, 'tsconfig.json')) });
    } finally {
      process.chdir(previous);
    }
    if (typeof result.output === 'string') throw new Error('expected a cruise result, not a report');
    const violations = result.output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
    // A circle is reported once, from whichever file the cruise reached first.
    expect(violations).toHaveLength(1);
    expect(violations[0]?.rule).toBe('no-circular');
    expect([violations[0]?.from, violations[0]?.to].sort()).toEqual(['test/lint/fixtures/circle/left.ts', 'test/lint/fixtures/circle/right.ts']);
  });
});
