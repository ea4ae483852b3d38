// A lease for work that one app node must do alone when several share a PostgreSQL database
// (writing the governance journal into the access logs): a session-level advisory lock held on a
// dedicated connection. The holder keeps it while its connection lives; when the holder dies
// (kill -9, lost network) PostgreSQL ends its session and the lock is free, and another node's
// next attempt (every `retryMs`) takes it. On SQLite, one process owns the file: the lease is
// always held.
import type pg from 'pg';
import { dialectOf, loadPg } from './connect.js';

export interface Lease {
  /** True while this process holds the lease. */
  held(): boolean;
  close(): Promise<void>;
}

export function alwaysHeld(): Lease {
  return { held: () => true, close: async () => undefined };
}

export async function openLease(props: { url: string; name: string; retryMs?: number }): Promise<Lease> {
  if (dialectOf(props.url) === 'sqlite') return alwaysHeld();
  const retryMs = props.retryMs ?? 1000;
  let client: pg.Client | null = null;
  let holding = false;
  let closed = false;

  async function attempt(): Promise<void> {
    if (closed || holding) return;
    try {
      if (!client) {
        const fresh = new (loadPg().Client)({ connectionString: props.url });
        // A lost connection is a lost lease: the server has released the lock with the session.
        fresh.on('error', () => undefined);
        fresh.on('end', () => {
          if (client === fresh) {
            client = null;
            holding = false;
          }
        });
        await fresh.connect();
        client = fresh;
      }
      const res = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [props.name]);
      holding = res.rows[0]?.ok === true;
    } catch {
      holding = false;
      const broken = client;
      client = null;
      await broken?.end().catch(() => undefined);
    }
  }

  await attempt();
  const timer = setInterval(() => void attempt(), retryMs);
  timer.unref();
  return {
    held: () => holding && !closed,
    async close() {
      closed = true;
      clearInterval(timer);
      holding = false;
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
