// Official accounts (municipalities, ministries, companies): a subject of class government or
// business with one channel that followers read. Government channels stay in their home cell.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import type { SubjectClass } from '../cells/placement.js';
import { DomainError } from '../errors/catalogue.js';
import { findAccount, signUp } from './account.service.js';
import { addMember, createConversation, removeMember } from './conversation.service.js';
import { sendMessage } from './message.service.js';
import type { MessagingContext } from './messaging.context.js';
import { categories, cellFor } from '../cells/records.js';
import type { MessageView } from './presenters.js';

export interface OfficialAccountView {
  id: string;
  handle: string;
  displayName: string;
  class: SubjectClass;
  home: string;
  followerCount: number;
  following: boolean;
  channelId: string | null;
}

export async function createOfficialAccount(props: {
  ctx: MessagingContext;
  handle: string;
  displayName: string;
  home: string;
  class: 'government' | 'business';
  password: string;
}): Promise<{ id: string; channelId: string; token: string }> {
  const signedIn = await signUp({ ctx: props.ctx, handle: props.handle, displayName: props.displayName, password: props.password, home: props.home, kind: 'official', class: props.class });
  const actor = await props.ctx.directory.get(signedIn.user.id);
  const { conversation } = await createConversation({ ctx: props.ctx, actor, kind: 'channel', memberIds: [], title: props.displayName });
  return { id: actor.id, channelId: conversation.id, token: signedIn.token };
}

async function channelOf(cells: CellRegistry, account: Subject): Promise<string | null> {
  const cell = cellFor(cells, { home: account.home, class: account.class }, categories.conversation);
  const row = await cell.db
    .selectFrom('conversation')
    .select('id')
    .where('owner_id', '=', account.id)
    .where('kind', '=', 'channel')
    .executeTakeFirst();
  return row?.id ?? null;
}

async function officialSubject(ctx: MessagingContext, id: string): Promise<Subject> {
  const subject = await ctx.directory.find(id);
  if (!subject || subject.kind !== 'official') throw new DomainError('NOT_FOUND', `no official account "${id}"`);
  return subject;
}

export async function listOfficialAccounts(props: { ctx: MessagingContext; actor: Subject }): Promise<OfficialAccountView[]> {
  const out: OfficialAccountView[] = [];
  for (const subject of await props.ctx.directory.listByKind('official')) {
    const account = await findAccount(props.ctx.cells, subject).catch(() => null);
    if (!account) continue;
    const channelId = await channelOf(props.ctx.cells, subject);
    const channel = channelId ? await props.ctx.conversations.find(channelId) : null;
    out.push({
      id: subject.id,
      handle: account.handle,
      displayName: account.display_name,
      class: subject.class,
      home: subject.home,
      followerCount: channel ? [...channel.members.values()].filter((m) => m.role === 'reader').length : 0,
      following: channel?.members.has(props.actor.id) ?? false,
      channelId,
    });
  }
  return out;
}

async function requireChannel(ctx: MessagingContext, accountId: string): Promise<string> {
  const channelId = await channelOf(ctx.cells, await officialSubject(ctx, accountId));
  if (!channelId) throw new DomainError('NOT_FOUND', 'this official account has no channel yet');
  return channelId;
}

export async function follow(props: { ctx: MessagingContext; actor: Subject; accountId: string }): Promise<void> {
  const channelId = await requireChannel(props.ctx, props.accountId);
  await addMember({ ctx: props.ctx, actor: props.actor, conversationId: channelId, userId: props.actor.id, asReader: true });
}

export async function unfollow(props: { ctx: MessagingContext; actor: Subject; accountId: string }): Promise<void> {
  const channelId = await requireChannel(props.ctx, props.accountId);
  const channel = await props.ctx.conversations.find(channelId);
  if (!channel?.members.has(props.actor.id)) return;
  if (channel.members.get(props.actor.id)?.role === 'owner') throw new DomainError('FORBIDDEN', 'an account cannot unfollow itself');
  await removeMember({ ctx: props.ctx, actor: props.actor, conversationId: channelId, userId: props.actor.id });
}

export async function broadcast(props: { ctx: MessagingContext; actor: Subject; accountId: string; clientId: string; text: string }): Promise<MessageView> {
  if (props.actor.id !== props.accountId) throw new DomainError('FORBIDDEN', 'only the official account itself can broadcast');
  const channelId = await requireChannel(props.ctx, props.accountId);
  return sendMessage({ ctx: props.ctx, actor: props.actor, conversationId: channelId, clientId: props.clientId, text: props.text });
}
