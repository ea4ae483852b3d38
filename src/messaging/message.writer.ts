// The message write path: sends queued in the same turn of the event loop are written as one
// batch in one durable transaction. On a SQLite file cell the batch runs in a worker thread of its
// own (message.writer.thread.ts, message.writer.worker.ts) with its own connection, so the
// commit's fsync blocks that thread and not the sockets: this thread gives each new row its id,
// seals it (the id is the AAD; data keys never leave this thread) and asks the residency guard
// (every row's placement, a migration's update fence) before it posts the batch; the worker looks
// for duplicates, numbers the rows from the conversation's stored last_seq and commits FULL before
// it answers. The batch counts as a write in flight under the placement version it was checked
// under (`trackWrite`) until it has committed, so a migration's switch waits for it (`settle`).
// Without a worker (an in-memory SQLite cell, or `storage.deferSync`) the batch runs synchronously
// on the raw handle — statements prepared once, each asking the guard; on PostgreSQL through
// Kysely — one duplicate check, one multi-row insert, one sequence update and one read-position
// update (each by chunks), checked by the guard when they run. Those two paths plan the batch alike
// (`planBatch`) from a per-conversation seq cache checked against the database on every update, so
// a stale cache fails the batch instead of forking a sequence. A failed batch (any path) is retried
// one message at a time through appendMessage (Kysely), so a bad message fails alone.
// With `storage.deferSync` (SQLite), the commit's fsync runs off the event loop
// (db/deferred-sync.ts): the next batch is written while the previous one is being synced, and a
// batch's writes settle, in order, only once it is on disk. Off by default: the worker thread
// does the same job better (bench/RESULTS.md).
import type { Kysely, Transaction } from 'kysely';
import type { Cell } from '../cells/cell.registry.js';
import { createBatchQueue, type Pending as Queued } from '../db/batch-queue.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import {
  appendMessage,
  buildMessageRow,
  createMessageBatchStatements,
  messageColumnAt,
  messageKeyOf,
  openMessageRows,
  sealMessageRow,
  sealedMessageValues,
  sqliteMessageBatchOf,
  type AppendMessage,
  type ReadAdvance,
  type SeqAdvance,
  type SqliteMessageBatch,
} from './message.repository.js';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';
import { deferredSyncOf } from '../db/deferred-sync.js';
import { sqliteFileOf } from '../db/connect.js';
import { trackWrite } from '../cells/moving.context.js';
import { startWriterThread, WriterThreadDied, type WriterThread } from './message.writer.thread.js';

type Pending = Queued<AppendMessage, { row: MessageRow; created: boolean }>;

export interface MessageWriter {
  write(input: AppendMessage): Promise<{ row: MessageRow; created: boolean }>;
  /**
   * The highest seq of the conversation that readers may be shown: rows above it are committed
   * but not yet on disk (nor acknowledged); null when no such row is pending.
   */
  readableUpTo(conversationId: string): number | null;
  drain(): Promise<void>;
  /** Batches posted to the worker thread and not yet committed (0 without a worker). */
  inFlight(): number;
  /** The worker's numbers (null without one): workers started, CPU it spent in batches. */
  threadStats(): { started: number; cpuMicros: number } | null;
  /** Drains, then ends the worker thread. */
  close(): Promise<void>;
}

/** A send's outcome inside the writer: `sealed: false` marks a row already in the clear (a repeat of a send of the same batch). */
type Written = { row: MessageRow; created: boolean; sealed?: boolean };

const insertChunk = 200;
const lookupChunk = 256;
const updateChunk = 128;

/** `items` in consecutive slices of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class StaleSequence extends Error {}

/** One message's idempotency key as a map key. */
function keyOf(input: AppendMessage): string {
  return `${input.conversation.id}\u0000${input.senderId}\u0000${input.clientId}`;
}

function rowKeyOf(row: MessageRow): string {
  return `${row.conversation_id}\u0000${row.subject_id}\u0000${row.client_id}`;
}

/** What a batch writes: each send's outcome, the new rows, each conversation's seq advance and each sender's read advance. */
interface BatchPlan {
  results: { row: MessageRow; created: boolean }[];
  fresh: MessageRow[];
  advances: SeqAdvance[];
  reads: ReadAdvance[];
}

