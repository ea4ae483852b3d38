import { describe, expect, it } from 'vitest';
import { aConversation, aMember, aMessage, aUser } from '../../test/support/web.factories.js';
import { chatReducer, initialState, type ChatState } from './store.js';
import { groupsMissingSenders, needsConversation, planMembership, readUpTo } from './sync.js';

function stateWith(actions: Parameters<typeof chatReducer>[1][]): ChatState {
  return actions.reduce(chatReducer, initialState(aUser({ id: 'hanako' })));
}

describe('realtime sync', () => {
  it('drops a conversation the person was removed from and closes it', () => {
    const state = stateWith([{ type: 'conversation', conversation: aConversation() }]);
    const plan = planMembership(state, { conversationId: 'c1', userId: 'hanako', change: 'removed', conversation: null });
    expect(plan).toEqual({ actions: [{ type: 'conversationRemoved', conversationId: 'c1' }], left: true, fetchConversation: false, reloadMembers: false });
  });

  it('reads a conversation the person was added to when the push does not carry it', () => {
    const plan = planMembership(stateWith([]), { conversationId: 'c2', userId: 'hanako', change: 'added', conversation: null });
    expect(plan).toMatchObject({ actions: [], left: false, fetchConversation: true, reloadMembers: false });
  });

  it('applies a pushed conversation and re-reads members only where they are shown', () => {
    const conversation = aConversation({ kind: 'group', memberCount: 3 });
    const shown = stateWith([{ type: 'members', conversationId: 'c1', members: [aMember({ id: 'hanako' })] }]);
    const ev = { conversationId: 'c1', userId: 'ken', change: 'added' as const, conversation };
    expect(planMembership(shown, ev)).toEqual({ actions: [{ type: 'conversation', conversation }], left: false, fetchConversation: false, reloadMembers: true });
    expect(planMembership(stateWith([]), ev).reloadMembers).toBe(false);
  });

  it('asks for an unknown conversation and for the members of groups whose last sender is unknown, once', () => {
    const state = stateWith([
      { type: 'conversation', conversation: aConversation({ id: 'g1', kind: 'group', lastMessage: aMessage({ conversationId: 'g1', senderId: 'ken' }) }) },
      { type: 'conversation', conversation: aConversation({ id: 'g2', kind: 'group', lastMessage: aMessage({ conversationId: 'g2', senderId: 'hanako' }) }) },
      { type: 'conversation', conversation: aConversation({ id: 'd1', lastMessage: aMessage({ conversationId: 'd1', senderId: 'ken' }) }) },
    ]);
    expect(needsConversation(state, 'g1')).toBe(false);
    expect(needsConversation(state, 'zz')).toBe(true);
    expect(groupsMissingSenders(state, new Set())).toEqual(['g1']);
    expect(groupsMissingSenders(state, new Set(['g1']))).toEqual([]);
  });

  it('marks the open chat read up to its last message only while the page is visible', () => {
    const state = stateWith([{ type: 'conversation', conversation: aConversation({ lastSeq: 7, lastReadSeq: 4 }) }]);
    expect(readUpTo(state, 'c1', true)).toBe(7);
    expect(readUpTo(state, 'c1', false)).toBeNull();
    expect(readUpTo(state, null, true)).toBeNull();
    const read = chatReducer(state, { type: 'readLocal', conversationId: 'c1', seq: 7 });
    expect(readUpTo(read, 'c1', true)).toBeNull();
  });
});
