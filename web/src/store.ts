// The chat state and its pure reducer: conversations, per-conversation message timelines (unique by id,
// ordered by seq), members with their read positions, known users and messages still being sent (the
// outgoing queue's part, reduced by outgoing.ts). Pure so that HTTP pages, socket replays and live
// pushes can be merged in any order with one result.
import { outgoingReducer, type OutgoingAction, type PendingByConversation } from './outgoing.js';
import type { Conversation, Member, Message, User } from './types.js';

export interface Timeline {
  messages: Message[];
  /** Seq to ask for older messages with, or null once the beginning is reached. */
  nextBefore: number | null;
  loaded: boolean;
}

export interface ChatState {
  me: User;
  conversations: Record<string, Conversation>;
  timelines: Record<string, Timeline>;
  members: Record<string, Member[]>;
  users: Record<string, User>;
  pending: PendingByConversation;
}

export type ChatAction =
  | { type: 'me'; user: User }
  | { type: 'conversations'; conversations: Conversation[] }
  | { type: 'conversation'; conversation: Conversation }
  | { type: 'conversationRemoved'; conversationId: string }
  | { type: 'page'; conversationId: string; messages: Message[]; nextBefore: number | null; older: boolean }
  | { type: 'message'; message: Message }
  | { type: 'receipt'; conversationId: string; userId: string; seq: number }
  | { type: 'members'; conversationId: string; members: Member[] }
  | { type: 'users'; users: User[] }
  | { type: 'readLocal'; conversationId: string; seq: number }
  | OutgoingAction;

export function initialState(me: User): ChatState {
  return { me, conversations: {}, timelines: {}, members: {}, users: { [me.id]: me }, pending: {} };
}

/** Merges messages into a timeline, keeping it unique by id and ascending by seq. */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return existing;
  const ids = new Set(existing.map((m) => m.id));
  const fresh = incoming.filter((m) => {
    if (ids.has(m.id)) return false;
    ids.add(m.id);
    return true;
  });
  if (fresh.length === 0) return existing;
  const last = existing[existing.length - 1];
  // The common case is a live message newer than everything we hold: append without re-sorting.
  if (fresh.length === 1 && fresh[0] && (!last || fresh[0].seq > last.seq)) return [...existing, fresh[0]];
  return [...existing, ...fresh].sort((a, b) => a.seq - b.seq);
}

function activityOf(c: Conversation): string {
  return c.lastMessage?.createdAt ?? c.createdAt;
}

export function sortedConversations(state: ChatState): Conversation[] {
  return Object.values(state.conversations).sort((a, b) => activityOf(b).localeCompare(activityOf(a)));
}

function applyMessage(state: ChatState, message: Message): ChatState {
  const cid = message.conversationId;
  const timeline = state.timelines[cid];
  const timelines = timeline
    ? { ...state.timelines, [cid]: { ...timeline, messages: mergeMessages(timeline.messages, [message]) } }
    : state.timelines;
  const conv = state.conversations[cid];
  let conversations = state.conversations;
  if (conv) {
    const newer = message.seq >= conv.lastSeq;
    const mine = message.senderId === state.me.id;
    conversations = {
      ...conversations,
      [cid]: {
        ...conv,
        lastSeq: Math.max(conv.lastSeq, message.seq),
        lastMessage: newer ? message : conv.lastMessage,
        // Our own messages never count as unread.
        lastReadSeq: mine ? Math.max(conv.lastReadSeq, message.seq) : conv.lastReadSeq,
      },
    };
  }
  return { ...state, timelines, conversations };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'me':
      return { ...state, me: action.user, users: { ...state.users, [action.user.id]: action.user } };
    case 'conversations': {
      const conversations: Record<string, Conversation> = {};
      for (const c of action.conversations) {
        const prev = state.conversations[c.id];
        // A list fetched before a live push must not roll a conversation back.
        conversations[c.id] = prev && prev.lastSeq > c.lastSeq ? { ...c, lastSeq: prev.lastSeq, lastMessage: prev.lastMessage } : c;
      }
      return { ...state, conversations };
    }
    case 'conversation': {
      const prev = state.conversations[action.conversation.id];
      const c = action.conversation;
      const merged =
        prev && prev.lastSeq > c.lastSeq ? { ...c, lastSeq: prev.lastSeq, lastMessage: prev.lastMessage } : c;
      return { ...state, conversations: { ...state.conversations, [c.id]: merged } };
    }
    case 'conversationRemoved': {
      const conversations = { ...state.conversations };
      delete conversations[action.conversationId];
      return { ...state, conversations };
    }
    case 'page': {
      const prev = state.timelines[action.conversationId];
      const messages = mergeMessages(prev?.messages ?? [], action.messages);
      // An older page moves the "load earlier" point back; a first page only sets it if nothing is held yet.
      const nextBefore = action.older || !prev?.loaded ? action.nextBefore : prev.nextBefore;
      let next: ChatState = {
        ...state,
        timelines: { ...state.timelines, [action.conversationId]: { messages, nextBefore, loaded: true } },
      };
      const newest = messages[messages.length - 1];
      if (newest) next = applyMessage(next, newest);
      return next;
    }
    case 'message':
      return applyMessage(state, action.message);
    case 'receipt': {
      let next = state;
      const members = state.members[action.conversationId];
      if (members) {
        next = {
          ...next,
          members: {
            ...next.members,
            [action.conversationId]: members.map((m) =>
              m.id === action.userId ? { ...m, lastReadSeq: Math.max(m.lastReadSeq, action.seq) } : m,
            ),
          },
        };
      }
      const conv = next.conversations[action.conversationId];
      if (conv && action.userId === state.me.id && action.seq > conv.lastReadSeq) {
        next = {
          ...next,
          conversations: { ...next.conversations, [conv.id]: { ...conv, lastReadSeq: action.seq } },
        };
      }
      return next;
    }
    case 'readLocal': {
      const conv = state.conversations[action.conversationId];
      if (!conv || action.seq <= conv.lastReadSeq) return state;
      return {
        ...state,
        conversations: { ...state.conversations, [conv.id]: { ...conv, lastReadSeq: action.seq } },
      };
    }
    case 'members': {
      const users = { ...state.users };
      for (const m of action.members) users[m.id] = m;
      return { ...state, members: { ...state.members, [action.conversationId]: action.members }, users };
    }
    case 'users': {
      const users = { ...state.users };
      for (const u of action.users) users[u.id] = u;
      return { ...state, users };
    }
    case 'pendingDone':
      // The acknowledged message joins the timeline in the same step, so it never shows twice or not at all.
      return applyMessage({ ...state, pending: outgoingReducer(state.pending, action) }, action.message);
    case 'pendingAdd':
    case 'pendingFailed':
    case 'pendingRetry':
    case 'pendingDiscard':
      return { ...state, pending: outgoingReducer(state.pending, action) };
  }
}
