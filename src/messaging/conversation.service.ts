// Conversations: creation (stored in the creator's home cell, or a government account's home
// if one takes part), listing, members, read receipts. Every call checks membership first.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import type { ConversationRow, MessageRow } from './messaging.tables.js';
import { DomainError, isDomainError, retryAfterDetails } from '../errors/catalogue.js';
import { displayNames, getUser } from './account.service.js';
import { liveRecipients, type CachedConversation, type Member } from './conversation.cache.js';
import { ownersWithContact } from './contact.service.js';
import { appendMessage, messageKeyOf, openMessageRows } from './message.repository.js';
import { messageWriterOf, type MessagingContext } from './messaging.context.js';
import { authorizeWrite, categories, cellFor, newId, personalColumns, type Scope } from '../cells/records.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { presentConversation, presentMessage, type ConversationView, type UserView } from './presenters.js';

export const maxGroupMembers = 500;

/** Where a conversation among these participants is stored. */
export function conversationScope(creator: Subject, participants: readonly Subject[]): Scope {
  const government = [creator, ...participants].find((s) => s.class === 'government');
  if (government) return { home: government.home, class: 'government' };
  return { home: creator.home, class: creator.class };
}

async function titleFor(ctx: MessagingContext, row: Pick<ConversationRow, 'kind' | 'title' | 'owner_id'>, members: readonly string[], viewerId: string): Promise<string> {
  if (row.kind === 'channel') return (await displayNames(ctx, [row.owner_id])).get(row.owner_id) ?? row.owner_id;
  if (row.title) return row.title;
  const others = members.filter((m) => m !== viewerId).slice(0, 4);
  const names = await displayNames(ctx, others);
  return others.map((id) => names.get(id) ?? id).join(', ') || 'Just you';
}

/** What every member's view of a conversation shares: its row and its last message. */
interface ConversationState {
  row: ConversationRow;
  last: MessageRow | undefined;
}

async function loadState(cells: CellRegistry, conversation: CachedConversation, known?: ConversationRow): Promise<ConversationState> {
  const cell = cells.get(conversation.cellId);
  const row = known ?? (await cell.db.selectFrom('conversation').selectAll().where('id', '=', conversation.id).executeTakeFirstOrThrow());
  const stored = await cell.db
    .selectFrom('message')
    .selectAll()
    .where('conversation_id', '=', conversation.id)
    .where('seq', '=', row.last_seq)
    .executeTakeFirst();
  const [last] = stored ? await openMessageRows(cell, [stored]) : [];
  return { row, last };
}

/** One member's view: the title and read position differ per viewer, nothing else. */
async function present(ctx: MessagingContext, conversation: CachedConversation, state: ConversationState, viewerId: string): Promise<ConversationView> {
  const cell = ctx.cells.get(conversation.cellId);
  const imagesCell = cellFor(ctx.cells, { home: conversation.scopeHome, class: conversation.scopeClass }, categories.media);
  return presentConversation({
    row: state.row,
    jurisdiction: cell.jurisdiction,
    images: { cell: imagesCell.id, jurisdiction: imagesCell.jurisdiction },
    title: await titleFor(ctx, state.row, [...conversation.members.keys()], viewerId),
    memberCount: conversation.members.size,
    lastReadSeq: conversation.members.get(viewerId)?.lastReadSeq ?? 0,
    requestFrom: conversation.members.get(viewerId)?.requestFrom ?? null,
    lastMessage: state.last ? presentMessage(state.last) : null,
  });
}

async function view(ctx: MessagingContext, conversation: CachedConversation, viewerId: string): Promise<ConversationView> {
  return present(ctx, conversation, await loadState(ctx.cells, conversation), viewerId);
}

export async function getConversation(props: { ctx: MessagingContext; actor: Subject; conversationId: string }): Promise<ConversationView> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  return view(props.ctx, conversation, props.actor.id);
}

