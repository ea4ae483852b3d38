// The message write path: sends queued in the same turn of the event loop are written as one
// batch — one duplicate check, one multi-row insert, one sequence update per conversation — in
// one durable transaction. Sequence numbers come from a per-conversation cache that is checked
// against the database on every update, so a stale cache fails the batch instead of forking a
// sequence; a failed batch is retried one message at a time through appendMessage.
// With `storage.deferSync` (SQLite), the commit's fsync runs off the event loop
// (db/deferred-sync.ts): the next batch is written while the previous one is being synced, and a
// batch's writes settle, in order, only once it is on disk. Off by default: on a quiet disk it
// costs more latency than the ~0.4 ms fsync it moves (bench/RESULTS.md).
import type { Kysely, Transaction } from 'kysely';
import type { Cell } from '../cells/cell.registry.js';
import { createBatchQueue, type Pending as Queued } from '../db/batch-queue.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import { appendMessage, buildMessageRow, messageKeyOf, openMessageRows, sealMessageRow, type AppendMessage } from './message.repository.js';
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
const lookupChunk = 300;

class StaleSequence extends Error {}

export function createMessageWriter(cell: Cell, options: { maxBatch?: number; deferSync?: boolean } = {}): MessageWriter {
  const db: Kysely<CellDatabase> = cell.db;
  const lastSeq = new Map<string, number>();
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

  async function writeBatch(batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> {
    return commit(async (trx) => {
      const keyOf = (i: AppendMessage): string => `${i.conversation.id}\u0000${i.senderId}\u0000${i.clientId}`;
      const existing = new Map<string, MessageRow>();
      const conversationIds = [...new Set(batch.map((p) => p.input.conversation.id))];
      // Exact (conversation, sender, client id) keys: a row-value IN uses the unique index,
      // where separate IN lists would scan whole conversations.
      const keys = [...new Map(batch.map((p) => [keyOf(p.input), p.input])).values()];
      for (let i = 0; i < keys.length; i += lookupChunk) {
        const chunk = keys.slice(i, i + lookupChunk);
        const rows = await trx
          .selectFrom('message')
          .selectAll()
          .where((eb) =>
            eb(
              eb.refTuple('conversation_id', 'subject_id', 'client_id'),
              'in',
              chunk.map((k) => eb.tuple(k.conversation.id, k.senderId, k.clientId)),
            ),
          )
          .execute();
        for (const row of rows) existing.set(`${row.conversation_id}\u0000${row.subject_id}\u0000${row.client_id}`, row);
      }
      for (const id of conversationIds) {
        if (lastSeq.has(id)) continue;
        const row = await trx.selectFrom('conversation').select('last_seq').where('id', '=', id).executeTakeFirstOrThrow();
        lastSeq.set(id, Number(row.last_seq));
      }
      const startSeq = new Map(conversationIds.map((id) => [id, lastSeq.get(id) as number]));
      const results: { row: MessageRow; created: boolean }[] = [];
      const fresh: MessageRow[] = [];
      const readUpTo = new Map<string, { conversationId: string; senderId: string; seq: number }>();
      const at = new Date().toISOString();
      for (const { input } of batch) {
        const key = keyOf(input);
        const found = existing.get(key);
        if (found) {
          results.push({ row: found, created: false });
          continue;
        }
        const seq = (lastSeq.get(input.conversation.id) as number) + 1;
        lastSeq.set(input.conversation.id, seq);
        const row = buildMessageRow(input, seq, at);
        existing.set(key, row);
        fresh.push(row);
        results.push({ row, created: true });
        readUpTo.set(`${input.conversation.id}\u0000${input.senderId}`, { conversationId: input.conversation.id, senderId: input.senderId, seq });
      }
      for (let i = 0; i < fresh.length; i += insertChunk) {
        await trx
          .insertInto('message')
          .values(fresh.slice(i, i + insertChunk).map((row) => sealMessageRow(senderKeys.get(row.subject_id) as DataKeyHandle, row)))
          .execute();
      }
      for (const id of conversationIds) {
        const to = lastSeq.get(id) as number;
        const from = startSeq.get(id) as number;
        if (to === from) continue;
        const updated = await trx
          .updateTable('conversation')
          .set({ last_seq: to, updated_at: at })
          .where('id', '=', id)
          .where('last_seq', '=', from)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new StaleSequence(id);
      }
      for (const r of readUpTo.values()) {
        await trx
          .updateTable('membership')
          .set({ last_read_seq: r.seq })
          .where('conversation_id', '=', r.conversationId)
          .where('subject_id', '=', r.senderId)
          .execute();
      }
      return results;
    });
  }

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
