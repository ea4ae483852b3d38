// The bus between app nodes that share the same cells: a NATS connection carrying small JSON
// notices of committed changes (ids and sequence numbers, never personal data). Each notice names
// the node that published it; a node ignores its own, since it already acted on the change.
// Core NATS delivers at most once and in order per publisher: a notice lost in a reconnect is
// recovered by the receivers (they read the cell, which stays the source of truth).
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from 'nats';

export type BusNotice = Record<string, unknown>;

export interface Bus {
  /** This node's id (random per process). */
  readonly nodeId: string;
  publish(subject: string, notice: BusNotice): void;
  /** Notices from other nodes on `subject` (NATS wildcards allowed); returns the unsubscribe function. */
  subscribe(subject: string, listener: (notice: BusNotice, subject: string) => void): () => void;
  /** Resolves once every notice published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A subject token from an id: NATS tokens may not hold `.`, `*`, `>` or white space. */
export function subjectToken(id: string): string {
  return id.replace(/[.*>\s]/g, '_');
}

export async function openBus(props: { url: string; name?: string }): Promise<Bus> {
  // Loaded here, not at the top: a process without a bus (the embedded default) does not load the client.
  const { connect, JSONCodec } = await import('nats');
  const nodeId = randomUUID();
  const url = new URL(props.url);
  const nc: NatsConnection = await connect({
    servers: `${url.hostname}:${url.port || '4222'}`,
    name: props.name ?? `domicile-${nodeId}`,
    // A node keeps trying for ever: losing the bus must not stop local service.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // A node's own notices are not sent back to it (it would decode each only to drop it).
    noEcho: true,
  });
  const codec = JSONCodec<BusNotice & { node: string }>();
  const subscriptions = new Set<Subscription>();
  return {
    nodeId,
    publish(subject, notice) {
      if (nc.isClosed()) return;
      nc.publish(subject, codec.encode({ ...notice, node: nodeId }));
    },
    subscribe(subject, listener) {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          let notice: BusNotice & { node: string };
          try {
            notice = codec.decode(msg.data);
          } catch {
            return;
          }
          if (notice.node === nodeId) return;
          listener(notice, msg.subject);
        },
      });
      subscriptions.add(sub);
      return () => {
        subscriptions.delete(sub);
        sub.unsubscribe();
      };
    },
    flush: () => nc.flush(),
    async close() {
      if (nc.isClosed()) return;
      await nc.drain().catch(() => undefined);
    },
  };
}
