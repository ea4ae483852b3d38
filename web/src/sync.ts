// The realtime sync's pure core: what a pushed event changes in the chat state and what it still
// needs from the server (a conversation we do not hold, a members list gone stale, the open chat to
// close), and what else the screen must fetch or mark read. Decided here, applied by useChatSync.
import type { RealtimeEvents } from './realtime.js';
import type { ChatAction, ChatState } from './store.js';

export interface MembershipPlan {
  actions: ChatAction[];
  /** We were removed: the conversation goes, and the chat closes if it is open. */
  left: boolean;
  /** We were added to a conversation the push did not describe: read it. */
  fetchConversation: boolean;
  /** Someone joined or left a conversation whose members we show: read them again. */
  reloadMembers: boolean;
}

export function planMembership(state: ChatState, ev: RealtimeEvents['membership']): MembershipPlan {
  if (ev.change === 'removed' && ev.userId === state.me.id) {
    return {
      actions: [{ type: 'conversationRemoved', conversationId: ev.conversationId }],
      left: true,
      fetchConversation: false,
      reloadMembers: false,
    };
  }
  return {
    actions: ev.conversation ? [{ type: 'conversation', conversation: ev.conversation }] : [],
    left: false,
    fetchConversation: !ev.conversation && ev.change === 'added',
    reloadMembers: state.members[ev.conversationId] !== undefined,
  };
}

/** A message for a conversation we do not hold (e.g. a new chat someone started): read the conversation. */
export function needsConversation(state: ChatState, conversationId: string): boolean {
  return state.conversations[conversationId] === undefined;
}

/**
 * Groups whose preview names a sender we do not know ("Ken: …"): their members are read once each.
 * `requested` holds the groups already asked for.
 */
export function groupsMissingSenders(state: ChatState, requested: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const c of Object.values(state.conversations)) {
    const sender = c.lastMessage?.senderId;
    if (c.kind !== 'group' || !sender || state.users[sender] || requested.has(c.id)) continue;
    out.push(c.id);
  }
  return out;
}

/** The seq to mark read in the open chat, when the page is visible and something is unread; else null. */
export function readUpTo(state: ChatState, conversationId: string | null, visible: boolean): number | null {
  if (!conversationId || !visible) return null;
  const c = state.conversations[conversationId];
  if (!c || c.lastSeq <= c.lastReadSeq) return null;
  return c.lastSeq;
}
