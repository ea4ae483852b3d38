// The message writer's worker thread (one per SQLite cell file): it owns a second connection to
// the cell's file and runs each batch the main thread posts — duplicate lookups, sequence numbers,
// inserts, the sequence and read-position updates — as one durable transaction, so the commit's
// fsync (synchronous = FULL) blocks this thread, not the sockets. Rows arrive sealed, with their
// ids, and already checked by the cell's residency guard: this thread knows nothing of keys or
// placement. Self-contained (only `node:` modules and better-sqlite3, erasable TypeScript) so
// Node runs it as it is, from src/ under tsx and vitest or compiled from dist/.
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
}

/** Per row: the seq it was stored with, the row stored before under its key, or the earlier row of this batch with its key. */
export type WorkerOutcome = number | { existing: Record<string, unknown> } | { same: number };

export type WorkerReply =
  | { id: number; ok: true; outcomes: WorkerOutcome[]; cpuMicros: number }
  | { id: number; ok: false; message: string; code: string | null };

export interface WorkerOptions {
  /** Marks workerData as this worker's: importing the module elsewhere (a test runner's own worker thread) starts nothing. */
  messageWriter: true;
  file: string;
  busyTimeoutMs: number;
}

function open(options: WorkerOptions): Database.Database {
  const db = new Database(options.file);
  // The pragmas of db/connect.ts: every commit here is acknowledged, so FULL (invariant 7).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  db.pragma('secure_delete = ON');
  return db;
}

function serve(options: WorkerOptions): void {
  const port = parentPort;
  if (!port) throw new Error('message.writer.worker runs as a worker thread');
  const db = open(options);
  const existing = db.prepare<[unknown, unknown, unknown], Record<string, unknown>>('select * from message where conversation_id = ? and subject_id = ? and client_id = ?');
  const lastSeq = db.prepare<[unknown], { last_seq: number }>('select last_seq from conversation where id = ?');
  const insert = db.prepare(`insert into message (${workerMessageColumns.join(', ')}) values (${workerMessageColumns.map(() => '?').join(', ')})`);
  const advanceSeq = db.prepare<[number, string, unknown, number]>('update conversation set last_seq = ?, updated_at = ? where id = ? and last_seq = ?');
  const advanceRead = db.prepare<[number, unknown, unknown]>('update membership set last_read_seq = ? where conversation_id = ? and subject_id = ?');

  const write = db.transaction((batch: WorkerBatch): WorkerOutcome[] => {
    const outcomes: WorkerOutcome[] = [];
    const seen = new Map<string, number>();
    const seqs = new Map<unknown, { from: number; to: number }>();
    const reads = new Map<string, { conversation: unknown; subject: unknown; seq: number }>();
    for (const [i, row] of batch.rows.entries()) {
      const conversation = row[conversationAt];
      const subject = row[subjectAt];
      const client = row[clientAt];
      const key = `${String(conversation)}\u0000${String(subject)}\u0000${String(client)}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        outcomes.push({ same: earlier });
        continue;
      }
      seen.set(key, i);
      const stored = existing.get(conversation, subject, client);
      if (stored) {
        outcomes.push({ existing: stored });
        continue;
      }
      let range = seqs.get(conversation);
      if (!range) {
        const found = lastSeq.get(conversation);
        if (!found) throw new Error(`no conversation ${String(conversation)} in this cell`);
        range = { from: Number(found.last_seq), to: Number(found.last_seq) };
        seqs.set(conversation, range);
      }
      range.to += 1;
      row[seqAt] = range.to;
      insert.run(row);
      reads.set(`${String(conversation)}\u0000${String(subject)}`, { conversation, subject, seq: range.to });
      outcomes.push(range.to);
    }
    for (const [conversation, { from, to }] of seqs) {
      if (advanceSeq.run(to, batch.at, conversation, from).changes !== 1) throw new Error(`conversation ${String(conversation)} moved past seq ${from} during the batch`);
    }
    for (const r of reads.values()) advanceRead.run(r.seq, r.conversation, r.subject);
    return outcomes;
  });
  // `begin immediate`: take the write lock first, so a writer on another connection makes this one wait (busy timeout).
  const writeImmediate = write.immediate;

  port.on('message', (batch: WorkerBatch) => {
    const started = process.threadCpuUsage();
    let reply: WorkerReply;
    try {
      const outcomes = writeImmediate(batch);
      const used = process.threadCpuUsage(started);
      reply = { id: batch.id, ok: true, outcomes, cpuMicros: used.user + used.system };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      reply = { id: batch.id, ok: false, message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : null };
    }
    port.postMessage(reply);
  });
  port.on('close', () => db.close());
}

if (parentPort && (workerData as Partial<WorkerOptions> | null)?.messageWriter === true) serve(workerData as WorkerOptions);
