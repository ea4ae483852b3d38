// Sessions (issue 14, holes 1 and 10): a revoked session's WebSocket closes at once (4401) and
// gets nothing more; "sign out everywhere" and a password change end the other sessions and
// their sockets; sessions expire when idle and at an absolute lifetime; guessable passwords are
// refused (nothing is written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string; message: string } };
const password = 'correct horse battery';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function closeOf(client: RealtimeClient): Promise<{ code: number; at: number }> {
  return new Promise((resolve) => client.socket.once('close', (code) => resolve({ code, at: Date.now() })));
}

async function pair(a: string, b: string) {
  const alice = new ApiClient(server.url);
  await alice.signUp({ handle: a });
  const bob = new ApiClient(server.url);
  await bob.signUp({ handle: b });
  const conversation = (await alice.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [b] })).body as { id: string };
  return { alice, bob, conversationId: conversation.id };
}

describe('revoking a session ends its sockets at once', () => {
  it('sign-out closes that session’s socket with 4401 and it receives nothing after', async () => {
    const { alice, bob, conversationId } = await pair('rin', 'haru');
    const otherDevice = new ApiClient(server.url);
    await otherDevice.signIn('haru', password);
    const bobWs = await RealtimeClient.connect(server.wsUrl, bob.token ?? '');
    const bobOtherWs = await RealtimeClient.connect(server.wsUrl, otherDevice.token ?? '');
    const closed = closeOf(bobWs);
    const started = Date.now();
    expect((await bob.request('POST', '/v1/auth/signout')).status).toBe(204);
    const { code, at } = await closed;
    expect(code).toBe(4401);
    expect(at - started).toBeLessThan(500);
    // The other device's socket stays and still gets messages; the closed one got none.
    const live = bobOtherWs.next((f) => f.type === 'message' && (f.message as { text: string }).text === 'after');
    await alice.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'after-1', text: 'after' });
    await live;
    expect(bobWs.messages(conversationId).map((m) => m.text)).not.toContain('after');
    expect(bobOtherWs.socket.readyState).toBe(WebSocket.OPEN);
    await bobOtherWs.close();
  });

  it('DELETE /v1/sessions/:id closes the revoked session’s socket', async () => {
    const { bob } = await pair('sota', 'mio');
    const phone = new ApiClient(server.url);
    await phone.signIn('mio', password);
    const phoneWs = await RealtimeClient.connect(server.wsUrl, phone.token ?? '');
    const closed = closeOf(phoneWs);
    const sessions = (await bob.request('GET', '/v1/sessions')).body as { sessions: { id: string; current: boolean }[] };
    const phoneSession = sessions.sessions.find((s) => !s.current);
    expect(phoneSession).toBeDefined();
    expect((await bob.request('DELETE', `/v1/sessions/${phoneSession?.id}`)).status).toBe(204);
    expect((await closed).code).toBe(4401);
    expect(phoneWs.socket.readyState).toBe(WebSocket.CLOSED);
    expect(server.runtime.hub.connectionsOf('mio')).toBe(0);
  });

  it('sign out everywhere ends every session and socket of the person, this one included', async () => {
    const laptop = new ApiClient(server.url);
    await laptop.signUp({ handle: 'yuto' });
    const phone = new ApiClient(server.url);
    await phone.signIn('yuto', password);
    const sockets = [await RealtimeClient.connect(server.wsUrl, laptop.token ?? ''), await RealtimeClient.connect(server.wsUrl, phone.token ?? '')];
    const closes = sockets.map(closeOf);
    const res = await laptop.request('POST', '/v1/auth/signout-everywhere');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: 2 });
    expect((await Promise.all(closes)).map((c) => c.code)).toEqual([4401, 4401]);
    for (const client of [laptop, phone]) {
      const me = await client.request('GET', '/v1/me');
      expect((me.body as ErrorBody).error.code).toBe('SESSION_REVOKED');
    }
  });
});

