// Synchronous write transactions on a SQLite database's own better-sqlite3 handle, for a hot path
// whose statements are prepared once and then only run (the message writer's batch): no query
// building and no promise per statement. Kysely's connection is held for the whole transaction,
// so no Kysely query interleaves with it. Statements run here pass no Kysely plugin: their caller
// asks the residency guard itself (`cell.guard`: cells/residency.plugin.ts).
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sqliteHandleOf } from './connect.js';

export interface SqliteTransactions {
  /** The database's handle: prepare the statements `run`'s work uses on it, once. */
  readonly handle: Database.Database;
  /**
   * Runs `work` in one `begin immediate` transaction (rolled back if it throws). `relaxed` commits
   * at `synchronous = NORMAL` — written, so it survives kill -9, but on disk only once the caller
   * has synced the WAL (db/deferred-sync.ts); every other commit stays FULL.
   */
  run<T>(work: () => T, options?: { relaxed?: boolean }): Promise<T>;
}

/** Raw transactions on a SQLite database opened by `openDatabase`; null for PostgreSQL. */
export function sqliteTransactionsOf<DB>(db: Kysely<DB>): SqliteTransactions | null {
  const handle = sqliteHandleOf(db);
  if (!handle) return null;
  const begin = handle.prepare('begin immediate');
  const commit = handle.prepare('commit');
  const rollback = handle.prepare('rollback');
  const relax = handle.prepare('pragma synchronous = NORMAL');
  const restore = handle.prepare('pragma synchronous = FULL');
  return {
    handle,
    run(work, options = {}) {
      // Holding Kysely's connection makes every Kysely query of this database wait until we are done.
      return db.connection().execute(async () => {
        if (options.relaxed) relax.run();
        try {
          begin.run();
          try {
            const result = work();
            commit.run();
            return result;
          } catch (err) {
            if (handle.inTransaction) rollback.run();
            throw err;
          }
        } finally {
          if (options.relaxed) restore.run();
        }
      });
    },
  };
}
