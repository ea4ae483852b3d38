// Reporting a message: a member of a conversation points at a message someone else sent. This
// checks membership and finds the message; governance turns it into an abuse-report case.
import type { Subject } from '../cells/directory.js';
import { DomainError } from '../errors/catalogue.js';
import type { MessagingContext } from './messaging.context.js';

export interface ReportableMessage {
  messageId: string;
  sender: Subject;
  conversation: { id: string; scope: { home: string; class: Subject['class'] } };
}

export async function findReportableMessage(props: { ctx: MessagingContext; actor: Subject; conversationId: string; messageId: string }): Promise<ReportableMessage> {
  const { ctx, actor } = props;
  const conversation = await ctx.conversations.forMember(props.conversationId, actor.id);
  const row = await ctx.cells
    .get(conversation.cellId)
    .db.selectFrom('message')
    .select(['id', 'subject_id', 'kind'])
    .where('id', '=', props.messageId)
    .where('conversation_id', '=', conversation.id)
    .executeTakeFirst();
  if (!row) throw new DomainError('NOT_FOUND', 'no such message in this conversation');
  if (row.kind === 'system') throw new DomainError('VALIDATION_FAILED', 'system notices cannot be reported');
  if (row.subject_id === actor.id) throw new DomainError('VALIDATION_FAILED', 'you cannot report your own message');
  const sender = await ctx.directory.find(row.subject_id);
  if (!sender) throw new DomainError('NOT_FOUND', 'the sender of this message no longer exists');
  return { messageId: row.id, sender, conversation: { id: conversation.id, scope: { home: conversation.scopeHome, class: conversation.scopeClass } } };
}
