// Protocol tests for web/src/realtime.ts against a scripted /v1/ws peer (the `ws` package): hello with
// cursors, resume after a drop from the highest seq held, de-duplication by id, acks, and 4401 handling.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { RealtimeClient, type SocketLike } from '../../web/src/realtime.js';
import type { ClientFrame, Message } from '../../web/src/types.js';

interface Peer {
  url: string;
  hellos: Array<Extract<ClientFrame, { type: 'hello' }>>;
  frames: ClientFrame[];
  sockets: WsSocket[];
  /** What the fake server does after each hello; defaults to ready + replay + caught-up. */
  onHello: (socket: WsSocket, hello: Extract<ClientFrame, { type: 'hello' }>) => void;
  close: () => Promise<void>;
}

const history: Message[] = [];

function msg(conversationId: string, seq: number): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversationId,
    seq,
    senderId: 'u2',
    kind: 'text',
    text: `message ${seq}`,
    media: null,
    card: null,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
  };
}

const user = { id: 'u1', handle: 'aiko', displayName: 'Aiko', home: 'JP', kind: 'user', class: 'consumer', hasAvatar: false };

function send(socket: WsSocket, frame: unknown): void {
  socket.send(JSON.stringify(frame));
}

async function startPeer(): Promise<Peer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  if (!address || typeof address === 'string') throw new Error('unexpected address');
  const peer: Peer = {
    url: `ws://127.0.0.1:${address.port}/v1/ws`,
    hellos: [],
    frames: [],
    sockets: [],
    onHello: (socket, hello) => {
      send(socket, { type: 'ready', user });
      for (const [cid, after] of Object.entries(hello.cursors ?? {})) {
        for (const m of history) if (m.conversationId === cid && m.seq > after) send(socket, { type: 'message', message: m });
      }
      send(socket, { type: 'caught-up' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of wss.clients) s.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket) => {
    peer.sockets.push(socket);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ClientFrame;
      peer.frames.push(frame);
      if (frame.type === 'hello') {
        peer.hellos.push(frame);
        peer.onHello(socket, frame);
      }
    });
  });
  return peer;
}

function client(peer: Peer, token: string | null = 'tok-1'): RealtimeClient {
  return new RealtimeClient({
    url: peer.url,
    getToken: () => token,
    socketFactory: (url) => new WsClient(url) as unknown as SocketLike,
    initialDelayMs: 20,
    maxDelayMs: 100,
    ackTimeoutMs: 500,
    random: () => 1,
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
  history.length = 0;
});

describe('RealtimeClient', () => {
  it('says hello with the token and one cursor per conversation, then replays what is missing', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    history.push(msg('c1', 1), msg('c1', 2), msg('c1', 3), msg('c2', 1));
    const rt = client(peer);
    cleanup.push(() => rt.stop());
    const got: Message[] = [];
    let caughtUp = 0;
    rt.on('message', (m) => got.push(m));
    rt.on('caughtUp', () => caughtUp++);
    rt.setCursor('c1', 1);
    rt.setCursor('c2', 1);
    rt.start();
    await until(() => caughtUp === 1, 'caught-up');
    expect(peer.hellos[0]).toEqual({ type: 'hello', token: 'tok-1', cursors: { c1: 1, c2: 1 } });
    expect(got.map((m) => m.id)).toEqual(['c1-m2', 'c1-m3']);
    expect(rt.status).toBe('open');
  });

  it('reconnects after a drop and resumes from the highest seq it holds, without duplicates', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    history.push(msg('c1', 1));
    const rt = client(peer);
    cleanup.push(() => rt.stop());
    const got: string[] = [];
    const statuses: string[] = [];
    rt.on('message', (m) => got.push(m.id));
    rt.on('status', (s) => statuses.push(s));
    rt.setCursor('c1', 0);
    rt.start();
    await until(() => got.length === 1, 'first replay');

    // Live pushes, one of them twice (as a replay racing a live push would).
    const live = [msg('c1', 2), msg('c1', 3)];
    history.push(...live);
    const first = peer.sockets[0];
    if (!first) throw new Error('no socket');
    for (const m of [...live, live[0]]) send(first, { type: 'message', message: m });
    await until(() => got.length === 3, 'live messages');

    // Messages that arrive while the client is away must come back through the cursor.
    history.push(msg('c1', 4), msg('c1', 5));
    first.close(1012, 'restart');
    await until(() => peer.hellos.length === 2, 'second hello');
    expect(peer.hellos[1]?.cursors).toEqual({ c1: 3 });
    await until(() => got.length === 5, 'replay after reconnect');
    expect(got).toEqual(['c1-m1', 'c1-m2', 'c1-m3', 'c1-m4', 'c1-m5']);
    expect(statuses).toContain('offline');
    expect(rt.status).toBe('open');
  });

  it('backs off between failed attempts and resets once connected', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    // The server accepts the socket but closes it before ready, several times.
    let refusals = 3;
    const baseHello = peer.onHello;
    peer.onHello = (socket, hello) => {
      if (refusals-- > 0) socket.close(1013, 'try again later');
      else baseHello(socket, hello);
    };
    const rt = client(peer);
    cleanup.push(() => rt.stop());
    const started = Date.now();
    rt.start();
    await until(() => rt.status === 'open', 'open after retries');
    // Delays with random()=1: 20 + 40 + 80 ms at least.
    expect(Date.now() - started).toBeGreaterThanOrEqual(130);
    expect(peer.hellos.length).toBe(4);
  });

  it('resolves send on ack, rejects on a server error, and marks the acked message as seen', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    const rt = client(peer);
    cleanup.push(() => rt.stop());
    const got: string[] = [];
    rt.on('message', (m) => got.push(m.id));
    peer.onHello = (socket) => {
      send(socket, { type: 'ready', user });
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as ClientFrame;
        if (frame.type !== 'send') return;
        if ('text' in frame && frame.text === 'bad') {
          send(socket, { type: 'error', code: 'VALIDATION_FAILED', message: 'text is too long', clientId: frame.clientId });
          return;
        }
        const m = { ...msg(frame.conversationId, 7), id: 'sent-7', senderId: 'u1' };
        send(socket, { type: 'ack', clientId: frame.clientId, message: m });
        send(socket, { type: 'message', message: m });
      });
    };
    rt.start();
    await until(() => rt.isReady, 'ready');
    const acked = await rt.send('c9', 'client-1', { text: 'hi' });
    expect(acked.id).toBe('sent-7');
    await expect(rt.send('c9', 'client-2', { text: 'bad' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['sent-7']);
    expect(rt.cursor('c9')).toBe(7);
    expect(rt.read('c9', 7)).toBe(true);
    await until(() => peer.frames.some((f) => f.type === 'read'), 'read frame');
  });

  it('stops for good when the server refuses the token (4401)', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    peer.onHello = (socket) => socket.close(4401, 'session revoked');
    const rt = client(peer);
    cleanup.push(() => rt.stop());
    let authFailed = 0;
    rt.on('authFailed', () => authFailed++);
    rt.start();
    await until(() => authFailed === 1, 'authFailed');
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.hellos.length).toBe(1);
    expect(rt.status).toBe('stopped');
  });

  it('fails a send fast when not connected, so the caller can use HTTP', async () => {
    const peer = await startPeer();
    cleanup.push(peer.close);
    const rt = client(peer);
    await expect(rt.send('c1', 'x', { text: 'hi' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(rt.read('c1', 1)).toBe(false);
  });
});
