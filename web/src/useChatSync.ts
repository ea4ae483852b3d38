// The chat's realtime sync as a React hook: owns the chat state, the realtime client (its socket and
// resume cursors) and the HTTP reads around it — the first list before the socket's hello, pages of
// messages, members, contacts — and applies each pushed event through sync.ts. Also the open chat's
// first page and read position (useOpenConversation).
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type Dispatch, type RefObject } from 'react';
import { api, tokenStore } from './api.js';
import { errorMessage } from './http.js';
import { defaultSocketUrl, RealtimeClient, type ConnectionStatus } from './realtime.js';
import { chatReducer, initialState, type ChatAction, type ChatState } from './store.js';
import { groupsMissingSenders, needsConversation, planMembership, readUpTo } from './sync.js';
import type { Conversation, User } from './types.js';

export interface ChatSync {
  state: ChatState;
  /** The latest state for callbacks that must not re-subscribe on every change. */
  stateRef: RefObject<ChatState>;
  dispatch: Dispatch<ChatAction>;
  rt: RealtimeClient;
  connection: ConnectionStatus;
  loadError: string | null;
  /** Clears the error and reads the conversation list again. */
  retryLoad: () => void;
  /** Shows a failed read where the list's load error shows. */
  reportError: (message: string) => void;
  contacts: User[];
  setContacts: (list: User[]) => void;
  fetchConversation: (id: string) => void;
  loadMembers: (conversationId: string) => void;
  loadOlder: (conversationId: string) => Promise<void>;
  /** Holds a conversation the person opened or created, resuming its events from its last seq. */
  hold: (c: Conversation) => void;
  /** Drops a conversation the person left (unfollowed): no more events are asked for it. */
  drop: (conversationId: string) => void;
}

interface ChatSyncProps {
  me: User;
  onSessionExpired: () => void;
  /** We were removed from a conversation (the screen closes it if open). */
  onLeft: (conversationId: string) => void;
}

