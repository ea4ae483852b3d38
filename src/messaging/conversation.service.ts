// Conversations: creation (stored in the creator's home cell, or a government account's home
// if one takes part), listing, members, read receipts, invitations. Every call checks membership
// first. Every row about a person written into the conversation's cell passes the one rule of
// the record kit (`authorizeWrite` / `admitToCell`): a person from another jurisdiction without a
// basis is not written there — they are invited instead, in their own cell (docs/residency.md).
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import type { ConversationRow, InvitationRow, MessageRow } from './messaging.tables.js';
import { DomainError, retryAfterDetails } from '../errors/catalogue.js';
import { displayNames, getUser } from './account.service.js';
import { liveRecipients, type CachedConversation, type Member } from './conversation.cache.js';
import { ownersWithContact } from './contact.service.js';
import { appendMessage, messageKeyOf, openMessageRows } from './message.repository.js';
import { messageWriterOf, type MessagingContext } from './messaging.context.js';
import { admitToCell, authorizeWrite, categories, cellFor, newId, personalColumns, scopeOf, type Scope } from '../cells/records.js';
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
  const invitation = await invitationOf(props.ctx, props.actor, props.conversationId);
  if (invitation) {
    const conversation = await props.ctx.conversations.find(invitation.conversation_id);
    if (conversation && !conversation.members.has(props.actor.id)) return invitationView(props.ctx, conversation, invitation);
  }
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  return view(props.ctx, conversation, props.actor.id);
}

/** What the rule of the record kit needs to write a membership (or an invitation) of a person into a cell. */
const membershipWrite = { category: categories.membership, purpose: transferPurposes.messaging } as const;

/** The person's own cell for their invitations (their home, by the placement rules). */
function invitationCell(ctx: MessagingContext, invitee: Subject) {
  return cellFor(ctx.cells, scopeOf(invitee), categories.membership);
}

/**
 * Invites a person to a conversation stored outside their jurisdiction that they cannot join yet
 * (no basis to store their membership there): ids only, in their own cell. Idempotent.
 */
async function invite(ctx: MessagingContext, props: { conversation: CachedConversation; invitee: Subject; inviterId: string; at: string }): Promise<void> {
  const cell = invitationCell(ctx, props.invitee);
  await authorizeWrite(ctx.transfers, { subject: props.invitee, cell, ...membershipWrite });
  await cell.commits.run((trx) =>
    trx
      .insertInto('invitation')
      .values({
        conversation_id: props.conversation.id,
        conversation_cell: props.conversation.cellId,
        inviter_id: props.inviterId,
        created_at: props.at,
        ...personalColumns({ subject: props.invitee, scope: scopeOf(props.invitee), category: categories.membership, cell }),
      })
      .onConflict((oc) => oc.columns(['conversation_id', 'subject_id']).doNothing())
      .execute(),
  );
}

async function invitationOf(ctx: MessagingContext, invitee: Subject, conversationId: string): Promise<InvitationRow | undefined> {
  return invitationCell(ctx, invitee).db.selectFrom('invitation').selectAll().where('subject_id', '=', invitee.id).where('conversation_id', '=', conversationId).executeTakeFirst();
}

async function dropInvitation(ctx: MessagingContext, invitee: Subject, conversationId: string): Promise<void> {
  await invitationCell(ctx, invitee).commits.run((trx) => trx.deleteFrom('invitation').where('subject_id', '=', invitee.id).where('conversation_id', '=', conversationId).execute());
}

/** An invitation as the invitee sees it: a request from the inviter, with no messages until they join. */
async function invitationView(ctx: MessagingContext, conversation: CachedConversation, invitation: InvitationRow): Promise<ConversationView> {
  const state = await loadState(ctx.cells, conversation);
  const shown = await present(ctx, conversation, { row: state.row, last: undefined }, invitation.subject_id);
  return { ...shown, requestFrom: invitation.inviter_id, lastReadSeq: 0 };
}