async function findDirect(cells: CellRegistry, key: string): Promise<string | null> {
  for (const cell of cells.all()) {
    const row = await cell.db.selectFrom('conversation').select('id').where('direct_key', '=', key).executeTakeFirst();
    if (row) return row.id;
  }
  return null;
}

export async function createConversation(props: {
  ctx: MessagingContext;
  actor: Subject;
  kind: 'direct' | 'group' | 'channel';
  memberIds: readonly string[];
  title?: string | undefined;
  /** Readers of a channel join later by following; owners are the only writers. */
}): Promise<{ conversation: ConversationView; created: boolean }> {
  const { ctx, actor } = props;
  const others = [...new Set(props.memberIds.map((id) => id.trim().toLowerCase()))].filter((id) => id !== actor.id);
  if (props.kind === 'direct' && others.length !== 1) {
    throw new DomainError('VALIDATION_FAILED', 'a direct chat has exactly one other member');
  }
  if (others.length + 1 > maxGroupMembers) {
    throw new DomainError('GROUP_FULL', `a group has at most ${maxGroupMembers} members`);
  }
  const participants: Subject[] = [];
  for (const id of others) {
    const subject = await ctx.directory.find(id);
    if (!subject) throw new DomainError('NOT_FOUND', `no user "${id}"; check the handle`);
    participants.push(subject);
  }
  const title = props.title?.trim() || null;
  if (title && title.length > 100) throw new DomainError('VALIDATION_FAILED', 'a title has at most 100 characters');

  if (props.kind === 'group') {
    const wait = ctx.groupLimiter.take(actor.id);
    if (wait > 0) throw new DomainError('RATE_LIMITED', `at most ${ctx.limits.groupsPerHour} new groups an hour; try again in ${Math.ceil(wait / 60_000)} minute(s)`, retryAfterDetails(wait));
  }
  const directKey = props.kind === 'direct' ? [actor.id, ...others].sort().join('|') : null;
  if (directKey) {
    const existing = await findDirect(ctx.cells, directKey);
    if (existing) return { conversation: await getConversation({ ctx, actor, conversationId: existing }), created: false };
  }

  const scope = conversationScope(actor, participants);
  const cell = cellFor(ctx.cells, scope, categories.conversation);
  if (cellFor(ctx.cells, scope, categories.message).id !== cell.id) {
    throw new DomainError('CONFIG_INVALID', 'placement rules split conversations from their messages; fix placement.rules');
  }
  const id = newId();
  const at = new Date().toISOString();
  // A group made by a stranger reaches each person as a message request (not for direct chats,
  // which the person can simply leave unanswered, nor channels).
  const requestFrom = props.kind === 'group' ? await strangersTo(ctx, participants, actor) : new Set<string>();
  const members = new Map<string, Member>([[actor.id, { role: 'owner', lastReadSeq: 0, requestFrom: null }]]);
  for (const p of participants) members.set(p.id, { role: 'member', lastReadSeq: 0, requestFrom: requestFrom.has(p.id) ? actor.id : null });
  const cached: CachedConversation = {
    id,
    cellId: cell.id,
    kind: props.kind,
    ownerId: actor.id,
    scopeHome: scope.home,
    scopeClass: scope.class,
    members,
  };
  const everyone = [actor, ...participants];
  await ctx.directory.locations.place('conversation', id, cell.id);
  const key = await messageKeyOf(cell, actor.id);
  await cell.commits.run(async (trx) => {
    await trx
      .insertInto('conversation')
      .values({
        id,
        kind: props.kind,
        title,
        owner_id: actor.id,
        direct_key: directKey,
        last_seq: 0,
        created_at: at,
        updated_at: at,
        ...personalColumns({ subject: actor, scope, category: categories.conversation, cell }),
      })
      .execute();
    await trx
      .insertInto('membership')
      .values(
        everyone.map((s) => ({
          conversation_id: id,
          role: s.id === actor.id ? 'owner' : 'member',
          last_read_seq: 0,
          joined_at: at,
          request_from: members.get(s.id)?.requestFrom ?? null,
          ...personalColumns({ subject: s, scope, category: categories.membership, cell }),
        })),
      )
      .execute();
    await appendMessage(
      trx,
      {
        cell,
        conversation: cached,
        senderId: actor.id,
        senderHome: actor.home,
        kind: 'system',
        clientId: 'created',
        text: props.kind === 'channel' ? 'channel created' : `${actor.id} started the conversation`,
        media: null,
      },
      key,
    );
  });
  ctx.conversations.put(cached);
  // Read once, presented per member: a 500-member group must not cost 1,000 queries.
  const state = await loadState(ctx.cells, cached);
  for (const member of everyone) {
    ctx.events.emit({
      type: 'membership',
      recipients: [member.id],
      conversationId: id,
      userId: member.id,
      change: 'added',
      conversation: await present(ctx, cached, state, member.id),
    });
  }
  return { conversation: await present(ctx, cached, state, actor.id), created: true };
}

