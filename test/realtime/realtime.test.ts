// Realtime over real WebSocket clients: live delivery, durable acks, and resume after a
// reconnect with exactly the missed messages in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function chat(a: string, b: string) {
  const alice = new ApiClient(server.url);
  await alice.signUp({ handle: a });
  const bob = new ApiClient(server.url);
  await bob.signUp({ handle: b, home: 'KR' });
  // The chat is stored in Japan: the Korean member joins after consenting (issue 16.3).
  expect((await bob.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
  const conversation = (await alice.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [b] })).body as { id: string };
  return { alice, bob, conversationId: conversation.id };
}

describe('realtime', () => {
  it('delivers a message live and acknowledges it only once it is stored', async () => {
    const { alice, bob, conversationId } = await chat('akira', 'hyun');
    const aliceWs = await RealtimeClient.connect(server.wsUrl, alice.token ?? '');
    const bobWs = await RealtimeClient.connect(server.wsUrl, bob.token ?? '');
    const received = bobWs.next((f) => f.type === 'message');
    const ack = aliceWs.next((f) => f.type === 'ack');
    aliceWs.send({ type: 'send', clientId: 'live-1', conversationId, text: 'annyeong!' });
    const ackFrame = (await ack) as { message: { id: string; seq: number } };
    const stored = await server.runtime.cells.get('jp').db.selectFrom('message').select(['id', 'seq']).where('id', '=', ackFrame.message.id).executeTakeFirst();
    expect(stored).toEqual({ id: ackFrame.message.id, seq: 2 });
    expect(((await received) as { message: { text: string } }).message.text).toBe('annyeong!');
    const receipt = aliceWs.next((f) => f.type === 'receipt');
    bobWs.send({ type: 'read', conversationId, seq: 2 });
    expect(await receipt).toMatchObject({ type: 'receipt', conversationId, userId: 'hyun', seq: 2 });
    await Promise.all([aliceWs.close(), bobWs.close()]);
  });

  it('after a reconnect, resumes with exactly the missed messages in order', async () => {
    const { alice, bob, conversationId } = await chat('daichi', 'minseo');
    const bobWs = await RealtimeClient.connect(server.wsUrl, bob.token ?? '');
    const first = bobWs.next((f) => f.type === 'message' && (f.message as { text: string }).text === 'before');
    await alice.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'b0', text: 'before' });
    const lastSeen = ((await first) as { message: { seq: number } }).message.seq;
    await bobWs.close();

    const missed: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      missed.push(`missed-${i}`);
      await alice.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: `m${i}`, text: `missed-${i}` });
    }
    const again = await RealtimeClient.connect(server.wsUrl, bob.token ?? '', { [conversationId]: lastSeen });
    const replayed = again.messages(conversationId);
    expect(replayed.map((m) => m.text)).toEqual(missed);
    expect(replayed.map((m) => m.seq)).toEqual(missed.map((_, i) => lastSeen + 1 + i));
    // And live delivery continues after the replay without repeats.
    const live = again.next((f) => f.type === 'message' && (f.message as { text: string }).text === 'after');
    await alice.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'after', text: 'after' });
    await live;
    const texts = again.messages(conversationId).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    await again.close();
  });

  it('refuses a socket whose first frame is not a valid hello, and answers bad frames with an error', async () => {
    const socket = new WebSocket(server.wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'send', text: 'no hello' }));
    expect(await closed).toBe(4401);

    const { alice, conversationId } = await chat('kaito', 'yejin');
    const client = await RealtimeClient.connect(server.wsUrl, alice.token ?? '');
    const errors = [client.next((f) => f.type === 'error' && f.code === 'MALFORMED_JSON'), client.next((f) => f.type === 'error' && f.code === 'VALIDATION_FAILED')];
    client.socket.send('{oops');
    client.send({ type: 'send', clientId: 'x', conversationId, text: 'hi', extra: true });
    await Promise.all(errors);
    const notMember = client.next((f) => f.type === 'error' && f.clientId === 'nm');
    client.send({ type: 'send', clientId: 'nm', conversationId: 'jp_doesnotexist0000', text: 'hi' });
    expect(await notMember).toMatchObject({ code: 'NOT_A_MEMBER' });
    await client.close();
  });

  it('tells a new member about a conversation they were added to', async () => {
    const host = new ApiClient(server.url);
    await host.signUp({ handle: 'haruto' });
    const guest = new ApiClient(server.url);
    await guest.signUp({ handle: 'subin', home: 'KR' });
    const guestWs = await RealtimeClient.connect(server.wsUrl, guest.token ?? '');
    const membership = guestWs.next((f) => f.type === 'membership');
    await host.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['subin'], title: 'Study group' });
    expect(await membership).toMatchObject({ change: 'added', userId: 'subin', conversation: { title: 'Study group', storedIn: { jurisdiction: 'JP' } } });
    await guestWs.close();
  });
});
