// Message storage inside a cell transaction: idempotent on the sender's client id, with the
// conversation's sequence advanced in the same transaction so seqs have no gaps or twins. Bodies
// and payment cards are stored sealed by the cell's key ring (the sender's message key, bound to
// the message id); rows leave here sealed and are opened by `openMessageRows` outside the transaction.
import type { Transaction } from 'kysely';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import type { PaymentCard } from './presenters.js';
import type { CachedConversation } from './conversation.cache.js';
import type { Cell } from '../cells/cell.registry.js';
import { categories, newId, personalColumns } from '../cells/records.js';

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

/** The row as stored: its body and card sealed by the sender's message key. */
export function sealMessageRow(key: DataKeyHandle, row: MessageRow): MessageRow {
  const seal = (value: string | null): string | null => (value === null ? null : key.sealText(row.id, value));
  return { ...row, text: seal(row.text), card: seal(row.card) };
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
