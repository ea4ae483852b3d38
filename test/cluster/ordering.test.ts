// The bus consumer's per-conversation ordering state stays bounded (issue 13's loose end): notices
// from another node for many conversations leave at most `maxOrderings` entries, and the ones
// whose members have a socket on this node are kept over the ones nobody here listens to.
// One in-process server (SQLite cells) and a throwaway nats-server; "another node" is a second
// bus connection publishing the notices a node publishes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBus, type Bus } from '../../src/cluster/bus.js';
import { createClusterEvents, type ClusterEvents } from '../../src/messaging/cluster.events.js';
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