/** Page size bounds of the conversation list. */
export const conversationPage = { default: 50, max: 200 } as const;

function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as [string, string];
  } catch {
    // refused below
  }
  throw new DomainError('VALIDATION_FAILED', 'cursor is not one this server gave; pass nextCursor from the previous page as it came');
}

/**
 * One page of the person's conversations, newest activity first, from every cell they have one
 * in; `nextCursor` continues after the last one (null at the end).
 */
export async function listConversations(props: { ctx: MessagingContext; actor: Subject; limit?: number | undefined; cursor?: string | undefined }): Promise<{ conversations: ConversationView[]; nextCursor: string | null }> {
  const { ctx, actor } = props;
  const limit = props.limit ?? conversationPage.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > conversationPage.max) throw new DomainError('VALIDATION_FAILED', `limit is 1–${conversationPage.max}`);
  const after = props.cursor ? decodeCursor(props.cursor) : null;
  const rows: ConversationRow[] = [];
  for (const cell of ctx.cells.all()) {
    let query = cell.db
      .selectFrom('membership')
      .innerJoin('conversation', 'conversation.id', 'membership.conversation_id')
      .selectAll('conversation')
      .where('membership.subject_id', '=', actor.id);
    if (after) {
      const [at, id] = after;
      query = query.where((eb) => eb.or([eb('conversation.updated_at', '<', at), eb.and([eb('conversation.updated_at', '=', at), eb('conversation.id', '<', id)])]));
    }
    rows.push(...(await query.orderBy('conversation.updated_at', 'desc').orderBy('conversation.id', 'desc').limit(limit + 1).execute()));
  }
  // Merged across cells in the same order each cell used: (updated_at, id) descending.
  rows.sort((a, b) => b.updated_at.localeCompare(a.updated_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = rows.slice(0, limit);
  const conversations: ConversationView[] = [];
  for (const row of page) {
    const conversation = await ctx.conversations.find(row.id);
    if (conversation) conversations.push(await present(ctx, conversation, await loadState(ctx.cells, conversation, row), actor.id));
  }
  const last = page.at(-1);
  return { conversations, nextCursor: rows.length > limit && last ? encodeCursor(last.updated_at, last.id) : null };
}

export async function listMembers(props: { ctx: MessagingContext; actor: Subject; conversationId: string }): Promise<(UserView & { lastReadSeq: number; role: string })[]> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  // A channel's readers are strangers to one another: a reader sees who runs the channel, never
  // the other followers or how far they have read (issue 14.3).
  const asReader = conversation.members.get(props.actor.id)?.role === 'reader';
  const out = [];
  for (const [id, member] of conversation.members) {
    if (asReader && member.role !== 'owner') continue;
    const user = await getUser({ ctx: props.ctx, userId: id }).catch(() => null);
    if (user) out.push({ ...user, lastReadSeq: member.lastReadSeq, role: member.role });
  }
  return out;
}

