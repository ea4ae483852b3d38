import { describe, expect, it } from 'vitest';
import { aConversation, aMember, aMessage, aUser } from '../../test/support/web.factories.js';
import { chatReducer, initialState, sortedConversations, type ChatAction, type ChatState } from './store.js';
import { pendingMessage } from './outgoing.js';

const me = aUser({ id: 'hanako' });

function run(actions: ChatAction[], state: ChatState = initialState(me)): ChatState {
  return actions.reduce(chatReducer, state);
}

describe('chatReducer', () => {
  it('keeps a timeline unique by id and ordered by seq whatever order pages, replays and pushes arrive in', () => {
    const [m1, m2, m3] = [1, 2, 3].map((seq) => aMessage({ seq }));
    const opened = run([
      { type: 'conversation', conversation: aConversation() },
      { type: 'page', conversationId: 'c1', messages: [m2!], nextBefore: 2, older: false },
    ]);
    const orders: ChatAction[][] = [
      [{ type: 'message', message: m3! }, { type: 'message', message: m3! }, { type: 'page', conversationId: 'c1', messages: [m1!], nextBefore: null, older: true }],
      [{ type: 'page', conversationId: 'c1', messages: [m1!, m2!], nextBefore: null, older: true }, { type: 'message', message: m3! }, { type: 'message', message: m2! }],
    ];
    for (const actions of orders) {
      const state = run(actions, opened);
      expect(state.timelines['c1']?.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(state.timelines['c1']?.nextBefore).toBeNull();
      expect(state.conversations['c1']?.lastSeq).toBe(3);
      expect(state.conversations['c1']?.lastMessage?.id).toBe(m3!.id);
    }
  });

  it('does not let a list read before a live push roll a conversation back', () => {
    const pushed = aMessage({ seq: 5 });
    const state = run([
      { type: 'conversation', conversation: aConversation({ lastSeq: 4 }) },
      { type: 'message', message: pushed },
      { type: 'conversations', conversations: [aConversation({ lastSeq: 4 })] },
    ]);
    expect(state.conversations['c1']?.lastSeq).toBe(5);
    expect(state.conversations['c1']?.lastMessage?.id).toBe(pushed.id);
  });

  it('counts other people’s messages as unread, never the person’s own', () => {
    const state = run([
      { type: 'conversation', conversation: aConversation() },
      { type: 'message', message: aMessage({ seq: 1, senderId: 'taro' }) },
      { type: 'message', message: aMessage({ seq: 2, senderId: 'hanako' }) },
    ]);
    expect(state.conversations['c1']?.lastReadSeq).toBe(2);
    const other = run([{ type: 'message', message: aMessage({ seq: 3, senderId: 'taro' }) }], state);
    expect(other.conversations['c1']?.lastReadSeq).toBe(2);
    expect(other.conversations['c1']?.lastSeq).toBe(3);
  });

  it('applies read receipts to members, and the person’s own receipt from another device to the conversation', () => {
    const state = run([
      { type: 'conversation', conversation: aConversation({ lastSeq: 6 }) },
      { type: 'members', conversationId: 'c1', members: [aMember({ id: 'hanako' }), aMember({ id: 'taro', lastReadSeq: 2 })] },
      { type: 'receipt', conversationId: 'c1', userId: 'taro', seq: 5 },
      { type: 'receipt', conversationId: 'c1', userId: 'taro', seq: 3 },
      { type: 'receipt', conversationId: 'c1', userId: 'hanako', seq: 6 },
    ]);
    expect(state.members['c1']?.find((m) => m.id === 'taro')?.lastReadSeq).toBe(5);
    expect(state.conversations['c1']?.lastReadSeq).toBe(6);
    expect(state.users['taro']).toBeDefined();
  });

  it('replaces an acknowledged send by the durable message in one step', () => {
    const pending = pendingMessage({ clientId: 'k1', kind: 'text', text: 'hello', previewUrl: null });
    const message = aMessage({ seq: 1, senderId: 'hanako', text: 'hello' });
    const sending = run([
      { type: 'conversation', conversation: aConversation() },
      { type: 'page', conversationId: 'c1', messages: [], nextBefore: null, older: false },
      { type: 'pendingAdd', conversationId: 'c1', pending },
    ]);
    expect(sending.pending['c1']).toHaveLength(1);
    const done = run([{ type: 'pendingDone', conversationId: 'c1', clientId: 'k1', message }], sending);
    expect(done.pending['c1']).toEqual([]);
    expect(done.timelines['c1']?.messages).toEqual([message]);
    expect(done.conversations['c1']?.lastMessage).toEqual(message);
  });

  it('sorts conversations by their latest activity', () => {
    const state = run([
      { type: 'conversations', conversations: [aConversation({ id: 'old', createdAt: '2026-01-01T00:00:00Z' }), aConversation({ id: 'new', createdAt: '2026-01-02T00:00:00Z' })] },
      { type: 'message', message: aMessage({ conversationId: 'old', seq: 1, createdAt: '2026-01-03T00:00:00Z' }) },
    ]);
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['old', 'new']);
  });
});
