// Sending and reading messages. A send is acknowledged only after its group commit is durable;
// members are told through the event sink afterwards.
import type { Subject } from '../cells/directory.js';
import { DomainError, retryAfterDetails } from '../errors/catalogue.js';
import type { MessageRow } from './messaging.tables.js';
import type { Cell } from '../cells/cell.registry.js';
import { liveRecipients, type CachedConversation } from './conversation.cache.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { messageWriterOf, type MessagingContext } from './messaging.context.js';
import { authorizeWrite, categories, isRecordId } from '../cells/records.js';
import { presentMessage, type MessageView, type PaymentCard } from './presenters.js';
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

/**
 * The conversation's cell, once the sender may write there: a message into a conversation stored
 * abroad is a transfer of the sender's data, so its basis is on record before the write is
 * queued, and without one nothing is written there.
 */
function cellForSend(ctx: MessagingContext, actor: Subject, conversation: CachedConversation): Cell | Promise<Cell> {
  const cell = ctx.cells.get(conversation.cellId);
  // At the sender's home there is nothing to check: the cell at once, without a turn (the realtime hot path).
  if (cell.jurisdiction === actor.home) return cell;
  return authorizeWrite(ctx.transfers, { subject: actor, cell, category: categories.message, purpose: transferPurposes.messaging }).then(() => cell);
}

export async function sendMessage(props: SendMessageProps): Promise<MessageView> {
  return (await queueMessage(props)).stored;
}

/** What `readableRows` needs of a query of a conversation's messages: a bound on seq, and running it. */
interface MessageQuery {
  where(column: 'seq', op: '<=', value: number): MessageQuery;
  execute(): Promise<MessageRow[]>;
}

/**
 * Runs a read of a conversation's messages, leaving out rows committed but not yet on disk (they
 * come live once they are). Bound only when rows are pending: seq is a 32-bit integer on PostgreSQL.
 */
function readableRows(ctx: MessagingContext, cell: Cell, conversationId: string, query: MessageQuery): Promise<MessageRow[]> {
  return messageWriterOf(ctx, cell.id).readable(conversationId, (upTo) => (upTo === null ? query : query.where('seq', '<=', upTo)).execute());
}

/** A send queued for the next group commit: `stored` resolves once it is durable (and members are told). */
export interface QueuedSend {
  stored: Promise<MessageView>;
}

/**
 * Checks a send and queues it for the next group commit. Resolves once queued, so a client's
 * next send can be checked while this one is being written; `stored` resolves when durable.
 * Sends queued in order are stored (and their `stored` promises settle) in that order.
 */
export async function queueMessage(props: SendMessageProps): Promise<QueuedSend> {
  return queueMessageNow(props);
}

/**
 * `queueMessage` without waiting a turn where nothing needs one: a text send into a conversation
 * this process has cached, stored at the sender's home — the common send — is checked and queued
 * before this returns (a refusal throws). Otherwise (the conversation must be loaded, an image
 * looked up, or a transfer basis checked) it gives a promise of the same. The checks, their order
 * and their errors are the same either way; the realtime route handles a socket's frame without
 * an await when it can (each await is a promise and a microtask per message).
 */
export function queueMessageNow(props: SendMessageProps): QueuedSend | Promise<QueuedSend> {
  // A cached conversation the actor is a member of is what `forMember` would give, without its turns.
  const cached = props.ctx.conversations.peek(props.conversationId);
  if (cached !== null && cached.members.has(props.actor.id)) return checkedSend(props, cached);
  return props.ctx.conversations.forMember(props.conversationId, props.actor.id).then((conversation) => checkedSend(props, conversation));
}

/** The send's own checks, in order, then the rate limit and the write (a promise only where a lookup is needed). */
function checkedSend(props: SendMessageProps, conversation: CachedConversation): QueuedSend | Promise<QueuedSend> {
  const member = conversation.members.get(props.actor.id);
  if (member?.requestFrom) {
    throw new DomainError('MESSAGE_REQUEST_PENDING', `${member.requestFrom} added you to this group; accept the request before you write in it`);
  }
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
  if (props.mediaId) return mediaOf(props.ctx, conversation, props.mediaId).then((media) => limitedSend(props, conversation, media));
  const text = props.text ?? '';
  if (text.trim().length === 0) throw new DomainError('VALIDATION_FAILED', 'a message cannot be empty');
  if (text.length > maxTextLength) throw new DomainError('VALIDATION_FAILED', `a message has at most ${maxTextLength} characters`);
  return limitedSend(props, conversation, null);
}

