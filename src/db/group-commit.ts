// Group commit: writes queued in the same turn of the event loop share one transaction, so one
// fsync acknowledges many of them. A batch that fails is retried one write at a time, so a bad
// write fails alone and the others still commit. A write aborted by a transient conflict of
// PostgreSQL (a deadlock with the migration engine's triggers) is run again (transient.ts).
import type { Kysely, Transaction } from 'kysely';
import { createBatchQueue, type Pending as Queued } from './batch-queue.js';
import { isTransientConflict, retryTransient } from './transient.js';

type Work<DB, T> = (trx: Transaction<DB>) => Promise<T>;

type Pending<DB> = Queued<Work<DB, unknown>, unknown>;

export interface GroupCommitter<DB> {
  /** Runs `work` inside a shared transaction; resolves only after that transaction committed. */
  run<T>(work: Work<DB, T>): Promise<T>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

export function createGroupCommitter<DB>(db: Kysely<DB>, maxBatch = 2000): GroupCommitter<DB> {
  async function commitBatch(batch: Pending<DB>[]): Promise<void> {
    const results: unknown[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of batch) results.push(await item.input(trx));
      });
    } catch (err) {
      if (batch.length === 1 && !isTransientConflict(err)) {
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
      item.resolve(await retryTransient(() => db.transaction().execute((trx) => item.input(trx))));
    } catch (err) {
      item.reject(err);
    }
  }

  const queue = createBatchQueue<Work<DB, unknown>, unknown>(maxBatch, commitBatch);

  return {
    run<T>(work: Work<DB, T>): Promise<T> {
      return queue.push(work) as Promise<T>;
    },
    drain: () => queue.drain(),
  };
}
