// The API contract: /openapi.json passes Redocly's recommended lint (offline, with its CLI), and
// every route declares a response schema for its success status — the allow-list of what leaves
// the server.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { tempDir } from '../support/databases.js';

const run = promisify(execFile);

interface Operation {
  responses?: Record<string, unknown>;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ serving: false });
});
afterAll(async () => {
  await server.close();
});

function openapi(): { paths: Record<string, Record<string, Operation>> } {
  return server.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
}

describe('the OpenAPI document', () => {
  it('passes `redocly lint` with the recommended rules and no errors', async () => {
    const file = path.join(tempDir('domicile-openapi'), 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(openapi(), null, 2));
    // The CLI's own telemetry and update check would reach the network; the lint itself is local.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' };
    const result = await run('npx', ['redocly', 'lint', '--extends=recommended', '--format=json', file], { env, maxBuffer: 16 * 1024 * 1024 }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
    const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; severity: string; location: { pointer: string }[] }[] };
    const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  it('gives every route a response schema for its success status', () => {
    const doc = openapi();
    const missing: string[] = [];
    for (const route of server.app.routeInventory) {
      if (route.url === '/openapi.json') continue;
      const docPath = route.url.replace(/\/\*$/, '/{path}').replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[docPath]?.[route.method.toLowerCase()];
      const success = Object.keys(operation?.responses ?? {}).filter((code) => /^(2\d\d|2XX|101)$/.test(code));
      if (success.length === 0) missing.push(`${route.method} ${route.url}`);
    }
    expect(server.app.routeInventory.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
