// Group commit: writes queued in the same turn of the event loop share one transaction, so one
// fsync acknowledges many of them. A batch that fails is retried one write at a time, so a bad
// write fails alone and the others still commit.
import type { Kysely, Transaction } from 'kysely';

type Work<DB, T> = (trx: Transaction<DB>) => Promise<T>;

interface Pending<DB> {
  work: Work<DB, unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitter<DB> {
  /** Runs `work` inside a shared transaction; resolves only after that transaction committed. */
  run<T>(work: Work<DB, T>): Promise<T>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

export function createGroupCommitter<DB>(db: Kysely<DB>, maxBatch = 2000): GroupCommitter<DB> {
  let queue: Pending<DB>[] = [];
  let flushing = false;
  let idleWaiters: (() => void)[] = [];

  async function commitBatch(batch: Pending<DB>[]): Promise<void> {
    const results: unknown[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of batch) results.push(await item.work(trx));
      });
    } catch (err) {
      if (batch.length === 1) {
        (batch[0] as Pending<DB>).reject(err);
        return;
      }
      for (const item of batch) await commitAlone(item);
      return;
    }
    batch.forEach((item, i) => item.resolve(results[i]));
  }

  async function commitAlone(item: Pending<DB>): Promise<void> {
    try {
      item.resolve(await db.transaction().execute((trx) => item.work(trx)));
    } catch (err) {
      item.reject(err);
    }
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await commitBatch(batch);
      }
    } finally {
      flushing = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  return {
    run<T>(work: Work<DB, T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!flushing && queue.length === 1) setImmediate(() => void flush());
      });
    },
    drain() {
      if (!flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
