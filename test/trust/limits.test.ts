// Limits against slow and greedy clients (issue 14 holes 8 and 10): a body that never finishes
// is cut off, one address cannot hold unbounded connections or sockets, one person cannot hold
// unbounded sockets, send floods of messages or create groups without end, and an over-size
// WebSocket frame is the client's fault (a warning in the log, not a server error).
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openRuntime } from '../../src/app/runtime.js';
import { buildApp } from '../../src/http/app.js';
import { ApiClient, buildTestConfig, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string } };

function rawSocket(url: string): Promise<net.Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closedWithin(socket: net.Socket, ms: number): Promise<{ closed: boolean; received: string }> {
  let received = '';
  socket.on('data', (chunk) => (received += String(chunk)));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ closed: false, received }), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
  });
}

function wsClose(url: string, frames: string[] = []): Promise<{ code: number; frames: Record<string, unknown>[] }> {
  const socket = new WebSocket(url);
  const seen: Record<string, unknown>[] = [];
  socket.on('message', (data) => seen.push(JSON.parse(String(data)) as Record<string, unknown>));
  socket.once('open', () => frames.forEach((f) => socket.send(f)));
  return new Promise((resolve) => socket.once('close', (code) => resolve({ code, frames: seen })));
}

describe('HTTP connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { requestTimeoutMs: 1000, connectionsPerAddress: 4 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('cuts off a body that never finishes once the request time-out passes', async () => {
    const socket = await rawSocket(server.url);
    const started = Date.now();
    socket.write('POST /v1/auth/signin HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"lo');
    const result = await closedWithin(socket, 5000);
    expect(result.closed).toBe(true);
    expect(result.received).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('refuses connections from one address beyond the cap, and takes them again once one closes', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => rawSocket(server.url)));
    const extra = await rawSocket(server.url);
    expect((await closedWithin(extra, 2000)).closed).toBe(true);
    held[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await rawSocket(server.url);
    expect((await closedWithin(again, 300)).closed).toBe(false);
    for (const socket of [...held, again]) socket.destroy();
  });
});

describe('sockets and floods', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { socketsPerUser: 3, socketsPerAddress: 5, sendsPerMinute: 5, groupsPerHour: 2 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes a person’s socket beyond the cap with TOO_MANY_SOCKETS (4429), and an address’s beyond its cap', async () => {
    const user = new ApiClient(server.url);
    await user.signUp({ handle: 'aoi' });
    const open = [];
    for (let i = 0; i < 3; i += 1) open.push(await RealtimeClient.connect(server.wsUrl, user.token ?? ''));
    const fourth = await wsClose(server.wsUrl, [JSON.stringify({ type: 'hello', token: user.token })]);
    expect(fourth.code).toBe(4429);
    expect(fourth.frames).toEqual([expect.objectContaining({ type: 'error', code: 'TOO_MANY_SOCKETS' })]);
    // One address: 3 open + 2 more unsigned-in sockets fill 5; the sixth is closed at once.
    const waiting = [new WebSocket(server.wsUrl), new WebSocket(server.wsUrl)];
    await Promise.all(waiting.map((w) => new Promise((resolve) => w.once('open', resolve))));
    const sixth = await wsClose(server.wsUrl);
    expect(sixth.code).toBe(4429);
    for (const w of waiting) w.close();
    await Promise.all(open.map((c) => c.close()));
    // Once closed, the person may connect again.
    const back = await RealtimeClient.connect(server.wsUrl, user.token ?? '');
    await back.close();
  });

  it('limits messages per person per minute (HTTP and WebSocket) and groups per hour, storing nothing refused', async () => {
    const alice = new ApiClient(server.url);
    await alice.signUp({ handle: 'hinata' });
    const bob = new ApiClient(server.url);
    await bob.signUp({ handle: 'riku' });
    const { id } = (await alice.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['riku'] })).body as { id: string };
    for (let i = 0; i < 5; i += 1) expect((await alice.request('POST', `/v1/conversations/${id}/messages`, { clientId: `m${i}`, text: `hello ${i}` })).status).toBe(201);
    const flood = await alice.request('POST', `/v1/conversations/${id}/messages`, { clientId: 'm5', text: 'one too many' });
    expect(flood.status).toBe(429);
    expect((flood.body as ErrorBody).error.code).toBe('RATE_LIMITED');
    expect(Number(flood.headers.get('retry-after'))).toBeGreaterThan(0);
    const ws = await RealtimeClient.connect(server.wsUrl, alice.token ?? '');
    const refused = ws.next((f) => f.type === 'error' && f.clientId === 'm6');
    ws.send({ type: 'send', clientId: 'm6', conversationId: id, text: 'and another' });
    expect(await refused).toMatchObject({ code: 'RATE_LIMITED' });
    await ws.close();
    const stored = await server.runtime.cells.get('jp').db.selectFrom('message').select('client_id').where('conversation_id', '=', id).where('kind', '=', 'text').execute();
    expect(stored.map((r) => r.client_id).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // Someone else is not limited by hinata's flood.
    expect((await bob.request('POST', `/v1/conversations/${id}/messages`, { clientId: 'r0', text: 'hi' })).status).toBe(201);

    for (let i = 0; i < 2; i += 1) expect((await alice.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['riku'], title: `g${i}` })).status).toBe(201);
    const third = await alice.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['riku'], title: 'g2' });
    expect(third.status).toBe(429);
    expect((third.body as ErrorBody).error.code).toBe('RATE_LIMITED');
    const groups = await server.runtime.cells.get('jp').db.selectFrom('conversation').select('title').where('owner_id', '=', 'hinata').where('kind', '=', 'group').execute();
    expect(groups.map((g) => g.title).sort()).toEqual(['g0', 'g1']);
  });
});

describe('an over-size WebSocket frame', () => {
  it('closes the socket with 1009 and is logged as a warning, not an error', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const runtime = await openRuntime(await buildTestConfig(), { serving: false });
    const app = await buildApp({ runtime, webDir: null, logger: pino({ level: 'info' }, sink) });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const closed = await wsClose(`ws://127.0.0.1:${port}/v1/ws`, ['x'.repeat(70 * 1024)]);
      expect(closed.code).toBe(1009);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([expect.stringMatching(/over the size limit/)]);
    } finally {
      await app.close();
      await runtime.close();
    }
  });
});
