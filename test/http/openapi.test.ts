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
    const routes = server.app.routeInventory.filter((r) => r.url !== '/openapi.json');
    const http = routes.filter((r) => !r.websocket);
    // The schema is what Fastify serialises with: a route without one would send whatever its handler returns.
    expect(http.filter((r) => !r.responses.some((code) => /^2(\d\d|xx)$/.test(code))).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(http.filter((r) => !r.responses.includes('4xx')).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // A WebSocket route answers the upgrade with 101; its frames are in docs/api.md.
    const sockets = routes.filter((r) => r.websocket);
    expect(sockets.length).toBe(2);
    expect(sockets.filter((r) => doc.paths[r.url]?.get?.responses?.['101'] === undefined).map((r) => r.url)).toEqual([]);
    expect(http.length).toBeGreaterThan(40);
  });
});
