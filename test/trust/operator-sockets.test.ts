// An operator's socket ends with its session (issue 14 hole 1, issue 16 item 11): sign-out closes
// it at once (4401), and `domicile operator disable` run from the CLI — another process —
// closes the operator's open socket within the serving process's poll interval (250 ms), not at
// its next frame. Sockets of other operators stay open.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { from, makeOperator, operatorSocket, signInOperator } from '../broker/support.js';
import { runDomicile } from '../support/cli.js';
import { storyRules } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let configFile = '';

beforeAll(async () => {
  server = await startTestServer({ trustedProxies: ['127.0.0.1'], serving: true });
  configFile = path.join(server.dataDir, 'cli.config.json');
  fs.writeFileSync(configFile, JSON.stringify({ deployment: 'domicile.test', dataDir: server.dataDir, cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }], placement: { rules: storyRules } }));
});
afterAll(async () => {
  await server.close();
});

describe('operator sockets end with their session', () => {
  it('sign-out closes the session’s socket at once with 4401; another session’s socket stays', async () => {
    const id = await makeOperator(server, { roles: ['support'] });
    const first = await signInOperator(server, id, from('JP'));
    const second = await signInOperator(server, id, from('JP'));
    const firstSocket = await operatorSocket(server, first.token ?? '', from('JP'));
    const secondSocket = await operatorSocket(server, second.token ?? '', from('JP'));
    const started = Date.now();
    expect((await first.request('POST', '/v1/ops/auth/signout', undefined, from('JP'))).status).toBe(204);
    const closed = await firstSocket.closed;
    expect(closed.code).toBe(4401);
    expect(closed.at - started).toBeLessThan(200);
    expect(secondSocket.socket.readyState).toBe(WebSocket.OPEN);
    secondSocket.socket.close();
  });

  it('`domicile operator disable` from the CLI closes the operator’s open socket within the poll interval', async () => {
    const id = await makeOperator(server, { roles: ['support'] });
    const otherId = await makeOperator(server, { roles: ['support'] });
    const live = await operatorSocket(server, (await signInOperator(server, id, from('JP'))).token ?? '', from('JP'));
    const other = await operatorSocket(server, (await signInOperator(server, otherId, from('JP'))).token ?? '', from('JP'));
    const disabled = await runDomicile(['operator', 'disable', id, '--config', configFile]);
    expect(disabled.code, disabled.stderr).toBe(0);
    const committedAt = Date.now();
    const closed = await live.closed;
    expect(closed.code).toBe(4401);
    // Within the 250 ms poll, plus a poll that may be in flight.
    expect(closed.at - committedAt).toBeLessThan(600);
    // It was not waiting for a frame: the socket got none after ready.
    expect(live.frames.map((f) => f.type)).toEqual(['ready']);
    expect(other.socket.readyState).toBe(WebSocket.OPEN);
    other.socket.close();
  });
});
