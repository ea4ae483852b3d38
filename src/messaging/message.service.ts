// Sending and reading messages. A send is acknowledged only after its group commit is durable;
// members are told through the event sink afterwards.
import type { Subject } from '../cells/directory.js';
import { DomainError } from '../errors/catalogue.js';
import type { MessageRow } from './messaging.tables.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { messageWriterOf, type MessagingContext } from './messaging.context.js';
import { authorizeWrite, categories, isRecordId } from '../cells/records.js';
import { presentMessage, type MessageView } from './presenters.js';
import { openMessageRows } from './message.repository.js';

export const maxTextLength = 4000;

export interface SendMessageProps {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  clientId: string;
  text?: string | undefined;
  mediaId?: string | undefined;
  /** The realtime connection that sent it: it gets an ack, not an echo. */
  origin?: string | undefined;
}

export async function sendMessage(props: SendMessageProps): Promise<MessageView> {
  return (await queueMessage(props)).stored;
}

/**
 * Checks a send and queues it for the next group commit. Resolves once queued, so a client's
 * next send can be checked while this one is being written; `stored` resolves when durable.
 * Sends queued in order are stored (and their `stored` promises settle) in that order.
 */
export async function queueMessage(props: SendMessageProps): Promise<{ stored: Promise<MessageView> }> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  const member = conversation.members.get(actor.id);
  if (conversation.kind === 'channel' && member?.role !== 'owner') {
    throw new DomainError('READ_ONLY_CONVERSATION', 'only the official account itself can post in its channel');
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.clientId)) {
    throw new DomainError('VALIDATION_FAILED', 'clientId must be 1–64 letters, digits, "_" or "-"');
  }
  const hasText = typeof props.text === 'string';
  if (hasText === Boolean(props.mediaId)) {
    throw new DomainError('VALIDATION_FAILED', 'send either text or a mediaId, not both and not neither');
  }
  let media: { id: string; contentType: string; size: number } | null = null;
  if (props.mediaId) {
    const mediaCell = isRecordId(props.mediaId) ? await ctx.directory.locations.find('media', props.mediaId) : null;
    const row =
      mediaCell && ctx.cells.has(mediaCell)
        ? await ctx.cells
            .get(mediaCell)
            .db.selectFrom('media')
            .select(['id', 'content_type', 'size'])
            .where('id', '=', props.mediaId)
            .where('conversation_id', '=', conversation.id)
            .executeTakeFirst()
        : undefined;
    if (!row) throw new DomainError('NOT_FOUND', 'no such image in this conversation; upload it to this conversation first');
    media = { id: row.id, contentType: row.content_type, size: Number(row.size) };
  } else {
    const text = props.text ?? '';
    if (text.trim().length === 0) throw new DomainError('VALIDATION_FAILED', 'a message cannot be empty');
    if (text.length > maxTextLength) throw new DomainError('VALIDATION_FAILED', `a message has at most ${maxTextLength} characters`);
  }
  const cell = ctx.cells.get(conversation.cellId);
  // A message into a conversation stored abroad is a transfer of the sender's data: its basis is
  // on record before the write is queued, and without one nothing is written there.
  if (cell.jurisdiction !== actor.home) {
    await authorizeWrite(ctx.transfers, { subject: actor, cell, category: categories.message, purpose: transferPurposes.messaging });
  }
  const write = messageWriterOf(ctx, cell.id).write({
    cell,
    conversation,
    senderId: actor.id,
    senderHome: actor.home,
    kind: media ? 'image' : 'text',
    clientId: props.clientId,
    text: media ? null : (props.text ?? null),
    media,
  });
  const stored = write.then(({ row, created }) => {
    const message = presentMessage(row);
    if (created) ctx.events.emit({ type: 'message', recipients: [...conversation.members.keys()], message, origin: props.origin });
    return message;
  });
  return { stored };
}

export async function listMessages(props: {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  before?: number | undefined;
  limit?: number | undefined;
}): Promise<{ messages: MessageView[]; nextBefore: number | null }> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  const limit = Math.min(Math.max(props.limit ?? 50, 1), 100);
  const cell = props.ctx.cells.get(conversation.cellId);
  let query = cell.db
    .selectFrom('message')
    .selectAll()
    .where('conversation_id', '=', conversation.id)
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (props.before !== undefined) query = query.where('seq', '<', props.before);
  const rows = await query.execute();
  const page = await openMessageRows(cell, rows.slice(0, limit).reverse());
  return {
    messages: page.map(presentMessage),
    nextBefore: rows.length > limit && page[0] ? Number(page[0].seq) : null,
  };
}

/** Messages after `afterSeq`, in order: what a reconnecting client missed. */
export async function messagesAfter(props: {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  afterSeq: number;
}): Promise<MessageView[]> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  const cell = props.ctx.cells.get(conversation.cellId);
  const rows: MessageRow[] = await cell.db
    .selectFrom('message')
    .selectAll()
    .where('conversation_id', '=', conversation.id)
    .where('seq', '>', props.afterSeq)
    .orderBy('seq', 'asc')
    .limit(10_000)
    .execute();
  return (await openMessageRows(cell, rows)).map(presentMessage);
}
