// Message storage inside a cell transaction: idempotent on the sender's client id, with the
// conversation's sequence advanced in the same transaction so seqs have no gaps or twins.
import type { Transaction } from 'kysely';
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

export async function appendMessage(trx: Transaction<CellDatabase>, input: AppendMessage): Promise<{ row: MessageRow; created: boolean }> {
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
  await trx.insertInto('message').values(row).execute();
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
