// Resume under a high offered rate (issue 12): several senders in one group offer their messages
// as fast as their sockets take them (in three waves, so each drop comes mid-stream), and the
// receiver drops its socket abruptly (no close handshake) twice mid-stream, each time resuming
// from the last seq it saw once a later message is committed (so every resume has a gap to fill,
// whatever the commit timing). Across its sockets it
// must get every acknowledged message exactly once, in seq order — no gap, no duplicate — and
// each sender's messages in the order it sent them. resume-load.test.ts holds the steady-rate
// case with 1:1 chats; this one puts the writer's batches, the replay and the live stream of ONE
// conversation in a race.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

const senders = 4;
const perSender = 250;
/** The receiver drops its socket after seeing these many messages (across its sockets). */
const dropsAt = [perSender, 2 * perSender];
/** Each sender's sends in waves, [waves[w], waves[w + 1]): wave w goes out while the receiver waits to drop at dropsAt[w] (4 × 100 = 400 > 250; 4 × 175 = 700 > 500), the last after the last resume. */
const waves = [0, 100, 175, perSender];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

it('resumes exactly (no gap, no duplicate, in order) while several senders stream at a high rate', { timeout: 60_000 }, async () => {
  const receiver = new ApiClient(server.url);
  await receiver.signUp({ handle: 'burstrecv' });
  const people = Array.from({ length: senders }, () => new ApiClient(server.url));
  for (const [i, person] of people.entries()) {
    await person.signUp({ handle: `burstsend${i}`, home: i % 2 ? 'KR' : 'JP' });
    // A contact is no stranger: the sender joins the receiver's group as a member, not by request.
    expect((await person.request('POST', '/v1/contacts', { handle: 'burstrecv' })).status).toBe(201);
    if (i % 2) expect((await person.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
  }
  const group = (await receiver.request('POST', '/v1/conversations', { kind: 'group', memberIds: people.map((_, i) => `burstsend${i}`), title: 'Burst' })).body as { id: string };
  const history = (await receiver.request('GET', `/v1/conversations/${group.id}/messages`)).body as { messages: { seq: number }[] };
  const firstSeq = history.messages.at(-1)?.seq ?? 0;

  const sockets = await Promise.all(people.map((p) => RealtimeClient.connect(server.wsUrl, p.token ?? '')));
  const receivers = [await RealtimeClient.connect(server.wsUrl, receiver.token ?? '')];
  const seen = (): { seq: number; text: string | null }[] => receivers.flatMap((r) => r.messages(group.id));
  const beyond = (seq: number) => (f: Record<string, unknown>): boolean => f.type === 'ack' && (f.message as { seq: number }).seq > seq;
  /** Resolves once any sender holds an ack past `seq`. */
  const ackedBeyond = (seq: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (sockets.some((s) => s.frames.some(beyond(seq)))) return resolve();
      const timer = setTimeout(() => reject(new Error('timed out waiting for an ack')), 30_000);
      const listeners = sockets.map((s) => {
        const listener = (data: unknown): void => {
          if (!beyond(seq)(JSON.parse(String(data)) as Record<string, unknown>)) return;
          for (const [socket, l] of listeners) socket.off('message', l);
          clearTimeout(timer);
          resolve();
        };
        s.socket.on('message', listener);
        return [s.socket, listener] as const;
      });
    });

  /** `wait`, whose failure says where the stream stood (a timeout alone would not say which step hung). */
  const within = <T,>(step: string, wait: Promise<T>): Promise<T> =>
    wait.catch((err: unknown) => {
      const acks = sockets.map((s) => s.frames.filter((f) => f.type === 'ack').length).join(',');
      const errors = JSON.stringify(sockets.flatMap((s) => s.frames.filter((f) => f.type === 'error')).slice(0, 3));
      throw new Error(`${step}: ${String(err)}; receiver saw ${seen().length} (last seq ${seen().at(-1)?.seq}, first ${firstSeq}) on ${receivers.length} sockets; acks per sender ${acks}; errors ${errors}`);
    });

  // Each wave's sends at once: the server takes them as fast as it can, so batches form, and
  // messages are committed while the receiver is away. A wave goes out once the receiver's socket
  // is armed to drop at its count, so the drop comes mid-stream (sent all at once, the stream could
  // reach a resumed socket whole before its drop was armed).
  const acks = sockets.map((s) => s.next((f) => f.type === 'ack' && f.clientId === `b${perSender - 1}`, 30_000));
  const sendWave = (wave: number): void => {
    for (let k = waves[wave] as number; k < (waves[wave + 1] as number); k += 1) {
      for (const [i, s] of sockets.entries()) s.send({ type: 'send', clientId: `b${k}`, conversationId: group.id, text: `from ${i} #${k}` });
    }
  };

  for (const [wave, at] of dropsAt.entries()) {
    const current = receivers.at(-1) as RealtimeClient;
    // At exactly `at` messages: frames already in the client's buffer could otherwise run it to the end of the stream.
    const dropped = within(`drop at ${at}`, current.dropWhen(() => seen().length >= at, 30_000));
    sendWave(wave);
    await dropped;
    const cursor = seen().at(-1)?.seq ?? firstSeq;
    // Comes back only once a message past its cursor is committed, so the resume has a gap to fill.
    await within(`an ack past ${cursor}`, ackedBeyond(cursor));
    receivers.push(await RealtimeClient.connect(server.wsUrl, receiver.token ?? '', { [group.id]: cursor }));
  }
  sendWave(dropsAt.length);
  await within('every ack', Promise.all(acks));

  const acked = sockets.flatMap((s) => s.frames.filter((f) => f.type === 'ack').map((f) => (f.message as { seq: number; text: string }))).sort((a, b) => a.seq - b.seq);
  const total = senders * perSender;
  expect(acked).toHaveLength(total);
  const lastSeq = firstSeq + total;
  expect(acked.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, k) => firstSeq + 1 + k));
  const live = receivers.at(-1) as RealtimeClient;
  if ((seen().at(-1)?.seq ?? 0) < lastSeq) await within('the last message', live.next((f) => f.type === 'message' && (f.message as { seq: number }).seq === lastSeq, 30_000));

  // Each reconnect had messages to replay (frames before `caught-up`): the drops happened mid-stream.
  for (const r of receivers.slice(1)) expect(r.frames.slice(0, r.frames.findIndex((f) => f.type === 'caught-up')).filter((f) => f.type === 'message').length).toBeGreaterThan(0);
  // Exactly the acknowledged messages, each once, in seq order, across the receiver's sockets.
  const received = seen();
  expect(received.map((m) => m.seq)).toEqual(acked.map((m) => m.seq));
  expect(received.map((m) => m.text)).toEqual(acked.map((m) => m.text));
  // Each sender's messages keep the order it sent them in.
  for (let i = 0; i < senders; i += 1) {
    const own = received.filter((m) => m.text?.startsWith(`from ${i} #`)).map((m) => Number(m.text?.split('#')[1]));
    expect(own).toEqual(Array.from({ length: perSender }, (_, k) => k));
  }
  await Promise.all([...sockets, ...receivers].map((s) => s.close()));
});
