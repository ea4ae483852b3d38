// The sidebar's conversation list: title, a one-line preview of the last message, time and unread badge.
import type { Conversation, User } from './types.js';
import { formatListStamp, formatMoney, systemText, unreadCount } from './format.js';

interface ConversationListProps {
  conversations: Conversation[];
  activeId: string | null;
  users: Record<string, User>;
  meId: string;
  onOpen: (id: string) => void;
}

function preview(c: Conversation, users: Record<string, User>, meId: string): string {
  if (c.requestFrom) return `Message request from ${users[c.requestFrom]?.displayName ?? `@${c.requestFrom}`}`;
  const m = c.lastMessage;
  if (!m) return c.kind === 'channel' ? 'No announcements yet' : 'No messages yet';
  if (m.kind === 'system') return systemText(m, users, c, meId);
  const who = m.senderId === meId ? 'You: ' : c.kind === 'group' ? `${users[m.senderId]?.displayName ?? 'Someone'}: ` : '';
  if (m.kind === 'image') return `${who}Photo`;
  if (m.card) return `${who}${m.card.type === 'request' ? 'Money request' : m.card.type === 'payment' ? 'Payment' : `Request ${m.card.status}`} · ${formatMoney(m.card.amount, m.card.currency)}`;
  return `${who}${m.text ?? ''}`;
}

export function ConversationList({ conversations, activeId, users, meId, onOpen }: ConversationListProps) {
  if (conversations.length === 0) {
    return <p className="list-empty muted">No conversations yet.</p>;
  }
  return (
    <ul className="conversation-list" data-testid="conversation-list">
      {conversations.map((c) => {
        const unread = unreadCount(c);
        return (
          <li key={c.id}>
            <button
              type="button"
              className={c.id === activeId ? 'conversation-item is-active' : 'conversation-item'}
              aria-current={c.id === activeId ? 'true' : undefined}
              onClick={() => onOpen(c.id)}
              data-testid="conversation-item"
              data-conversation-id={c.id}
            >
              <span className="conversation-line">
                <span className="conversation-title" data-testid="conversation-title">
                  {c.kind === 'channel' && <span className="kind-tag">Official</span>}
                  {c.requestFrom && (
                    <span className="kind-tag kind-tag-request" data-testid="request-tag">
                      Request
                    </span>
                  )}
                  {c.title || 'Untitled chat'}
                </span>
                {c.lastMessage && <span className="conversation-time">{formatListStamp(c.lastMessage.createdAt)}</span>}
              </span>
              <span className="conversation-line">
                <span className={unread > 0 ? 'conversation-preview is-unread' : 'conversation-preview'} data-testid="conversation-preview">
                  {preview(c, users, meId)}
                </span>
                {unread > 0 && (
                  <span className="badge" data-testid="unread-badge" aria-label={`${unread} unread`}>
                    {unread > 99 ? '99+' : unread}
                  </span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
