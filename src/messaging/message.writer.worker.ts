// The message writer's worker thread (one per SQLite cell file): it owns a second connection to
// the cell's file and runs each batch the main thread posts — sequence numbers, inserts that find
// repeats of stored sends, the sequence and read-position updates — as one transaction (a repeat
// found makes it roll back and run again with a lookup per send: `writeRows`). Rows arrive
// sealed, with their ids, and already checked by the cell's residency guard: this thread knows
// nothing of keys or placement. Self-contained (only `node:` modules and better-sqlite3, erasable
// TypeScript) so Node runs it as it is, from src/ under tsx and vitest or compiled from dist/.
//
// Several batches in flight: a batch commits with `synchronous = NORMAL` (its WAL frames are
// written, so it survives kill -9) and is announced at once (`committed`, with its outcomes); the
// WAL file is then fdatasynced on libuv's thread pool while this thread goes on committing the
// batches posted meanwhile. A `synced` notice covers every batch committed before that sync
// started — as `synchronous = FULL` would, it makes them survive power loss — and only then does
// the main thread acknowledge them. One sync runs at a time; the commits made while it runs share
// the next one. As db/deferred-sync.ts does, the sync goes to the WAL file that is there now (its
// inode checked each time; a new one also gets its directory synced). A checkpoint cannot lose an
// unsynced frame: SQLite syncs the WAL before it copies frames into the database (NORMAL too) and
// starts the WAL over only after a complete checkpoint, and the file is deleted only when the last
// connection closes (this one is open). A failed sync ends this thread: the main thread fails
// every batch not yet synced (not acknowledged; a retry with the same client id finds a stored row).
//
// A failed batch is rolled back; a batch posted `after` a batch that failed (or was skipped) is
// skipped, not written, so nothing the main thread sent later lands before the failed batch's
// retry (message.writer.ts retries it, then the skipped ones, in order, before it posts anew).
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** The stored columns of a message, in the order a posted row gives them (message.repository.ts re-exports it as `messageColumns`). */
export const workerMessageColumns = [
  'id',
  'conversation_id',
  'seq',
  'kind',
  'client_id',
  'text',
  'media_id',
  'media_type',
  'media_size',
  'card',
  'created_at',
  'subject_id',
  'subject_home',
  'category',
  'cell_id',
  'scope_home',
  'scope_class',
] as const;

const conversationAt = workerMessageColumns.indexOf('conversation_id');
const seqAt = workerMessageColumns.indexOf('seq');
const clientAt = workerMessageColumns.indexOf('client_id');
const subjectAt = workerMessageColumns.indexOf('subject_id');

/** One batch: sealed rows (seq left 0: the worker numbers them), all written at `at`. */
export interface WorkerBatch {
  id: number;
  at: string;
  rows: unknown[][];
  /** The batch posted just before this one while it was still in flight: if that one failed or was skipped, this one is skipped. */
  after: number | null;
}

/** Per row: the seq it was stored with, the row stored before under its key, or the earlier row of this batch with its key. */
export type WorkerOutcome = number | { existing: Record<string, unknown> } | { same: number };

/**
 * What the worker posts, in the order things happen: a batch committed (not yet on disk), every
 * batch up to `upTo` synced, a batch failed (rolled back) or skipped (not written).
 */
export type WorkerReply =
  | { id: number; kind: 'committed'; outcomes: WorkerOutcome[]; cpuMicros: number }
  | { kind: 'synced'; upTo: number }
  | { id: number; kind: 'failed'; message: string; code: string | null }
  | { id: number; kind: 'skipped' };

export interface WorkerOptions {
  /** Marks workerData as this worker's: importing the module elsewhere (a test runner's own worker thread) starts nothing. */
  messageWriter: true;
  file: string;
  busyTimeoutMs: number;
  /** db/connect.ts's `walAutoCheckpointPages`: the same on every connection to the file (why: there). */
  walAutoCheckpointPages: number;
}

function open(options: WorkerOptions): Database.Database {
  const db = new Database(options.file);
  // The pragmas of db/connect.ts, but NORMAL: a commit here is acknowledged only after the WAL
  // sync that follows it (invariant 7).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  db.pragma('secure_delete = ON');
  db.pragma(`wal_autocheckpoint = ${Math.floor(options.walAutoCheckpointPages)}`);
  return db;
}

/** A send of this batch already stored under its key: the batch is written again, looking each key up first. */
class StoredKeyFound extends Error {}

