// The bus consumer's per-conversation ordering state stays bounded (issue 13's loose end): notices
// from another node for many conversations leave at most `maxOrderings` entries, and the ones
// whose members have a socket on this node are kept over the ones nobody here listens to.
// Notices that arrive while a read from the cell is under way are served by one read, and each
// message still reaches only the recipients its own notice named.
// One in-process server (SQLite cells) and a throwaway nats-server; "another node" is a second
// bus connection publishing the notices a node publishes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBus, type Bus } from '../../src/cluster/bus.js';
import { createClusterEvents, type ClusterEvents } from '../../src/messaging/cluster.events.js';
import type { MessagingEvent } from '../../src/messaging/events.js';
import type { RealtimeHub } from '../../src/messaging/realtime.hub.js';
import { startNatsServer, type NatsServer } from '../support/nats.server.js';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

let nats: NatsServer;
let server: TestServer;
let here: Bus;
let otherNode: Bus;
let events: ClusterEvents;
const maxOrderings = 8;

beforeAll(async () => {
  nats = await startNatsServer();
  server = await startTestServer({ dialect: 'sqlite', serving: false });
  here = await openBus({ url: nats.url });
  otherNode = await openBus({ url: nats.url });
  events = createClusterEvents({ ctx: server.runtime.messaging, hub: server.runtime.hub, bus: here, maxOrderings });
});

afterAll(async () => {
  events?.close();
  await otherNode?.close();
  await here?.close();
  await server?.close();
  await nats?.stop();
});

/** Publishes a message notice per conversation from the other node, one at a time, each taken by this node before the next. */
async function announce(conversationIds: readonly string[], recipients: readonly string[]): Promise<void> {
  for (const conversationId of conversationIds) {
    otherNode.publish(`domicile.cell.jp.conv.${conversationId}`, { type: 'message', cellId: 'jp', conversationId, seq: 1, id: `m-${conversationId}`, recipients });
    await otherNode.flush();
    // NATS hands a connection its messages before the answer to a later ping: after this flush
    // the notice has reached this node's listener.
    await here.flush();
    await events.idle();
  }
}

it('keeps order for at most maxOrderings conversations, forgetting first those nobody on this node listens to', async () => {
  const client = new ApiClient(server.url);
  const { user } = await client.signUp({ handle: 'listener' });
  const socket = await RealtimeClient.connect(server.wsUrl, client.token ?? '');
  try {
    await announce(['listened'], [user.id]);
    expect(events.trackedConversations()).toEqual(['listened']);

    const quiet = Array.from({ length: 30 }, (_, i) => `quiet${i}`);
    await announce(quiet, ['nobody-here']);
    const tracked = events.trackedConversations();
    expect(tracked.length).toBeLessThanOrEqual(maxOrderings);
    // The conversation with a socket here outlived every trim; the quiet ones were dropped in turn.
    expect(tracked).toContain('listened');
    expect(tracked).toContain('quiet29');
  } finally {
    await socket.close();
  }
});

it('hands a burst of notices in order, once each, every message to the recipients its own notice named', async () => {
  const sender = new ApiClient(server.url);
  await sender.signUp({ handle: 'burst-sender' });
  await new ApiClient(server.url).signUp({ handle: 'burst-reader' });
  const conversation = (await sender.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['burst-reader'] })).body as { id: string };
  for (let i = 1; i <= 6; i++) {
    expect((await sender.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: `burst-${i}`, text: `burst ${i}` })).status).toBe(201);
  }
  // A hub that records what this node would hand to its sockets.
  const handed: { seq: number; recipients: readonly string[] }[] = [];
  const hub: RealtimeHub = {
    ...server.runtime.hub,
    emit(event: MessagingEvent) {
      if (event.type === 'message') handed.push({ seq: event.message.seq, recipients: event.recipients });
    },
  };
  const burst = createClusterEvents({ ctx: server.runtime.messaging, hub, bus: here });
  // The server knows the new subscription once it has answered a later ping.
  await here.flush();
  try {
    // Six notices in one burst, each naming different recipients (membership changed in between).
    const recipientsOf = (seq: number) => [seq % 2 === 0 ? 'even-reader' : 'odd-reader'];
    for (let seq = 1; seq <= 6; seq++) {
      otherNode.publish(`domicile.cell.jp.conv.${conversation.id}`, { type: 'message', cellId: 'jp', conversationId: conversation.id, seq, id: `m${seq}`, recipients: recipientsOf(seq) });
    }
    await otherNode.flush();
    await here.flush();
    await burst.idle();
    expect(handed.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const h of handed) expect(h.recipients).toEqual(recipientsOf(h.seq));
  } finally {
    burst.close();
  }
});