/** Tells an invitee that an invitation waits for them (only them: nobody abroad learns of it). */
async function announceInvitation(ctx: MessagingContext, conversation: CachedConversation, invitation: InvitationRow): Promise<void> {
  ctx.events.emit({
    type: 'membership',
    recipients: [invitation.subject_id],
    conversationId: conversation.id,
    userId: invitation.subject_id,
    change: 'added',
    conversation: await invitationView(ctx, conversation, invitation),
  });
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
  // The creator's rows (the conversation, their membership, "… started the conversation") are
  // written only with a basis; the others join where they have one and are invited where not.
  for (const category of [categories.conversation, categories.membership, categories.message]) {
    await authorizeWrite(ctx.transfers, { subject: actor, cell, category, purpose: transferPurposes.messaging });
  }
  const { admitted, refused } = await admitToCell(ctx.transfers, { subjects: participants, cell, ...membershipWrite });
  const id = newId();
  const at = new Date().toISOString();
  // A group made by a stranger reaches each person as a message request (not for direct chats,
  // which the person can simply leave unanswered, nor channels).
  const requestFrom = props.kind === 'group' ? await strangersTo(ctx, admitted, actor) : new Set<string>();
  const members = new Map<string, Member>([[actor.id, { role: 'owner', lastReadSeq: 0, requestFrom: null }]]);
  for (const p of admitted) members.set(p.id, { role: 'member', lastReadSeq: 0, requestFrom: requestFrom.has(p.id) ? actor.id : null });
  const cached: CachedConversation = {
    id,
    cellId: cell.id,
    kind: props.kind,
    ownerId: actor.id,
    scopeHome: scope.home,
    scopeClass: scope.class,
    members,
  };
  const everyone = [actor, ...admitted];
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
  for (const { subject } of refused) await invite(ctx, { conversation: cached, invitee: subject, inviterId: actor.id, at });
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
  for (const { subject } of refused) {
    const invitation = await invitationOf(ctx, subject, id);
    if (invitation) await announceInvitation(ctx, cached, invitation);
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
  // Invitations (kept in the person's own cell) come first, on the first page only.
  if (!after) conversations.unshift(...(await invitationViews(ctx, actor)));
  const last = page.at(-1);
  return { conversations, nextCursor: rows.length > limit && last ? encodeCursor(last.updated_at, last.id) : null };
}

async function invitationViews(ctx: MessagingContext, actor: Subject): Promise<ConversationView[]> {
  const invitations = await invitationCell(ctx, actor).db.selectFrom('invitation').selectAll().where('subject_id', '=', actor.id).orderBy('created_at', 'desc').limit(conversationPage.max).execute();
  const out: ConversationView[] = [];
  for (const invitation of invitations) {
    const conversation = await ctx.conversations.find(invitation.conversation_id);
    // A conversation that is gone, or that the person joined meanwhile, shows no invitation.
    if (conversation && !conversation.members.has(actor.id)) out.push(await invitationView(ctx, conversation, invitation));
  }
  return out;
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
 * A system message ("… added …", "… left") is data of its actor and of everyone it names. Like
 * any row it is written only when the rule of the record kit admits every one of them into the
 * conversation's cell; otherwise the notice is not written (the change it would announce still
 * happens), so a person without a basis is never named abroad.
 */
async function systemMessage(ctx: MessagingContext, conversation: CachedConversation, actor: Subject, clientId: string, text: string, named: readonly Subject[] = []): Promise<void> {
  const cell = ctx.cells.get(conversation.cellId);
  const { refused } = await admitToCell(ctx.transfers, { subjects: [actor, ...named.filter((s) => s.id !== actor.id)], cell, category: categories.message, purpose: transferPurposes.messaging });
  if (refused.length > 0) return;
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
  // A follower asks for themselves: without a basis they are refused (and shown the notice). A
  // person added by someone else without a basis is invited in their own cell instead.
  const { refused } = await admitToCell(ctx.transfers, { subjects: [subject], cell, ...membershipWrite });
  const refusal = refused[0];
  if (refusal) {
    if (props.asReader) throw refusal.error;
    await invite(ctx, { conversation, invitee: subject, inviterId: actor.id, at: new Date().toISOString() });
    const invitation = await invitationOf(ctx, subject, conversation.id);
    if (invitation) await announceInvitation(ctx, conversation, invitation);
    return;
  }
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
    await systemMessage(ctx, conversation, actor, `add-${subject.id}-${Date.now()}`, `${actor.id} added ${subject.id}`, [subject]);
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
  const removed = leaving ? actor : await ctx.directory.find(props.userId);
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
    await systemMessage(ctx, conversation, actor, `rm-${props.userId}-${Date.now()}`, leaving ? `${actor.id} left` : `${actor.id} removed ${props.userId}`, removed ? [removed] : []);
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
  // A read position is the reader's data: abroad it is written only while a basis holds.
  await authorizeWrite(ctx.transfers, { subject: actor, cell, ...membershipWrite });
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
 * Answers a message request or an invitation: accepting makes the person an ordinary member (live
 * events, may write) — for an invitation, only through the transfer gate (without a basis:
 * TRANSFER_CONSENT_REQUIRED with the notice to show); declining leaves the group or drops the
 * invitation.
 */
export async function answerRequest(props: { ctx: MessagingContext; actor: Subject; conversationId: string; accept: boolean }): Promise<void> {
  const { ctx, actor } = props;
  const invitation = await invitationOf(ctx, actor, props.conversationId);
  const invited = invitation ? await ctx.conversations.find(invitation.conversation_id) : null;
  if (invited && !invited.members.has(actor.id)) {
    await answerInvitation(ctx, actor, invited, props.accept);
    return;
  }
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  // Joined meanwhile (a crash between the membership and the invitation's removal): tidy up.
  if (invitation) await dropInvitation(ctx, actor, conversation.id);
  const member = conversation.members.get(actor.id) as Member;
  if (!member.requestFrom) throw new DomainError('NOT_A_REQUEST', 'you are already a member of this conversation; there is no request to answer');
  if (!props.accept) {
    await removeMember({ ctx, actor, conversationId: conversation.id, userId: actor.id });
    return;
  }
  const cell = ctx.cells.get(conversation.cellId);
  await authorizeWrite(ctx.transfers, { subject: actor, cell, ...membershipWrite });
  await cell.commits.run((trx) => trx.updateTable('membership').set({ request_from: null }).where('conversation_id', '=', conversation.id).where('subject_id', '=', actor.id).execute());
  member.requestFrom = null;
  ctx.events.emit({ type: 'membership', recipients: [actor.id], conversationId: conversation.id, userId: actor.id, change: 'added', conversation: await view(ctx, conversation, actor.id) });
}

/**
 * Accepting writes the membership abroad through the gate first, then removes the invitation at
 * home: a crash in between leaves a member whose leftover invitation is ignored and tidied.
 */
async function answerInvitation(ctx: MessagingContext, actor: Subject, conversation: CachedConversation, accept: boolean): Promise<void> {
  if (!accept) {
    await dropInvitation(ctx, actor, conversation.id);
    return;
  }
  if (conversation.kind !== 'channel' && conversation.members.size >= maxGroupMembers) {
    throw new DomainError('GROUP_FULL', `a group has at most ${maxGroupMembers} members`);
  }
  const cell = ctx.cells.get(conversation.cellId);
  await authorizeWrite(ctx.transfers, { subject: actor, cell, ...membershipWrite });
  await cell.commits.run((trx) =>
    trx
      .insertInto('membership')
      .values({
        conversation_id: conversation.id,
        role: 'member',
        last_read_seq: 0,
        joined_at: new Date().toISOString(),
        request_from: null,
        ...personalColumns({ subject: actor, scope: { home: conversation.scopeHome, class: conversation.scopeClass }, category: categories.membership, cell }),
      })
      .onConflict((oc) => oc.columns(['conversation_id', 'subject_id']).doNothing())
      .execute(),
  );
  conversation.members.set(actor.id, { role: 'member', lastReadSeq: 0, requestFrom: null });
  await dropInvitation(ctx, actor, conversation.id);
  await systemMessage(ctx, conversation, actor, `join-${actor.id}-${Date.now()}`, `${actor.id} joined`);
  for (const recipient of liveRecipients(conversation)) {
    ctx.events.emit({
      type: 'membership',
      recipients: [recipient],
      conversationId: conversation.id,
      userId: actor.id,
      change: 'added',
      conversation: recipient === actor.id ? await view(ctx, conversation, actor.id) : null,
    });
  }
}