function serve(options: WorkerOptions): void {
  const port = parentPort;
  if (!port) throw new Error('message.writer.worker runs as a worker thread');
  const db = open(options);
  const columns = workerMessageColumns.join(', ');
  const placeholders = `(${workerMessageColumns.map(() => '?').join(', ')})`;
  const existing = db.prepare<[unknown, unknown, unknown], Record<string, unknown>>('select * from message where conversation_id = ? and subject_id = ? and client_id = ?');
  // A key already stored is not an error here: the insert skips it, and says so by writing no row
  // (every other constraint still fails the statement).
  const insertNew = db.prepare(`insert into message (${columns}) values ${placeholders} on conflict (conversation_id, subject_id, client_id) do nothing`);
  // Takes `n` seqs of the conversation: the last one taken (null: no such conversation here).
  const takeSeqs = db.prepare<[number, string, unknown], { last_seq: number }>('update conversation set last_seq = last_seq + ?, updated_at = ? where id = ? returning last_seq');
  const advanceRead = db.prepare<[number, unknown, unknown]>('update membership set last_read_seq = ? where conversation_id = ? and subject_id = ?');

  /**
   * The batch's writes: its repeats (an earlier row of the batch with the same key) answered
   * without a write, the other rows numbered per conversation in the order of the batch and
   * inserted, the conversations' seqs and the senders' read positions advanced. `lookUp`: each
   * key is looked up first and a row stored under it is answered (the batch's second try, after
   * the first found one); otherwise a stored key is found by the insert, which
   * then throws StoredKeyFound (the transaction is rolled back) — a retry of a send is rare, a
   * lookup per row is not.
   */
  function writeRows(batch: WorkerBatch, lookUp: boolean): WorkerOutcome[] {
    const outcomes: WorkerOutcome[] = new Array<WorkerOutcome>(batch.rows.length);
    const seen = new Map<string, number>();
    // Per conversation, its new rows' places in the batch, in order.
    const fresh = new Map<unknown, number[]>();
    for (const [i, row] of batch.rows.entries()) {
      const conversation = row[conversationAt];
      const subject = row[subjectAt];
      const client = row[clientAt];
      const key = `${String(conversation)}\u0000${String(subject)}\u0000${String(client)}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        outcomes[i] = { same: earlier };
        continue;
      }
      seen.set(key, i);
      if (lookUp) {
        const stored = existing.get(conversation, subject, client);
        if (stored) {
          outcomes[i] = { existing: stored };
          continue;
        }
      }
      const places = fresh.get(conversation);
      if (places) places.push(i);
      else fresh.set(conversation, [i]);
    }
    const reads = new Map<string, { conversation: unknown; subject: unknown; seq: number }>();
    const rows: unknown[][] = [];
    for (const [conversation, places] of fresh) {
      const taken = takeSeqs.get(places.length, batch.at, conversation);
      if (!taken) throw new Error(`no conversation ${String(conversation)} in this cell`);
      let seq = Number(taken.last_seq) - places.length;
      for (const i of places) {
        const row = batch.rows[i] as unknown[];
        seq += 1;
        row[seqAt] = seq;
        outcomes[i] = seq;
        rows.push(row);
        reads.set(`${String(conversation)}\u0000${String(row[subjectAt])}`, { conversation, subject: row[subjectAt], seq });
      }
    }
    // After the lookups (the second try) no stored key is left, and the write lock is held.
    for (const row of rows) if (insertNew.run(row).changes !== 1) throw new StoredKeyFound();
    for (const r of reads.values()) advanceRead.run(r.seq, r.conversation, r.subject);
    return outcomes;
  }
  const write = db.transaction(writeRows);
  // `begin immediate`: take the write lock first, so a writer on another connection makes this one wait (busy timeout).
  const writeImmediate = (batch: WorkerBatch): WorkerOutcome[] => {
    try {
      return write.immediate(batch, false);
    } catch (err) {
      if (!(err instanceof StoredKeyFound)) throw err;
      return write.immediate(batch, true);
    }
  };

  const sync = walSyncer(`${options.file}-wal`, (upTo) => port.postMessage({ kind: 'synced', upTo } satisfies WorkerReply));
  // The last batch that failed or was skipped: a batch posted after it is skipped too.
  let broken: number | null = null;
  port.on('message', (batch: WorkerBatch) => {
    if (batch.after !== null && batch.after === broken) {
      broken = batch.id;
      port.postMessage({ id: batch.id, kind: 'skipped' } satisfies WorkerReply);
      return;
    }
    const started = process.threadCpuUsage();
    let reply: WorkerReply;
    try {
      const outcomes = writeImmediate(batch);
      const used = process.threadCpuUsage(started);
      reply = { id: batch.id, kind: 'committed', outcomes, cpuMicros: used.user + used.system };
    } catch (err) {
      broken = batch.id;
      const code = (err as { code?: unknown }).code;
      reply = { id: batch.id, kind: 'failed', message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : null };
    }
    port.postMessage(reply);
    if (reply.kind === 'committed') sync.committed(batch.id);
  });
  port.on('close', () => db.close());
}

/**
 * fdatasyncs the WAL file off this thread, one sync at a time; `done(upTo)` once every batch
 * committed before the sync started (up to batch `upTo`) is on disk. A failed sync throws on this
 * thread, which ends it.
 */
function walSyncer(walPath: string, done: (upTo: number) => void): { committed(id: number): void } {
  let wal: { fd: number; ino: number } | null = null;
  let running = false;
  // The last batch committed and not yet covered by a sync that has started.
  let waiting: number | null = null;
  function start(): void {
    if (running || waiting === null) return;
    const upTo = waiting;
    waiting = null;
    running = true;
    // SQLite keeps its WAL file while a connection is open; should it have been made anew, the
    // new one is the one to sync, and its directory entry too (as SQLite does for a new WAL).
    const ino = fs.statSync(walPath).ino;
    if (wal?.ino !== ino) {
      if (wal) fs.closeSync(wal.fd);
      wal = { fd: fs.openSync(walPath, 'r'), ino };
      const dir = fs.openSync(path.dirname(walPath), 'r');
      try {
        fs.fsyncSync(dir);
      } finally {
        fs.closeSync(dir);
      }
    }
    fs.fdatasync(wal.fd, (err) => {
      running = false;
      if (err) throw new Error(`the WAL sync failed: ${err.message}`, { cause: err });
      done(upTo);
      start();
    });
  }
  return {
    committed(id) {
      waiting = id;
      start();
    },
  };
}

if (parentPort && (workerData as Partial<WorkerOptions> | null)?.messageWriter === true) serve(workerData as WorkerOptions);
