// Issue 14.1, "on every node": a session revoked on one node ends on every other node, because the
// revocation travels over the bus (a real nats-server) to each node's session events, which the
// realtime hub and the session cache listen to (src/app/runtime.ts). The socket end of it, on one
// node, is test/trust/sessions.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus, type Bus } from '../../src/cluster/bus.js';
import { createClusterSessionEvents } from '../../src/messaging/cluster.events.js';
import { createSessionEvents, type SessionRevoked } from '../../src/messaging/session.events.js';
import { startNatsServer, type NatsServer } from '../support/nats.server.js';

let nats: NatsServer;
const buses: Bus[] = [];
beforeAll(async () => {
  nats = await startNatsServer();
  for (const name of ['node-a', 'node-b']) buses.push(await openBus({ url: nats.url, name }));
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await nats?.stop();
});

describe('a session revoked on one node', () => {
  it('is revoked on the other node too, once, and a malformed notice is ignored', async () => {
    const [a, b] = buses.map((bus) => createClusterSessionEvents({ bus, local: createSessionEvents() }));
    if (!a || !b) throw new Error('two nodes expected');
    const seenOnA: SessionRevoked[] = [];
    const seenOnB: SessionRevoked[] = [];
    a.subscribe((e) => seenOnA.push(e));
    const arrived = new Promise<void>((resolve) => b.subscribe((e) => (seenOnB.push(e), resolve())));
    // B's subscription must have reached the server before A publishes (a round trip on B's connection).
    await buses[1]?.flush();
    buses[0]?.publish('domicile.session.revoked', { subjectId: 'hanako', sessionIds: 'not a list', reason: 'x' });
    const revoked: SessionRevoked = { type: 'session-revoked', subjectId: 'hanako', sessionIds: ['s-1', 's-2'], reason: 'this session was signed out' };
    a.publish(revoked);
    await buses[0]?.flush();
    await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no revocation on node B within 2 s')), 2000))]);
    expect(seenOnA).toEqual([revoked]);
    expect(seenOnB).toEqual([revoked]);
    a.close();
    b.close();
  });
});
