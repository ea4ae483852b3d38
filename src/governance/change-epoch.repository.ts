// The one poll an idle serving process makes of the directory: the change epoch (migration 0024),
// one row whose counters every write other processes must notice moves in its own transaction.
// Each cache that used to poll its own tables (the cut-off and journal, grant expiries, the
// placement and migration jobs) subscribes to its topic here and reloads only when it moved.
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../cells/cell.database.js';

export type ChangeTopic = 'governance' | 'placement';

interface ChangeEpochTable {
  id: number;
  governance: number | string | bigint;
  placement: number | string | bigint;
}

declare module '../cells/cell.database.js' {
  interface DirectoryDatabase {
    change_epoch: ChangeEpochTable;
  }
}

/** How often a serving process reads the epoch: the bound within which it sees a change made elsewhere. */
export const changeEpochPollMs = 250;

export interface ChangeEpochWatch {
  /** Calls `listener` each time the topic's counter moved; returns the unsubscribe. */
  onChange(topic: ChangeTopic, listener: () => void): () => void;
  close(): void;
}

async function readEpoch(db: Kysely<DirectoryDatabase>): Promise<Record<ChangeTopic, string>> {
  const row = await db.selectFrom('change_epoch').select(['governance', 'placement']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { governance: String(row.governance), placement: String(row.placement) };
}

/**
 * Reads the epoch once before it returns, so a change committed after that is reported even if
 * it lands before the subscribers' own first load; a failed read is retried at the next interval.
 */
export async function watchChangeEpoch(props: { db: Kysely<DirectoryDatabase>; pollMs?: number }): Promise<ChangeEpochWatch> {
  let seen = await readEpoch(props.db);
  const listeners: Record<ChangeTopic, Set<() => void>> = { governance: new Set(), placement: new Set() };
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    readEpoch(props.db)
      .then((now) => {
        const moved = (['governance', 'placement'] as const).filter((t) => now[t] !== seen[t]);
        seen = now;
        for (const topic of moved) for (const listener of listeners[topic]) listener();
      })
      .catch(() => undefined)
      .finally(() => (reading = false));
  }, props.pollMs ?? changeEpochPollMs);
  timer.unref();
  return {
    onChange(topic, listener) {
      listeners[topic].add(listener);
      return () => listeners[topic].delete(listener);
    },
    close: () => clearInterval(timer),
  };
}

/**
 * A poll its subscribers run one at a time: a call during a run shares it, except that a change
 * announced during a run (which may have read before the change) makes one more run after it.
 */
export function oneAtATime(work: () => Promise<void>): (announced?: boolean) => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (announced = false): Promise<void> => {
    if (running) {
      again ||= announced;
      return running;
    }
    running = work().finally(() => {
      running = null;
      if (again) {
        again = false;
        void run().catch(() => undefined);
      }
    });
    return running;
  };
  return run;
}
