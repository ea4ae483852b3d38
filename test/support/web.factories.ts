// Factories for the browser app's unit tests (web/src/**/*.test.ts): people, conversations, messages
// and members in the shapes the API sends, each overridable per test.
import type { Conversation, Member, Message, User } from '../../web/src/types.js';

export function aUser(overrides: Partial<User> = {}): User {
  const id = overrides.id ?? 'hanako';
  return { id, handle: id, displayName: 'Hanako Yamada', home: 'JP', kind: 'user', class: 'consumer', hasAvatar: false, ...overrides };
}

export function aMember(overrides: Partial<Member> = {}): Member {
  return { ...aUser(overrides), role: 'member', lastReadSeq: 0, ...overrides };
}

export function aMessage(overrides: Partial<Message> = {}): Message {
  const seq = overrides.seq ?? 1;
  return {
    id: `m-${overrides.conversationId ?? 'c1'}-${seq}`,
    conversationId: 'c1',
    seq,
    senderId: 'taro',
    kind: 'text',
    text: `message ${seq}`,
    media: null,
    card: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 9, 0, seq)).toISOString(),
    ...overrides,
  };
}

export function aConversation(overrides: Partial<Conversation> = {}): Conversation {
  const storedIn = { cell: 'jp', jurisdiction: 'JP', country: 'Japan' };
  return {
    id: 'c1',
    kind: 'direct',
    title: 'Taro Suzuki',
    memberCount: 2,
    storedIn,
    imagesStoredIn: storedIn,
    lastSeq: 0,
    lastReadSeq: 0,
    lastMessage: null,
    requestFrom: null,
    createdAt: '2026-01-01T08:00:00.000Z',
    ...overrides,
  };
}
