// Durable commits whose fsync runs off the event loop (SQLite cells). better-sqlite3 commits on
// the main thread, and with `synchronous = FULL` each commit waits there for the disk: every
// socket of the process stalls for the fsync (0.4 ms on a quiet disk, several ms on a busy one).
// Here a batch commits with `synchronous = NORMAL` — its WAL frames are written, so it already
// survives kill -9 — and `synced()` then fdatasyncs the WAL file on libuv's thread pool, so it
// also survives power loss, exactly as FULL would. Callers acknowledge only after `synced()`.
// One sync covers every commit made before it started: syncs requested while one runs share the
// next one, and the main thread writes the next batch meanwhile.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { sqliteFileOf, sqliteHandleOf } from './connect.js';
import { withRelaxedSync } from './sqlite-transaction.js';

export interface DeferredSync<DB> {
  /** Runs `work` in one transaction; its commit is written, but on disk only once `synced()` resolves. */
  commit<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** Resolves once every commit made before this call is on disk. */
  synced(): Promise<void>;
}

/** Deferred syncs for a SQLite file database; null for PostgreSQL (its driver does not block). */
export function deferredSyncOf<DB>(db: Kysely<DB>): DeferredSync<DB> | null {
  const file = sqliteFileOf(db);
  const handle = sqliteHandleOf(db);
  if (file === null || handle === null) return null;
  if (file === ':memory:') return { commit: (work) => db.transaction().execute(work), synced: () => Promise.resolve() };
  const walPath = `${file}-wal`;
  let wal: { handle: fs.FileHandle; ino: number } | null = null;

  async function syncWal(): Promise<void> {
    // SQLite keeps its WAL file while a connection is open; should it have been made anew, the
    // new one is the one to sync.
    const ino = (await fs.stat(walPath)).ino;
    if (wal?.ino !== ino) {
      await wal?.handle.close();
      wal = { handle: await fs.open(walPath, 'r'), ino };
      // As SQLite does for a new WAL file: its directory entry is made durable too.
      const dir = await fs.open(path.dirname(walPath), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    await wal.handle.datasync();
  }

  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  function start(): Promise<void> {
    const running: Promise<void> = syncWal().finally(() => {
      if (inFlight === running) inFlight = null;
    });
    inFlight = running;
    return running;
  }

  return {
    commit(work) {
      // The connection is held for the whole transaction, so no other commit runs with NORMAL.
      return db.connection().execute((conn) => withRelaxedSync(handle, () => conn.transaction().execute(work)));
    },
    synced() {
      if (!inFlight) return start();
      // The sync running now may have started before this commit: wait for the next one.
      queued ??= inFlight
        .catch(() => undefined)
        .then(() => {
          queued = null;
          return start();
        });
      return queued;
    },
  };
}
