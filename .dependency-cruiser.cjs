// Import rules ESLint cannot see across files: no import circle anywhere, type-only imports
// included (tsPreCompilationDeps keeps `import type` edges that the compiler would erase).
// Run by `npm run lint`; test/lint/lint-rules.test.ts proves the rule fires.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module may not import itself through others, even for types only: modules depend inward (DESIGN.md, "Shape of the code").',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^dist/', '^web/dist/', '^test/lint/fixtures/'] },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