/**
 * A system message ("… added …", "… left") is the actor's data. In a conversation stored abroad
 * it passes the transfer gate like any message the actor sends; without a basis (no consent, or
 * consent withdrawn) it is not written, and the change it would announce still happens.
 */
async function systemMessage(ctx: MessagingContext, conversation: CachedConversation, actor: Subject, clientId: string, text: string): Promise<void> {
  const cell = ctx.cells.get(conversation.cellId);
  try {
    await authorizeWrite(ctx.transfers, { subject: actor, cell, category: categories.message, purpose: transferPurposes.messaging });
  } catch (err) {
    if (isDomainError(err) && (err.code === 'TRANSFER_CONSENT_REQUIRED' || err.code === 'TRANSFER_NO_BASIS')) return;
    throw err;
  }
  const { row, created } = await messageWriterOf(ctx, cell.id).write({ cell, conversation, senderId: actor.id, senderHome: actor.home, kind: 'system', clientId, text, media: null });
  if (created) ctx.events.emit({ type: 'message', recipients: liveRecipients(conversation), message: presentMessage(row) });
}

/** Adds a member (to a group, or a reader to a channel when `asReader`). */
export async function addMember(props: {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  userId: string;
  asReader?: boolean;
}): Promise<void> {
  const { ctx, actor } = props;
  const conversation = props.asReader
    ? await ctx.conversations.find(props.conversationId)
    : await ctx.conversations.forMember(props.conversationId, actor.id);
  if (!conversation) throw new DomainError('NOT_FOUND', 'no such channel');
  if (!props.asReader && conversation.kind !== 'group') {
    throw new DomainError('FORBIDDEN', 'members can be added to group chats only');
  }
  if (conversation.members.has(props.userId)) return;
  if (conversation.members.size >= maxGroupMembers && conversation.kind !== 'channel') {
    throw new DomainError('GROUP_FULL', `a group has at most ${maxGroupMembers} members`);
  }
  const subject = await ctx.directory.find(props.userId);
  if (!subject) throw new DomainError('NOT_FOUND', `no user "${props.userId}"; check the handle`);
  const cell = ctx.cells.get(conversation.cellId);
  const role = props.asReader ? 'reader' : 'member';
  const requestFrom = !props.asReader && (await strangersTo(ctx, [subject], actor)).has(subject.id) ? actor.id : null;
  await cell.commits.run((trx) =>
    trx
      .insertInto('membership')
      .values({
        conversation_id: conversation.id,
        role,
        last_read_seq: 0,
        joined_at: new Date().toISOString(),
        request_from: requestFrom,
        ...personalColumns({
          subject,
          scope: { home: conversation.scopeHome, class: conversation.scopeClass },
          category: categories.membership,
          cell,
        }),
      })
      .onConflict((oc) => oc.columns(['conversation_id', 'subject_id']).doNothing())
      .execute(),
  );
  conversation.members.set(subject.id, { role, lastReadSeq: 0, requestFrom });
  if (conversation.kind !== 'channel') {
    await systemMessage(ctx, conversation, actor, `add-${subject.id}-${Date.now()}`, `${actor.id} added ${subject.id}`);
  }
  const recipients = conversation.kind === 'channel' ? [subject.id] : [...conversation.members.keys()];
  for (const recipient of recipients) {
    ctx.events.emit({
      type: 'membership',
      recipients: [recipient],
      conversationId: conversation.id,
      userId: subject.id,
      change: 'added',
      conversation: recipient === subject.id ? await view(ctx, conversation, subject.id) : null,
    });
  }
}

