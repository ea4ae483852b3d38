// Message storage inside a cell transaction: idempotent on the sender's client id, with the
// conversation's sequence advanced in the same transaction so seqs have no gaps or twins. Bodies
// and payment cards are stored sealed by the cell's key ring (the sender's message key, bound to
// the message id); rows leave here sealed and are opened by `openMessageRows` outside the transaction.
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import { precompile, sizeClass } from '../db/precompiled.js';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import type { PaymentCard } from './presenters.js';
import type { CachedConversation } from './conversation.cache.js';
import type { Cell } from '../cells/cell.registry.js';
import { categories, newId, personalColumns } from '../cells/records.js';
import { sqliteTransactionsOf } from '../db/sqlite-transaction.js';
import { workerMessageColumns } from './message.writer.worker.js';

export interface AppendMessage {
  cell: Cell;
  conversation: CachedConversation;
  senderId: string;
  senderHome: string;
  kind: 'text' | 'image' | 'system' | 'payment';
  clientId: string;
  text: string | null;
  media: { id: string; contentType: string; size: number } | null;
  card?: PaymentCard | undefined;
}

/** The stored row of a new message with its sequence number. */
export function buildMessageRow(input: AppendMessage, seq: number, at: string): MessageRow {
  return {
    id: newId(),
    conversation_id: input.conversation.id,
    seq,
    kind: input.kind,
    client_id: input.clientId,
    text: input.text,
    media_id: input.media?.id ?? null,
    media_type: input.media?.contentType ?? null,
    media_size: input.media?.size ?? null,
    card: input.card ? JSON.stringify(input.card) : null,
    created_at: at,
    ...personalColumns({
      subject: { id: input.senderId, home: input.senderHome },
      scope: { home: input.conversation.scopeHome, class: input.conversation.scopeClass },
      category: categories.message,
      cell: input.cell,
    }),
  };
}

/** One of the row's sealed columns (its body or card) as stored; a module function, not a closure made per message. */
function sealedColumn(key: DataKeyHandle, row: MessageRow, value: string | null): string | null {
  return value === null ? null : key.sealText(row.id, value);
}

/** The row as stored: its body and card sealed by the sender's message key. */
export function sealMessageRow(key: DataKeyHandle, row: MessageRow): MessageRow {
  return { ...row, text: sealedColumn(key, row, row.text), card: sealedColumn(key, row, row.card) };
}

/** Rows with their bodies (and cards, where selected) opened: null where the sender's key was shredded. */
export function openMessageRows<R extends Pick<MessageRow, 'id' | 'text'> & Partial<Pick<MessageRow, 'card'>>>(cell: Cell, rows: readonly R[]): Promise<R[]> {
  const open = (row: R, value: string | null | undefined): Promise<string | null | undefined> =>
    value === null || value === undefined ? Promise.resolve(value) : cell.keys.openText({ recordId: row.id, category: categories.message, value });
  return Promise.all(
    rows.map(async (row) => {
      const [text, card] = await Promise.all([open(row, row.text), open(row, row.card)]);
      return row.card === undefined ? { ...row, text } : { ...row, text, card };
    }),
  );
}

/** The sender's message key, taken before the transaction that stores their message. */
export function messageKeyOf(cell: Cell, senderId: string): Promise<DataKeyHandle> {
  return cell.keys.dataKey(senderId, categories.message);
}

/** Stores a message (sealed with `key`, the sender's message key); an existing row comes back sealed. */
export async function appendMessage(trx: Transaction<CellDatabase>, input: AppendMessage, key: DataKeyHandle): Promise<{ row: MessageRow; created: boolean }> {
  const existing = await trx
    .selectFrom('message')
    .selectAll()
    .where('conversation_id', '=', input.conversation.id)
    .where('subject_id', '=', input.senderId)
    .where('client_id', '=', input.clientId)
    .executeTakeFirst();
  if (existing) return { row: existing, created: false };
  const at = new Date().toISOString();
  const { last_seq } = await trx
    .updateTable('conversation')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), updated_at: at }))
    .where('id', '=', input.conversation.id)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const row = buildMessageRow(input, Number(last_seq), at);
  await trx.insertInto('message').values(sealMessageRow(key, row)).execute();
  // What you wrote yourself is read: the sender's read position moves with the send.
  await trx
    .updateTable('membership')
    .set({ last_read_seq: row.seq })
    .where('conversation_id', '=', input.conversation.id)
    .where('subject_id', '=', input.senderId)
    .execute();
  const member = input.conversation.members.get(input.senderId);
  if (member) member.lastReadSeq = Math.max(member.lastReadSeq, row.seq);
  return { row, created: true };
}

