// The message write path: sends queued in the same turn of the event loop are written as one
// batch in one durable transaction. On SQLite the batch runs synchronously on the raw handle —
// statements prepared once, one run per row or conversation, each asking the cell's residency
// guard (every inserted row's placement, a migration's update fence); on PostgreSQL through Kysely
// — one duplicate check, one multi-row insert, one sequence update and one read-position update
// (each by chunks), checked by the guard when they run. Both paths plan the batch alike
// (`planBatch`). Sequence numbers come from a per-conversation cache that is checked
// against the database on every update, so a stale cache fails the batch instead of forking a
// sequence; a failed batch is retried one message at a time through appendMessage (Kysely).
// With `storage.deferSync` (SQLite), the commit's fsync runs off the event loop
// (db/deferred-sync.ts): the next batch is written while the previous one is being synced, and a
// batch's writes settle, in order, only once it is on disk. Off by default: on a quiet disk it
// costs more latency than the ~0.4 ms fsync it moves (bench/RESULTS.md).
import type { Kysely, Transaction } from 'kysely';
import type { Cell } from '../cells/cell.registry.js';
import { createBatchQueue, type Pending as Queued } from '../db/batch-queue.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import {
  appendMessage,
  buildMessageRow,
  createMessageBatchStatements,
  messageKeyOf,
  openMessageRows,
  sealMessageRow,
  sqliteMessageBatchOf,
  type AppendMessage,
  type ReadAdvance,
  type SeqAdvance,
  type SqliteMessageBatch,
} from './message.repository.js';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';
import { deferredSyncOf } from '../db/deferred-sync.js';

type Pending = Queued<AppendMessage, { row: MessageRow; created: boolean }>;

export interface MessageWriter {
  write(input: AppendMessage): Promise<{ row: MessageRow; created: boolean }>;
  /**
   * The highest seq of the conversation that readers may be shown: rows above it are committed
   * but not yet on disk (nor acknowledged); null when no such row is pending.
   */
  readableUpTo(conversationId: string): number | null;
  drain(): Promise<void>;
}

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
}

export function createMessageWriter(cell: Cell, options: MessageWriterOptions): MessageWriter {
  const db: Kysely<CellDatabase> = cell.db;
  const lastSeq = new Map<string, number>();
  const sqlite = sqliteMessageBatchOf(cell);
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

  /** Rows that were there already come back sealed; the caller gets them opened. */
  async function opened(result: { row: MessageRow; created: boolean }): Promise<{ row: MessageRow; created: boolean }> {
    if (result.created) return result;
    const [row] = await openMessageRows(cell, [result.row]);
    return { row: row as MessageRow, created: false };
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

  const writeBatch = (batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> =>
    sqlite ? writeBatchSqlite(sqlite, batch, senderKeys) : writeBatchKysely(batch, senderKeys);

  async function flushBatch(batch: Pending[]): Promise<void> {
    const touched = [...new Set(batch.map((p) => p.input.conversation.id))];
    let keys: Map<string, DataKeyHandle>;
    try {
      keys = await keysOf(batch);
    } catch (err) {
      settling = settling.then(() => batch.forEach((p) => p.reject(err)));
      return;
    }
    let outcomes: PromiseSettledResult<{ row: MessageRow; created: boolean }>[];
    try {
      outcomes = (await writeBatch(batch, keys)).map((value) => ({ status: 'fulfilled', value }));
    } catch {
      // The cache may be ahead of the database now; forget it and write one by one, so a
      // bad message fails alone.
      for (const id of touched) lastSeq.delete(id);
      outcomes = [];
      for (const p of batch) {
        try {
          outcomes.push({ status: 'fulfilled', value: await commit((trx) => appendMessage(trx, p.input, keys.get(p.input.senderId) as DataKeyHandle)) });
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
          const result = await opened(outcome.value);
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

  return {
    write: (input) => queue.push(input),
    readableUpTo: (conversationId) => {
      const from = unsettledFrom.get(conversationId);
      return from === undefined ? null : from - 1;
    },
    drain: async () => {
      await queue.drain();
      await settling;
    },
  };
}