export function useChatSync({ me, onSessionExpired, onLeft }: ChatSyncProps): ChatSync {
  const [state, dispatch] = useReducer(chatReducer, me, initialState);
  const [connection, setConnection] = useState<ConnectionStatus>('connecting');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [contacts, setContactList] = useState<User[]>([]);
  const rt = useMemo(() => new RealtimeClient({ url: defaultSocketUrl(), getToken: () => tokenStore.get() }), []);
  const stateRef = useRef(state);
  const fetching = useRef(new Set<string>());
  const onLeftRef = useRef(onLeft);
  useEffect(() => {
    stateRef.current = state;
    onLeftRef.current = onLeft;
  });

  const fetchConversation = useCallback(
    (id: string) => {
      if (fetching.current.has(id)) return;
      fetching.current.add(id);
      api
        .conversation(id)
        .then(
          (c) => {
            dispatch({ type: 'conversation', conversation: c });
            rt.setCursor(c.id, c.lastSeq);
          },
          () => undefined,
        )
        .finally(() => fetching.current.delete(id));
    },
    [rt],
  );

  const loadConversations = useCallback(async () => {
    const { conversations } = await api.conversations();
    dispatch({ type: 'conversations', conversations });
    for (const c of conversations) rt.setCursor(c.id, c.lastSeq);
  }, [rt]);

  const loadMembers = useCallback((conversationId: string) => {
    api.members(conversationId).then(
      ({ members }) => dispatch({ type: 'members', conversationId, members }),
      () => undefined,
    );
  }, []);

  // Bootstrap: list first, so the socket's hello carries a cursor per conversation and nothing sent
  // between the two requests is lost.
  useEffect(() => {
    let cancelled = false;
    let readyCount = 0;
    const offs = [
      rt.on('status', setConnection),
      rt.on('ready', (user) => {
        dispatch({ type: 'me', user });
        // Membership changes are not replayed, so after a reconnect re-read the list.
        if (readyCount++ > 0) loadConversations().catch(() => undefined);
      }),
      rt.on('message', (message) => {
        dispatch({ type: 'message', message });
        if (needsConversation(stateRef.current, message.conversationId)) fetchConversation(message.conversationId);
      }),
      rt.on('receipt', (r) => dispatch({ type: 'receipt', ...r })),
      rt.on('membership', (ev) => {
        const plan = planMembership(stateRef.current, ev);
        plan.actions.forEach(dispatch);
        if (plan.left) onLeftRef.current(ev.conversationId);
        if (plan.fetchConversation) fetchConversation(ev.conversationId);
        if (plan.reloadMembers) loadMembers(ev.conversationId);
      }),
      rt.on('authFailed', onSessionExpired),
    ];
    loadConversations().then(
      () => {
        if (!cancelled) rt.start();
      },
      (err: unknown) => {
        if (cancelled) return;
        setLoadError(errorMessage(err));
        rt.start();
      },
    );
    api.contacts().then(
      ({ contacts: list }) => {
        if (cancelled) return;
        setContactList(list);
        dispatch({ type: 'users', users: list });
      },
      () => undefined,
    );
    const online = () => rt.nudge();
    window.addEventListener('online', online);
    return () => {
      cancelled = true;
      window.removeEventListener('online', online);
      offs.forEach((off) => off());
      rt.stop();
    };
  }, [rt, loadConversations, fetchConversation, loadMembers, onSessionExpired]);

  // Group previews name the sender ("Ken: …"); fetch members of groups whose last sender is unknown.
  const membersRequested = useRef(new Set<string>());
  useEffect(() => {
    for (const id of groupsMissingSenders(state, membersRequested.current)) {
      membersRequested.current.add(id);
      loadMembers(id);
    }
  }, [state, loadMembers]);

  const loadOlder = useCallback(
    async (conversationId: string) => {
      const before = stateRef.current.timelines[conversationId]?.nextBefore;
      if (before === null || before === undefined) return;
      const page = await api.messages(conversationId, { before, limit: 50 });
      for (const m of page.messages) rt.markSeen(m);
      dispatch({ type: 'page', conversationId, messages: page.messages, nextBefore: page.nextBefore, older: true });
    },
    [rt],
  );

  const retryLoad = useCallback(() => {
    setLoadError(null);
    loadConversations().catch((err: unknown) => setLoadError(errorMessage(err)));
  }, [loadConversations]);

  const setContacts = useCallback((list: User[]) => {
    setContactList(list);
    dispatch({ type: 'users', users: list });
  }, []);

  const hold = useCallback(
    (c: Conversation) => {
      dispatch({ type: 'conversation', conversation: c });
      rt.setCursor(c.id, c.lastSeq);
    },
    [rt],
  );

  const drop = useCallback(
    (conversationId: string) => {
      dispatch({ type: 'conversationRemoved', conversationId });
      rt.forget(conversationId);
    },
    [rt],
  );

  return {
    state,
    stateRef,
    dispatch,
    rt,
    connection,
    loadError,
    retryLoad,
    reportError: setLoadError,
    contacts,
    setContacts,
    fetchConversation,
    loadMembers,
    loadOlder,
    hold,
    drop,
  };
}

/**
 * The open chat: its first page of messages, its members (names and read positions), the
 * conversation itself if it was opened from elsewhere (an official account's channel), and reading —
 * whatever is on screen while the tab is visible counts as read.
 */
export function useOpenConversation(sync: ChatSync, activeId: string | null, visible: boolean): void {
  const { stateRef, dispatch, rt, fetchConversation, loadMembers, reportError } = sync;

  // An invitation to a conversation stored abroad: nothing to read (or mark read) until the person
  // has joined; the membership push that follows the join flips this and loads the chat.
  const active = activeId ? sync.state.conversations[activeId] : undefined;
  const invited = active !== undefined && active.requestFrom !== null && active.storedIn.jurisdiction !== sync.state.me.home;

  useEffect(() => {
    if (!activeId) return;
    if (needsConversation(stateRef.current, activeId)) fetchConversation(activeId);
    if (invited) return;
    if (!stateRef.current.timelines[activeId]?.loaded) {
      api.messages(activeId, { limit: 50 }).then(
        (page) => {
          for (const m of page.messages) rt.markSeen(m);
          dispatch({ type: 'page', conversationId: activeId, messages: page.messages, nextBefore: page.nextBefore, older: false });
        },
        (err: unknown) => reportError(errorMessage(err)),
      );
    }
    loadMembers(activeId);
  }, [activeId, invited, rt, stateRef, dispatch, fetchConversation, loadMembers, reportError]);

  const upTo = invited ? null : readUpTo(sync.state, activeId, visible);
  useEffect(() => {
    if (!activeId || upTo === null) return;
    dispatch({ type: 'readLocal', conversationId: activeId, seq: upTo });
    if (!rt.read(activeId, upTo)) api.markRead(activeId, upTo).catch(() => undefined);
  }, [activeId, upTo, rt, dispatch]);
}