/** One message's idempotency key: the conversation, its sender and the sender's client id. */
export interface MessageKey {
  conversationId: string;
  senderId: string;
  clientId: string;
}

/** A conversation's sequence advanced by a batch, from the value the batch started from. */
export interface SeqAdvance {
  conversationId: string;
  from: number;
  to: number;
}

/** A sender's read position moved to their own last message in the batch. */
export interface ReadAdvance {
  conversationId: string;
  senderId: string;
  seq: number;
}

/**
 * The message writer's batch statements, each built once per size class (a power of two; a list
 * is padded by repeating its last item, which changes nothing) and then only given new values.
 */
export interface MessageBatchStatements {
  /** The rows that already have these keys (a row-value IN on the unique index). */
  existing(keys: readonly MessageKey[]): CompiledQuery<MessageRow>;
  /** Each conversation's last_seq set to `to` where it still is `from`: updates as many rows as distinct conversations, or the cache was stale. */
  advanceSeqs(advances: readonly SeqAdvance[], at: string): CompiledQuery;
  /** What you wrote yourself is read: each sender's read position moves with their send. */
  advanceReads(reads: readonly ReadAdvance[]): CompiledQuery;
}

export function createMessageBatchStatements(db: Kysely<CellDatabase>): MessageBatchStatements {
  const cache = new Map<string, (values: readonly unknown[]) => CompiledQuery>();
  function shaped<T>(kind: string, items: readonly T[], width: number, build: (size: number) => (values: readonly unknown[]) => CompiledQuery, values: (item: T) => unknown[], extra: unknown[] = []): CompiledQuery {
    const size = sizeClass(items.length);
    let compiled = cache.get(`${kind}:${size}`);
    if (!compiled) {
      compiled = build(size);
      cache.set(`${kind}:${size}`, compiled);
    }
    const flat: unknown[] = [...extra];
    for (let i = 0; i < size; i += 1) flat.push(...values(items[Math.min(i, items.length - 1)] as T));
    if (flat.length !== extra.length + size * width) throw new Error(`${kind}: each item gives ${width} values`);
    return compiled(flat);
  }
  return {
    existing: (keys) =>
      shaped(
        'existing',
        keys,
        3,
        (size) =>
          precompile((slot) =>
            db
              .selectFrom('message')
              .selectAll()
              .where((eb) =>
                eb(
                  eb.refTuple('conversation_id', 'subject_id', 'client_id'),
                  'in',
                  Array.from({ length: size }, (_, i) => eb.tuple(slot(3 * i), slot(3 * i + 1), slot(3 * i + 2))),
                ),
              ),
          ),
        (k) => [k.conversationId, k.senderId, k.clientId],
      ) as CompiledQuery<MessageRow>,
    advanceSeqs: (advances, at) =>
      shaped(
        'seqs',
        advances,
        3,
        (size) =>
          precompile((slot) =>
            db
              .updateTable('conversation')
              .set((eb) => {
                // Slot 0 is the time; conversation i has slots 1+3i (id), 2+3i (from), 3+3i (to).
                const to = (i: number) => eb.cast<number>(eb.val(slot(3 + 3 * i)), 'integer');
                let seqs = eb.case().when('id', '=', slot(1)).then(to(0));
                for (let i = 1; i < size; i += 1) seqs = seqs.when('id', '=', slot(1 + 3 * i)).then(to(i));
                return { last_seq: seqs.else(eb.ref('last_seq')).end(), updated_at: slot(0) };
              })
              .where((eb) => eb(eb.refTuple('id', 'last_seq'), 'in', Array.from({ length: size }, (_, i) => eb.tuple(slot(1 + 3 * i), eb.cast<number>(eb.val(slot(2 + 3 * i)), 'integer')))))
          ),
        (a) => [a.conversationId, a.from, a.to],
        [at],
      ),
    advanceReads: (reads) =>
      shaped(
        'reads',
        reads,
        3,
        (size) =>
          precompile((slot) =>
            db
              .updateTable('membership')
              .set((eb) => {
                const isRead = (i: number) => eb.and([eb('conversation_id', '=', slot(3 * i)), eb('subject_id', '=', slot(3 * i + 1))]);
                const seq = (i: number) => eb.cast<number>(eb.val(slot(3 * i + 2)), 'integer');
                let seqs = eb.case().when(isRead(0)).then(seq(0));
                for (let i = 1; i < size; i += 1) seqs = seqs.when(isRead(i)).then(seq(i));
                return { last_read_seq: seqs.else(eb.ref('last_read_seq')).end() };
              })
              .where((eb) => eb(eb.refTuple('conversation_id', 'subject_id'), 'in', Array.from({ length: size }, (_, i) => eb.tuple(slot(3 * i), slot(3 * i + 1))))),
          ),
        (r) => [r.conversationId, r.senderId, r.seq],
      ),
  };
}

