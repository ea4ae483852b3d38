// Cut-off: `domicile access block CN` (another command, beside a running server) closes a live
// operator WebSocket from China within one second, refuses the next request, is logged, and
// survives a restart; unblocking reverses it. Blocking through the API acts at once.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runDomicile } from '../support/cli.js';
import { storyRules } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { entriesSince, from, logSize, makeOperator, operatorSocket, signInOperator, type ErrorBody } from './support.js';

let server: TestServer;
let configFile = '';

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'], serving: true });
  configFile = path.join(server.dataDir, 'cli.config.json');
  fs.writeFileSync(configFile, JSON.stringify({ deployment: 'domicile.test', dataDir: server.dataDir, cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }], placement: { rules: storyRules } }));
});
afterAll(async () => {
  await server.close();
});

describe('blocking CN from the command line', () => {
  it('closes a live operator WebSocket from China within a second, refuses what follows, logs it and survives a restart', async () => {
    const shanghai = await signInOperator(server, 'op-shanghai-eng2', from('CN'));
    const tokyoId = await makeOperator(server, { roles: ['support'] });
    const tokyo = await signInOperator(server, tokyoId, from('JP'));
    const cnSocket = await operatorSocket(server, shanghai.token ?? '', from('CN'));
    const jpSocket = await operatorSocket(server, tokyo.token ?? '', from('JP'));
    const jpLogBefore = logSize(server, 'JP');

    const started = Date.now();
    const blocked = await runDomicile(['access', 'block', 'CN', '--config', configFile]);
    expect(blocked.code, blocked.stderr).toBe(0);
    const closed = await cnSocket.closed;
    expect(closed.code).toBe(4403);
    expect(closed.at - started).toBeLessThan(1000);
    expect(jpSocket.socket.readyState).toBe(WebSocket.OPEN);
    // The console still open is told, in the frame web/src/ops/socket.ts reads.
    const pushDeadline = Date.now() + 1000;
    while (!jpSocket.frames.some((f) => f.type === 'blocks') && Date.now() < pushDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(jpSocket.frames.filter((f) => f.type === 'blocks')).toEqual([{ type: 'blocks', blocked: ['CN'] }]);

    // The next request: the Chinese session is over, a new one is refused, and a Tokyo operator
    // connecting from China is refused by the blocked-location policy (and logged).
    const again = await shanghai.request('GET', '/v1/ops/me', undefined, from('CN'));
    expect(again.status).toBe(401);
    expect((again.body as ErrorBody).error.code).toBe('SESSION_REVOKED');
    const signIn = await signInOperator(server, 'op-shanghai-eng3', from('CN')).catch((err: Error) => err);
    expect(String(signIn)).toMatch(/JURISDICTION_BLOCKED/);
    const fromChina = await tokyo.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, from('CN'));
    expect(fromChina.status).toBe(403);
    expect(JSON.stringify(fromChina.body)).toMatch(/blocked-location/);

    // Logged: the block reaches every jurisdiction's log within the poll that writes the journal.
    const deadline = Date.now() + 3000;
    let blockEntries: unknown[] = [];
    while (Date.now() < deadline) {
      blockEntries = (await entriesSince(server, 'JP', jpLogBefore)).filter((e) => e.action === 'block' && e.caseRef === 'cutoff:CN');
      if (blockEntries.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(blockEntries).toHaveLength(1);
    expect((await entriesSince(server, 'KR', 0)).some((e) => e.action === 'block' && e.actor === 'system:cli')).toBe(true);
    jpSocket.socket.close();

    // Restart: the block is still in force.
    const dataDir = server.dataDir;
    await server.close();
    server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'], serving: true, dataDir });
    expect(server.runtime.governance.cutoff.list()).toEqual(['CN']);
    expect(String(await signInOperator(server, 'op-shanghai-eng4', from('CN')).catch((err: Error) => err))).toMatch(/JURISDICTION_BLOCKED/);
    const tokyoAgain = await signInOperator(server, tokyoId, from('JP'));
    const stillRefused = await tokyoAgain.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, from('CN'));
    expect(JSON.stringify(stillRefused.body)).toMatch(/blocked-location/);

    // Unblocking reverses it (and the policies decide again).
    const unblocked = await runDomicile(['access', 'unblock', 'CN', '--config', configFile]);
    expect(unblocked.code).toBe(0);
    const until = Date.now() + 2000;
    while (server.runtime.governance.cutoff.list().length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.runtime.governance.cutoff.list()).toEqual([]);
    const back = await signInOperator(server, 'op-shanghai-eng4', from('CN'));
    const residency = await back.request('POST', '/v1/ops/access', { purpose: 'SERVICE_OPERATION', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, from('CN'));
    expect(residency.status).toBe(403);
    expect(JSON.stringify(residency.body)).not.toMatch(/blocked-location/);
    expect(JSON.stringify(residency.body)).toMatch(/residency/);
    const listed = await runDomicile(['access', 'blocks', '--config', configFile]);
    expect(listed.stdout).toMatch(/No jurisdiction is blocked/);
  }, 20_000);
});

describe('blocking through the API', () => {
  it('needs an admin or security operator in their office country, and closes live sockets at once', async () => {
    const seoul = await signInOperator(server, 'op-seoul-eng', from('KR'));
    const krSocket = await operatorSocket(server, seoul.token ?? '', from('KR'));
    const support = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), from('JP'));
    const notAllowed = await support.request('POST', '/v1/ops/blocks', { country: 'KR' }, from('JP'));
    expect(notAllowed.status).toBe(403);
    expect((notAllowed.body as ErrorBody).error.code).toBe('FORBIDDEN');
    const admin = await signInOperator(server, await makeOperator(server, { roles: ['admin'] }), from('JP'));
    const started = Date.now();
    const res = await admin.request('POST', '/v1/ops/blocks', { country: 'KR' }, from('JP'));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ blocked: ['KR'] });
    const closed = await krSocket.closed;
    expect(closed.code).toBe(4403);
    expect(closed.at - started).toBeLessThan(1000);
    expect((await seoul.request('GET', '/v1/ops/me', undefined, from('KR'))).status).toBe(401);
    const lifted = await admin.request('DELETE', '/v1/ops/blocks/KR', undefined, from('JP'));
    expect(lifted.body).toEqual({ blocked: [] });
  });
});
