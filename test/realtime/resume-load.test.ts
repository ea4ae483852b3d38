// Resume under load (issue 12): while senders stream messages over their sockets at a steady
// rate, each receiver drops its socket several times and resumes from the last seq it saw. Across
// all its sockets it must see every acknowledged message of its chat exactly once, in seq order:
// no gap (a message committed while it was away and not replayed) and no duplicate (a live event
// that raced the replay and was delivered twice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';


const pairs = 4;
const sendsPerSenderPerTick = 1;
const tickMs = 4; // ~250 messages a second per sender, ~1,000 a second in all
const reconnectsPerReceiver = 3;
const reconnectEveryMs = 300;

interface Pair {
  conversationId: string;
  /** The conversation's last seq before the load (its opening system message). */
  firstSeq: number;
  sender: RealtimeClient;
  receiverToken: string;
  /** Every socket the receiver has had, in order. */
  receiverSockets: RealtimeClient[];
  acked: { seq: number; text: string }[];
}

let server: TestServer;

async function openPair(i: number): Promise<Pair> {
  const sender = new ApiClient(server.url);
  await sender.signUp({ handle: `loadsend${i}`, home: i % 2 ? 'KR' : 'JP' });
  const receiver = new ApiClient(server.url);
  await receiver.signUp({ handle: `loadrecv${i}` });
  const conversation = (await sender.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [`loadrecv${i}`] })).body as { id: string };
  const senderWs = await RealtimeClient.connect(server.wsUrl, sender.token ?? '');
  const receiverWs = await RealtimeClient.connect(server.wsUrl, receiver.token ?? '');
  const history = (await receiver.request('GET', `/v1/conversations/${conversation.id}/messages`)).body as { messages: { seq: number }[] };
  const firstSeq = history.messages.at(-1)?.seq ?? 0;
  const pair: Pair = { conversationId: conversation.id, firstSeq, sender: senderWs, receiverToken: receiver.token ?? '', receiverSockets: [receiverWs], acked: [] };
  senderWs.socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; message?: { seq: number; text: string } };
    if (frame.type === 'ack' && frame.message) pair.acked.push({ seq: frame.message.seq, text: frame.message.text });
  });
  return pair;
}

/**
 * Drops the receiver's socket and resumes from the last seq any of its sockets saw — once a send
 * past that seq has been acknowledged, so the resume always has a gap to fill (on a fast path and
 * a slow machine the gap could otherwise be empty).
 */
async function reconnect(pair: Pair): Promise<void> {
  const current = pair.receiverSockets.at(-1) as RealtimeClient;
  await current.close();
  const seen = pair.receiverSockets.flatMap((s) => s.messages(pair.conversationId));
  const cursor = seen.at(-1)?.seq ?? pair.firstSeq;
  const deadline = Date.now() + 10_000;
  while (!pair.acked.some((a) => a.seq > cursor) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  pair.receiverSockets.push(await RealtimeClient.connect(server.wsUrl, pair.receiverToken, { [pair.conversationId]: cursor }));
}

// Both ways a SQLite cell can sync a batch: in the message writer's worker thread (the default) and on the thread
// pool (`storage.deferSync`), where a committed row is not yet readable until it is on disk.
describe.each([false, true])('resume under load (deferSync %s)', (deferSync) => {
  beforeAll(async () => {
    server = await startTestServer({ deferSync });
  });
  afterAll(async () => {
    await server.close();
  });

  it('replays exactly the missed messages, with no gap or duplicate, while messages keep coming', { timeout: 60_000 }, async () => {
    const all: Pair[] = [];
    for (let i = 0; i < pairs; i += 1) all.push(await openPair(i));

    let sent = 0;
    const sending = setInterval(() => {
      for (const pair of all) {
        for (let k = 0; k < sendsPerSenderPerTick; k += 1) {
          pair.sender.send({ type: 'send', clientId: `load-${sent}`, conversationId: pair.conversationId, text: `load ${sent}` });
          sent += 1;
        }
      }
    }, tickMs);
    // Receivers drop and resume at staggered times while the senders keep sending; sending goes
    // on until the last one has resumed.
    await Promise.all(
      all.map(async (pair, i) => {
        for (let k = 0; k < reconnectsPerReceiver; k += 1) {
          await new Promise((r) => setTimeout(r, reconnectEveryMs + i * 70));
          await reconnect(pair);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, reconnectEveryMs));
    clearInterval(sending);

    // Every send is acknowledged, then the live socket catches up to the last one.
    const perPair = sent / pairs;
    for (const pair of all) {
      const deadline = Date.now() + 30_000;
      while (pair.acked.length < perPair && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pair.acked.length).toBe(perPair);
      const lastAcked = Math.max(...pair.acked.map((a) => a.seq));
      const live = pair.receiverSockets.at(-1) as RealtimeClient;
      if ((live.messages(pair.conversationId).at(-1)?.seq ?? 0) < lastAcked) {
        await live.next((f) => f.type === 'message' && (f.message as { seq: number }).seq === lastAcked, 30_000);
      }
    }

    for (const pair of all) {
      expect(pair.receiverSockets).toHaveLength(reconnectsPerReceiver + 1);
      // Messages were committed while the receiver was away and came back in a replay (the
      // frames before `caught-up`), so the resume had a gap to fill.
      const replayed = pair.receiverSockets.slice(1).flatMap((s) => s.frames.slice(0, s.frames.findIndex((f) => f.type === 'caught-up')).filter((f) => f.type === 'message'));
      expect(replayed.length).toBeGreaterThan(0);
      const received = pair.receiverSockets.flatMap((s) => s.messages(pair.conversationId));
      const from = pair.firstSeq + 1;
      const acked = [...pair.acked].sort((a, b) => a.seq - b.seq);
      // Exactly the acknowledged messages, each once, in seq order, across all the sockets.
      expect(received.map((m) => m.seq)).toEqual(acked.map((a) => a.seq));
      expect(received.map((m) => m.text)).toEqual(acked.map((a) => a.text));
      expect(acked[0]?.seq).toBe(from);
      expect(acked.at(-1)?.seq).toBe(from + perPair - 1);
    }
    await Promise.all(all.flatMap((p) => [p.sender.close(), ...p.receiverSockets.map((s) => s.close())]));
  });
});
