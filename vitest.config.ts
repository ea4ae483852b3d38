import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The PostgreSQL pass: end-to-end and browser files run a second time with every test server on
 * PostgreSQL cells and a PostgreSQL directory (DOMICILE_TEST_DB=postgres; the storage tests loop
 * over both dialects already). The harness fails a file here that would keep a cell or the
 * directory in SQLite (test/support/databases.ts), so the CLI, kill -9 and crash files, whose
 * configurations are SQLite by design, are not in it. To switch the pass off, empty this list.
 */
const postgresPass = [
  'test/http/api.test.ts',
  'test/realtime/realtime.test.ts',
  'test/browser/chat.browser.test.ts',
  'test/browser/pay.browser.test.ts',
  'test/browser/privacy.browser.test.ts',
  'test/browser/governance.browser.test.ts',
  'test/browser/ops.browser.test.ts',
  'test/browser/incidents.browser.test.ts',
  'test/browser/pay-ops.browser.test.ts',
  'test/browser/trust.browser.test.ts',
  'test/browser/proof.test.ts',
];

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: 'suite', include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'] } },
];
if (postgresPass.length > 0) projects.push({ extends: true, test: { name: 'postgres', include: postgresPass, env: { DOMICILE_TEST_DB: 'postgres' } } });

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One module cache per worker for all its files: each file imported the server's whole graph again
    // (import 263 s of a 969 s suite; 28 s without isolation). Files share no state but what they close.
    isolate: false,
    // Two workers on the 2-core CI machine: one left the second core idle but for spawned servers (suite 857 s → ~600 s).
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    projects,
  },
});
