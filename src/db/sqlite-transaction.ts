// Synchronous write transactions on a SQLite database's own better-sqlite3 handle, for a hot path
// whose statements are prepared once and then only run (the message writer's batch): no query
// building and no promise per statement. Kysely's connection is held for the whole transaction,
// so no Kysely query interleaves with it. Statements run here pass no Kysely plugin: their caller
// asks the residency guard itself (`cell.guard`: cells/residency.plugin.ts). Also the one
// "relaxed commit" of a SQLite connection (`withRelaxedSync`), used here and by db/deferred-sync.ts.
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sqliteHandleOf } from './connect.js';

export interface SqliteTransactions {
  /** The database's handle: prepare the statements `run`'s work uses on it, once. */
  readonly handle: Database.Database;
  /**
   * Runs `work` in one `begin immediate` transaction (rolled back if it throws). `relaxed` commits
   * through `withRelaxedSync`; every other commit stays FULL.
   */
  run<T>(work: () => T, options?: { relaxed?: boolean }): Promise<T>;
}

/**
 * Runs `work` with the handle's commits at `synchronous = NORMAL` — written to the WAL, so they
 * survive kill -9, but on disk only once the caller has synced the WAL (db/deferred-sync.ts) —
 * and puts FULL back after, also when `work` fails, so every other commit stays FULL. The caller
 * holds the database's one connection meanwhile, so no other commit runs relaxed.
 */
export async function withRelaxedSync<T>(handle: Database.Database, work: () => T | Promise<T>): Promise<T> {
  // Not prepared once: SQLite applies this pragma when it compiles it, so a prepared statement's
  // first run sets nothing (the raw batch's first relaxed commit on each handle ran FULL that way).
  handle.pragma('synchronous = NORMAL');
  try {
    return await work();
  } finally {
    handle.pragma('synchronous = FULL');
  }
}

/** Raw transactions on a SQLite database opened by `openDatabase`; null for PostgreSQL. */
export function sqliteTransactionsOf<DB>(db: Kysely<DB>): SqliteTransactions | null {
  const handle = sqliteHandleOf(db);
  if (!handle) return null;
  const begin = handle.prepare('begin immediate');
  const commit = handle.prepare('commit');
  const rollback = handle.prepare('rollback');
  const transaction = <T>(work: () => T): T => {
    begin.run();
    try {
      const result = work();
      commit.run();
      return result;
    } catch (err) {
      if (handle.inTransaction) rollback.run();
      throw err;
    }
  };
  return {
    handle,
    run(work, options = {}) {
      // Holding Kysely's connection makes every Kysely query of this database wait until we are done.
      return db.connection().execute(async () => (options.relaxed ? withRelaxedSync(handle, () => transaction(work)) : transaction(work)));
    },
  };
}