describe('changing the password', () => {
  it('needs the current password, refuses a weak one, and signs out every other session', async () => {
    const laptop = new ApiClient(server.url);
    await laptop.signUp({ handle: 'kaede', email: 'kaede.sato@example.test' });
    const phone = new ApiClient(server.url);
    await phone.signIn('kaede', password);
    const phoneWs = await RealtimeClient.connect(server.wsUrl, phone.token ?? '');
    const closed = closeOf(phoneWs);
    const hashBefore = (await server.runtime.cells.get('jp').db.selectFrom('account').select('password_hash').where('id', '=', 'kaede').executeTakeFirstOrThrow()).password_hash;

    const wrong = await laptop.request('POST', '/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'violet lantern orbit' });
    expect(wrong.status).toBe(401);
    expect((wrong.body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    for (const weak of ['12345678', '          ', 'kaede-kaede', 'kaede.sato@example.test']) {
      const res = await laptop.request('POST', '/v1/auth/password', { currentPassword: password, newPassword: weak });
      expect(res.status, weak).toBe(400);
      expect((res.body as ErrorBody).error.code, weak).toBe('WEAK_PASSWORD');
    }
    const after = (await server.runtime.cells.get('jp').db.selectFrom('account').select('password_hash').where('id', '=', 'kaede').executeTakeFirstOrThrow()).password_hash;
    expect(after).toBe(hashBefore);
    expect(phoneWs.socket.readyState).toBe(WebSocket.OPEN);

    const changed = await laptop.request('POST', '/v1/auth/password', { currentPassword: password, newPassword: 'violet lantern orbit' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ revokedSessions: 1 });
    expect((await closed).code).toBe(4401);
    expect((await phone.request('GET', '/v1/me')).status).toBe(401);
    expect((await laptop.request('GET', '/v1/me')).status).toBe(200);
    await expect(new ApiClient(server.url).signIn('kaede', password)).rejects.toThrow(/INVALID_CREDENTIALS/);
    await new ApiClient(server.url).signIn('kaede', 'violet lantern orbit');
  });
});

describe('weak passwords at sign-up', () => {
  it('refuses common ones, all spaces, and the handle or e-mail itself, writing nothing', async () => {
    const cases: [string, string][] = [
      ['12345678', 'nanami'],
      ['        ', 'nanami'],
      ['nanami-nanami', 'nanami'],
      ['nanami2000', 'nanami'],
      ['nanami@example.test', 'nanami'],
      ['password123', 'nanami'],
    ];
    for (const [weak, handle] of cases) {
      const res = await new ApiClient(server.url).request('POST', '/v1/auth/signup', { handle, displayName: 'Nanami', password: weak, home: 'JP', email: `${handle}@example.test` });
      expect(res.status, JSON.stringify(weak)).toBe(400);
      expect((res.body as ErrorBody).error.code, JSON.stringify(weak)).toBe('WEAK_PASSWORD');
    }
    expect(await server.runtime.directory.find('nanami')).toBeNull();
    expect(await server.runtime.cells.get('jp').db.selectFrom('account').select('id').where('id', '=', 'nanami').executeTakeFirst()).toBeUndefined();
    // A phrase of unrelated words is fine.
    await new ApiClient(server.url).signUp({ handle: 'nanami', password: 'copper meadow whistle' });
  });
});

describe('session expiry', () => {
  it('ends a session unused for the idle time, and any session at its absolute lifetime (closing its socket)', async () => {
    const short = await startTestServer({ limits: { sessionIdleSeconds: 2, sessionMaxSeconds: 3 } });
    try {
      const idle = new ApiClient(short.url);
      await idle.signUp({ handle: 'itsuki' });
      const busy = new ApiClient(short.url);
      await busy.signIn('itsuki', password);
      const busyWs = await RealtimeClient.connect(short.wsUrl, busy.token ?? '');
      const socketClosed = closeOf(busyWs);
      const start = Date.now();
      // Busy: used every 400 ms, it lives past the idle time…
      while (Date.now() - start < 2400) {
        expect((await busy.request('GET', '/v1/me')).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      // …while the idle one has ended.
      const idleAnswer = await idle.request('GET', '/v1/me');
      expect(idleAnswer.status).toBe(401);
      expect((idleAnswer.body as ErrorBody).error.code).toBe('SESSION_EXPIRED');
      // At the absolute lifetime the busy one ends too, and its socket closes.
      expect((await socketClosed).code).toBe(4401);
      const busyAnswer = await busy.request('GET', '/v1/me');
      expect((busyAnswer.body as ErrorBody).error.code).toBe('SESSION_EXPIRED');
      expect((await busy.request('GET', '/v1/sessions')).status).toBe(401);
    } finally {
      await short.close();
    }
  }, 15_000);
});