/** The columns of a stored message, in the order the SQLite batch (and its worker thread, which owns the list) inserts them. */
export const messageColumns: readonly (keyof MessageRow)[] = workerMessageColumns satisfies readonly (keyof MessageRow)[];
/** Each column's place in a row of `messageColumns`' values. */
export const messageColumnAt: ReadonlyMap<string, number> = new Map(messageColumns.map((column, i) => [column, i]));
const textAt = messageColumns.indexOf('text');
const cardAt = messageColumns.indexOf('card');

/** The row's values in `messageColumns`' order, its body and card sealed (as sealMessageRow, without the copy of the row). */
export function sealedMessageValues(key: DataKeyHandle, row: MessageRow): unknown[] {
  const values: unknown[] = messageColumns.map((column) => row[column]);
  values[textAt] = sealedColumn(key, row, row.text);
  values[cardAt] = sealedColumn(key, row, row.card);
  return values;
}

/**
 * The message writer's batch on SQLite: the same statements as `MessageBatchStatements`, one row
 * or conversation at a time, prepared once on the raw better-sqlite3 handle and run synchronously
 * inside `transaction`. The raw statements pass no Kysely plugin, so they ask the residency
 * guard's run-time checks themselves: every inserted row (invariant 2), and a migration's update
 * fence before each update.
 */
export interface SqliteMessageBatch {
  /** Runs `work` (these statements) in one write transaction; `relaxed`: see db/sqlite-transaction.ts. */
  transaction<T>(work: () => T, relaxed: boolean): Promise<T>;
  /** The stored row with this key, if any. */
  existing(key: MessageKey): MessageRow | undefined;
  /** The conversation's stored last seq (throws when there is no such conversation). */
  lastSeq(conversationId: string): number;
  /** Inserts a (sealed) row, once the residency guard has checked its placement. */
  insert(row: MessageRow): void;
  /** Sets last_seq to `to` where it still is `from`; false when it was not (the cache was stale). */
  advanceSeq(advance: SeqAdvance, at: string): boolean;
  advanceRead(read: ReadAdvance): void;
}

/** The SQLite batch of `cell`, checked by the cell's residency guard; null on PostgreSQL. */
export function sqliteMessageBatchOf(cell: Pick<Cell, 'id' | 'db' | 'guard'>): SqliteMessageBatch | null {
  const transactions = sqliteTransactionsOf(cell.db);
  if (!transactions) return null;
  const { handle } = transactions;
  const select = handle.prepare<[string, string, string], MessageRow>('select * from message where conversation_id = ? and subject_id = ? and client_id = ?');
  const seqOf = handle.prepare<[string], { last_seq: number }>('select last_seq from conversation where id = ?');
  const insert = handle.prepare(`insert into message (${messageColumns.join(', ')}) values (${messageColumns.map(() => '?').join(', ')})`);
  const advanceSeq = handle.prepare<[number, string, string, number]>('update conversation set last_seq = ?, updated_at = ? where id = ? and last_seq = ?');
  const advanceRead = handle.prepare<[number, string, string]>('update membership set last_read_seq = ? where conversation_id = ? and subject_id = ?');
  return {
    transaction: (work, relaxed) => transactions.run(work, { relaxed }),
    existing: (key) => select.get(key.conversationId, key.senderId, key.clientId),
    lastSeq(conversationId) {
      const row = seqOf.get(conversationId);
      if (!row) throw new Error(`no conversation ${conversationId} in cell ${cell.id}`);
      return Number(row.last_seq);
    },
    insert(row) {
      cell.guard.checkRow('message', (column) => row[column as keyof MessageRow]);
      insert.run(messageColumns.map((column) => row[column]));
    },
    advanceSeq(a, at) {
      cell.guard.checkUpdate('conversation');
      return advanceSeq.run(a.to, at, a.conversationId, a.from).changes === 1;
    },
    advanceRead(r) {
      cell.guard.checkUpdate('membership');
      advanceRead.run(r.seq, r.conversationId, r.senderId);
    },
  };
}