export async function removeMember(props: { ctx: MessagingContext; actor: Subject; conversationId: string; userId: string }): Promise<void> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  const leaving = props.userId === actor.id;
  if (!leaving && conversation.members.get(actor.id)?.role !== 'owner') {
    throw new DomainError('FORBIDDEN', 'only the owner can remove other members; you can leave yourself');
  }
  if (!conversation.members.has(props.userId)) throw new DomainError('NOT_FOUND', `${props.userId} is not a member`);
  if (conversation.kind === 'direct') throw new DomainError('FORBIDDEN', 'a direct chat has no members to remove');
  const recipients = [...conversation.members.keys()];
  await ctx.cells.get(conversation.cellId).commits.run((trx) =>
    trx.deleteFrom('membership').where('conversation_id', '=', conversation.id).where('subject_id', '=', props.userId).execute(),
  );
  conversation.members.delete(props.userId);
  if (conversation.kind !== 'channel') {
    await systemMessage(ctx, conversation, actor, `rm-${props.userId}-${Date.now()}`, leaving ? `${actor.id} left` : `${actor.id} removed ${props.userId}`);
  }
  ctx.events.emit({
    type: 'membership',
    recipients: conversation.kind === 'channel' ? [props.userId] : recipients,
    conversationId: conversation.id,
    userId: props.userId,
    change: 'removed',
    conversation: null,
  });
}

export async function markRead(props: { ctx: MessagingContext; actor: Subject; conversationId: string; seq: number }): Promise<void> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  if (!Number.isInteger(props.seq) || props.seq < 0) throw new DomainError('VALIDATION_FAILED', 'seq must be a whole number ≥ 0');
  const member = conversation.members.get(actor.id) as Member;
  if (props.seq <= member.lastReadSeq) return;
  const cell = ctx.cells.get(conversation.cellId);
  const last = await cell.db.selectFrom('conversation').select('last_seq').where('id', '=', conversation.id).executeTakeFirstOrThrow();
  const seq = Math.min(props.seq, Number(last.last_seq));
  await cell.commits.run((trx) =>
    trx
      .updateTable('membership')
      .set({ last_read_seq: seq })
      .where('conversation_id', '=', conversation.id)
      .where('subject_id', '=', actor.id)
      .where('last_read_seq', '<', seq)
      .execute(),
  );
  member.lastReadSeq = Math.max(member.lastReadSeq, seq);
  const recipients = conversation.kind === 'channel' ? [actor.id] : liveRecipients(conversation, actor.id);
  ctx.events.emit({ type: 'receipt', recipients, conversationId: conversation.id, userId: actor.id, seq: member.lastReadSeq });
}

/** Of `people`, those who do not have `actor` among their contacts. */
async function strangersTo(ctx: MessagingContext, people: readonly Subject[], actor: Subject): Promise<Set<string>> {
  const known = await ownersWithContact({ ctx, owners: people, contactId: actor.id });
  return new Set(people.filter((p) => !known.has(p.id)).map((p) => p.id));
}

/**
 * Answers a message request: accepting makes the person an ordinary member (live events, may
 * write); declining leaves the group.
 */
export async function answerRequest(props: { ctx: MessagingContext; actor: Subject; conversationId: string; accept: boolean }): Promise<void> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  const member = conversation.members.get(actor.id) as Member;
  if (!member.requestFrom) throw new DomainError('NOT_A_REQUEST', 'you are already a member of this conversation; there is no request to answer');
  if (!props.accept) {
    await removeMember({ ctx, actor, conversationId: conversation.id, userId: actor.id });
    return;
  }
  await ctx.cells
    .get(conversation.cellId)
    .commits.run((trx) => trx.updateTable('membership').set({ request_from: null }).where('conversation_id', '=', conversation.id).where('subject_id', '=', actor.id).execute());
  member.requestFrom = null;
  ctx.events.emit({ type: 'membership', recipients: [actor.id], conversationId: conversation.id, userId: actor.id, change: 'added', conversation: await view(ctx, conversation, actor.id) });
}