export interface MessageWriterOptions {
  maxBatch?: number;
  deferSync?: boolean;
  /** SQLite file cells: write batches in a worker thread (default true; off with `deferSync`). */
  thread?: boolean;
  /** The worker file (tests give one that fails on demand). */
  workerUrl?: URL;
  /** The cell registry whose placement version a batch is tracked under while in flight (a migration's settle waits for it). */
  cells?: { readonly placement: { readonly version: number } };
}

/** How long the worker's connection waits for the write lock, as db/connect.ts's. */
const busyTimeoutMs = 5000;

export function createMessageWriter(cell: Cell, options: MessageWriterOptions): MessageWriter {
  const db: Kysely<CellDatabase> = cell.db;
  const lastSeq = new Map<string, number>();
  const file = sqliteFileOf(db);
  const thread: WriterThread | null =
    file !== null && file !== ':memory:' && !options.deferSync && options.thread !== false ? startWriterThread({ file, busyTimeoutMs, ...(options.workerUrl ? { url: options.workerUrl } : {}) }) : null;
  const sqlite = thread ? null : sqliteMessageBatchOf(cell);
  const statements = createMessageBatchStatements(db);
  const deferred = options.deferSync ? deferredSyncOf(db) : null;
  const commit: <T>(work: (trx: Transaction<CellDatabase>) => Promise<T>) => Promise<T> = deferred
    ? (work) => deferred.commit(work)
    : (work) => db.transaction().execute(work);
  /** On disk: everything committed before the call (at once where commits are synced in place). */
  const durable = (): Promise<void> => (deferred ? deferred.synced() : Promise.resolve());
  // Batches settle in the order they were written, each once durable.
  let settling: Promise<void> = Promise.resolve();
  let lastSync: Promise<void> = Promise.resolve();
  // Per conversation with rows committed but not settled: the lowest such seq, and the highest.
  const unsettledFrom = new Map<string, number>();
  const committedUpTo = new Map<string, number>();

  /** The senders' message keys, taken before the transaction (making a key writes to the cell). */
  async function keysOf(batch: Pending[]): Promise<Map<string, DataKeyHandle>> {
    const senders = [...new Set(batch.map((p) => p.input.senderId))];
    const handles = await Promise.all(senders.map((id) => messageKeyOf(cell, id)));
    return new Map(senders.map((id, i) => [id, handles[i] as DataKeyHandle]));
  }

  /** Rows that were there already come back sealed; the caller gets them opened (new ones, the most, without a wait). */
  function opened(result: Written): { row: MessageRow; created: boolean } | Promise<{ row: MessageRow; created: boolean }> {
    if (result.created || result.sealed === false) return { row: result.row, created: result.created };
    return openMessageRows(cell, [result.row]).then(([row]) => ({ row: row as MessageRow, created: false }));
  }

  /** The writes of a batch, given the rows already stored under its keys; advances the seq cache. */
  function planBatch(batch: Pending[], existing: Map<string, MessageRow>, at: string): BatchPlan {
    const results: { row: MessageRow; created: boolean }[] = [];
    const fresh: MessageRow[] = [];
    const reads = new Map<string, ReadAdvance>();
    const startSeq = new Map<string, number>();
    for (const { input } of batch) {
      const key = keyOf(input);
      const found = existing.get(key);
      if (found) {
        results.push({ row: found, created: false });
        continue;
      }
      const from = lastSeq.get(input.conversation.id) as number;
      if (!startSeq.has(input.conversation.id)) startSeq.set(input.conversation.id, from);
      lastSeq.set(input.conversation.id, from + 1);
      const row = buildMessageRow(input, from + 1, at);
      existing.set(key, row);
      fresh.push(row);
      results.push({ row, created: true });
      reads.set(`${input.conversation.id}\u0000${input.senderId}`, { conversationId: input.conversation.id, senderId: input.senderId, seq: from + 1 });
    }
    const advances = [...startSeq].map(([id, from]) => ({ conversationId: id, from, to: lastSeq.get(id) as number }));
    return { results, fresh, advances, reads: [...reads.values()] };
  }

  /** SQLite: one synchronous transaction of prepared statements on the raw handle. */
  function writeBatchSqlite(sqlite: SqliteMessageBatch, batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> {
    return sqlite.transaction(() => {
      const existing = new Map<string, MessageRow>();
      for (const { input } of batch) {
        const row = sqlite.existing({ conversationId: input.conversation.id, senderId: input.senderId, clientId: input.clientId });
        if (row) existing.set(keyOf(input), row);
        if (!lastSeq.has(input.conversation.id)) lastSeq.set(input.conversation.id, sqlite.lastSeq(input.conversation.id));
      }
      const at = new Date().toISOString();
      const plan = planBatch(batch, existing, at);
      for (const row of plan.fresh) sqlite.insert(sealMessageRow(senderKeys.get(row.subject_id) as DataKeyHandle, row));
      for (const advance of plan.advances) {
        if (!sqlite.advanceSeq(advance, at)) throw new StaleSequence(advance.conversationId);
      }
      for (const read of plan.reads) sqlite.advanceRead(read);
      return plan.results;
    }, deferred !== null);
  }

  /** PostgreSQL: the batch's statements through Kysely, each built once per size class. */
  function writeBatchKysely(batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> {
    return commit(async (trx) => {
      const existing = new Map<string, MessageRow>();
      const keys = [...new Map(batch.map(({ input }) => [keyOf(input), { conversationId: input.conversation.id, senderId: input.senderId, clientId: input.clientId }])).values()];
      for (const chunk of chunks(keys, lookupChunk)) {
        const { rows } = await trx.executeQuery(statements.existing(chunk));
        for (const row of rows) existing.set(rowKeyOf(row), row);
      }
      for (const id of new Set(batch.map((p) => p.input.conversation.id))) {
        if (lastSeq.has(id)) continue;
        const row = await trx.selectFrom('conversation').select('last_seq').where('id', '=', id).executeTakeFirstOrThrow();
        lastSeq.set(id, Number(row.last_seq));
      }
      const at = new Date().toISOString();
      const plan = planBatch(batch, existing, at);
      // The insert is built per batch: the residency guard checks every row's placement.
      for (const rows of chunks(plan.fresh, insertChunk)) {
        await trx
          .insertInto('message')
          .values(rows.map((row) => sealMessageRow(senderKeys.get(row.subject_id) as DataKeyHandle, row)))
          .execute();
      }
      for (const chunk of chunks(plan.advances, updateChunk)) {
        const updated = await trx.executeQuery(statements.advanceSeqs(chunk, at));
        if (Number(updated.numAffectedRows) !== chunk.length) throw new StaleSequence(chunk.map((a) => a.conversationId).join(','));
      }
      for (const chunk of chunks(plan.reads, updateChunk)) await trx.executeQuery(statements.advanceReads(chunk));
      return plan.results;
    });
  }

  /**
   * SQLite file: the batch sealed and checked here, written by the worker thread. The guard's
   * update fence is asked for both tables the batch may update (the worker knows no placement).
   */
  async function writeBatchThread(thread: WriterThread, batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<Written[]> {
    const at = new Date().toISOString();
    const plain = batch.map(({ input }) => buildMessageRow(input, 0, at));
    const rows = plain.map((row) => {
      const values = sealedMessageValues(senderKeys.get(row.subject_id) as DataKeyHandle, row);
      cell.guard.checkRow('message', (column) => values[messageColumnAt.get(column) ?? -1]);
      return values;
    });
    cell.guard.checkUpdate('conversation');
    cell.guard.checkUpdate('membership');
    const outcomes = await thread.write({ at, rows });
    const results: Written[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (typeof outcome === 'number') results.push({ row: { ...(plain[i] as MessageRow), seq: outcome }, created: true });
      else if ('same' in outcome) {
        // A repeat of an earlier send of this batch: its row, in the clear if that one was new, sealed if it was stored before.
        const first = results[outcome.same] as Written;
        results.push({ row: first.row, created: false, ...(first.created || first.sealed === false ? { sealed: false } : {}) });
      }
      else results.push({ row: outcome.existing as unknown as MessageRow, created: false });
    }
    return results;
  }

  const writeBatch = (batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<Written[]> =>
    thread ? writeBatchThread(thread, batch, senderKeys) : sqlite ? writeBatchSqlite(sqlite, batch, senderKeys) : writeBatchKysely(batch, senderKeys);
  /** A batch counts as a write in flight under the placement version it was checked under, until it has committed. */
  const tracked = <T>(write: () => Promise<T>): Promise<T> => (options.cells ? trackWrite(options.cells, write) : write());

  async function flushBatch(batch: Pending[]): Promise<void> {
    const touched = [...new Set(batch.map((p) => p.input.conversation.id))];
    let keys: Map<string, DataKeyHandle>;
    try {
      keys = await keysOf(batch);
    } catch (err) {
      settling = settling.then(() => batch.forEach((p) => p.reject(err)));
      return;
    }
    let outcomes: PromiseSettledResult<Written>[];
    try {
      outcomes = (await tracked(() => writeBatch(batch, keys))).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (err instanceof WriterThreadDied) {
        // It may have committed before it died: not acknowledged; a retry with the same client id finds the row.
        settling = settling.then(() => batch.forEach((p) => p.reject(err)));
        return;
      }
      // The cache may be ahead of the database now; forget it and write one by one, so a
      // bad message fails alone.
      for (const id of touched) lastSeq.delete(id);
      outcomes = [];
      for (const p of batch) {
        try {
          outcomes.push({ status: 'fulfilled', value: await tracked(() => commit((trx) => appendMessage(trx, p.input, keys.get(p.input.senderId) as DataKeyHandle))) });
        } catch (reason) {
          outcomes.push({ status: 'rejected', reason });
        }
      }
      for (const id of touched) lastSeq.delete(id);
    }
    // Asked for right after the commits, so it covers them; the next batch is written meanwhile.
    const synced = durable();
    const beforeLast = lastSync;
    lastSync = synced;
    const written = outcomes;
    const batchUpTo = new Map<string, number>();
    for (const o of written) {
      if (o.status !== 'fulfilled' || !o.value.created) continue;
      const { conversation_id: id, seq } = o.value.row;
      if (!unsettledFrom.has(id)) unsettledFrom.set(id, Number(seq));
      committedUpTo.set(id, Math.max(committedUpTo.get(id) ?? 0, Number(seq)));
      batchUpTo.set(id, Math.max(batchUpTo.get(id) ?? 0, Number(seq)));
    }
    settling = settling.then(async () => {
      try {
        await synced;
        for (const [id, upTo] of batchUpTo) {
          if ((committedUpTo.get(id) ?? 0) <= upTo) {
            unsettledFrom.delete(id);
            committedUpTo.delete(id);
          } else {
            unsettledFrom.set(id, upTo + 1);
          }
        }
      } catch (err) {
        // Committed but not known to be on disk: not acknowledged. A retry with the same client
        // id finds the row.
        for (const p of batch) p.reject(err);
        return;
      }
      for (const [i, p] of batch.entries()) {
        const outcome = written[i] as (typeof written)[number];
        if (outcome.status === 'rejected') {
          p.reject(outcome.reason);
          continue;
        }
        try {
          const open = opened(outcome.value);
          const result = open instanceof Promise ? await open : open;
          if (result.created) {
            const member = p.input.conversation.members.get(p.input.senderId);
            if (member) member.lastReadSeq = Math.max(member.lastReadSeq, Number(result.row.seq));
          }
          p.resolve(result);
        } catch (err) {
          p.reject(err);
        }
      }
    });
    // One batch is written while the one before it is synced, not more: sends that arrive
    // meanwhile gather into the next batch, as they would behind a blocking fsync.
    await beforeLast.catch(() => undefined);
  }

  const queue = createBatchQueue(options.maxBatch ?? 4000, flushBatch);
  async function drain(): Promise<void> {
    await queue.drain();
    await settling;
  }

  return {
    write: (input) => queue.push(input),
    readableUpTo: (conversationId) => {
      const from = unsettledFrom.get(conversationId);
      return from === undefined ? null : from - 1;
    },
    drain,
    inFlight: () => thread?.inFlight() ?? 0,
    threadStats: () => thread?.stats() ?? null,
    async close() {
      await drain();
      await thread?.close();
    },
  };
}