type SentMedia = { id: string; contentType: string; size: number };

/** The image a send names, stored in this conversation; NOT_FOUND otherwise. */
async function mediaOf(ctx: MessagingContext, conversation: CachedConversation, mediaId: string): Promise<SentMedia> {
  const mediaCell = isRecordId(mediaId) ? await ctx.directory.locations.find('media', mediaId) : null;
  const row =
    mediaCell && ctx.cells.has(mediaCell)
      ? await ctx.cells
          .get(mediaCell)
          .db.selectFrom('media')
          .select(['id', 'content_type', 'size'])
          .where('id', '=', mediaId)
          .where('conversation_id', '=', conversation.id)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new DomainError('NOT_FOUND', 'no such image in this conversation; upload it to this conversation first');
  return { id: row.id, contentType: row.content_type, size: Number(row.size) };
}

/** The rate limit, then the write: at once into a cell at the sender's home, after the transfer rule's check into one abroad (`cellForSend`). */
function limitedSend(props: SendMessageProps, conversation: CachedConversation, media: SentMedia | null): QueuedSend | Promise<QueuedSend> {
  const { ctx, actor } = props;
  const wait = ctx.sendLimiter.take(actor.id);
  if (wait > 0) throw new DomainError('RATE_LIMITED', `at most ${ctx.limits.sendsPerMinute} messages a minute; wait ${Math.ceil(wait / 1000)} s`, retryAfterDetails(wait));
  const cell = cellForSend(ctx, actor, conversation);
  return cell instanceof Promise ? cell.then((checked) => writeSend(props, conversation, checked, media)) : writeSend(props, conversation, cell, media);
}

function writeSend(props: SendMessageProps, conversation: CachedConversation, cell: Cell, media: SentMedia | null): QueuedSend {
  const { ctx, actor } = props;
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
    if (created) ctx.events.emit({ type: 'message', recipients: liveRecipients(conversation), message, origin: props.origin });
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
  const rows = await readableRows(props.ctx, cell, conversation.id, query);
  const page = await openMessageRows(cell, rows.slice(0, limit).reverse());
  return {
    messages: page.map(presentMessage),
    nextBefore: rows.length > limit && page[0] ? Number(page[0].seq) : null,
  };
}

/** Messages after `afterSeq`, in order: what a reconnecting client missed (durable ones only). */
export async function messagesAfter(props: {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  afterSeq: number;
}): Promise<MessageView[]> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  const cell = props.ctx.cells.get(conversation.cellId);
  const query = cell.db
    .selectFrom('message')
    .selectAll()
    .where('conversation_id', '=', conversation.id)
    .where('seq', '>', props.afterSeq)
    .orderBy('seq', 'asc')
    .limit(10_000);
  const rows = await readableRows(props.ctx, cell, conversation.id, query);
  return (await openMessageRows(cell, rows)).map(presentMessage);
}

/**
 * Before money moves for a chat: the actor and the other party are both members, the chat takes
 * posts from the actor, and a conversation stored abroad has the actor's transfer basis on
 * record — so the card that follows the money can be written.
 */
export async function checkPaymentChat(props: { ctx: MessagingContext; actor: Subject; conversationId: string; counterpartyId: string }): Promise<void> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  if (conversation.kind === 'channel') throw new DomainError('READ_ONLY_CONVERSATION', 'money is sent and requested in direct chats and groups, not in channels');
  if (!conversation.members.has(props.counterpartyId)) {
    throw new DomainError('PAY_NOT_A_CHAT_MEMBER', `${props.counterpartyId} is not a member of this chat; send or request money from a member`);
  }
  await cellForSend(ctx, actor, conversation);
}

/**
 * Writes a payment card into the conversation as a `payment` message from `actor`, idempotent on
 * `clientId` (a retry writes nothing new), and tells the members like any message.
 */
export async function postPaymentCard(props: { ctx: MessagingContext; actor: Subject; conversationId: string; clientId: string; card: PaymentCard }): Promise<MessageView> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  const cell = await cellForSend(ctx, actor, conversation);
  const { row, created } = await messageWriterOf(ctx, cell.id).write({
    cell,
    conversation,
    senderId: actor.id,
    senderHome: actor.home,
    kind: 'payment',
    clientId: props.clientId,
    text: null,
    media: null,
    card: props.card,
  });
  const message = presentMessage(row);
  if (created) ctx.events.emit({ type: 'message', recipients: liveRecipients(conversation), message });
  return message;
}
