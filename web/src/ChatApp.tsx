// The signed-in app: owns the chat state, wires the realtime client into it, and lays out the sidebar
// (conversations, contacts, official accounts, own profile) beside the right pane (open chat, new chat,
// profile). Sending goes over the socket when it is live and falls back to HTTP with the same clientId.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { api, newClientId, tokenStore } from './api.js';
import { errorMessage } from './http.js';
import { BrandMark } from './BrandMark.js';
import { Avatar } from './Avatar.js';
import { ChatPane } from './ChatPane.js';
import { ContactsPanel } from './ContactsPanel.js';
import { ConversationList } from './ConversationList.js';
import { countryName, unreadCount } from './format.js';
import { NewChatPane } from './NewChatPane.js';
import { consentRequiredOf, NoticeDialog } from './NoticeDialog.js';
import { OfficialAccountsPanel } from './OfficialAccountsPanel.js';
import { PrivacyPane } from './PrivacyPane.js';
import { ProfilePane } from './ProfilePane.js';
import { defaultSocketUrl, RealtimeClient, RealtimeError, type ConnectionStatus } from './realtime.js';
import { chatReducer, initialState, sortedConversations } from './store.js';
import type { ConsentRequired, Conversation, Message, User } from './types.js';

type View = { kind: 'none' } | { kind: 'chat'; id: string } | { kind: 'new' } | { kind: 'profile' } | { kind: 'privacy' };

/** A notice to show before sends that need consent, and the sends (by clientId) waiting on it. */
interface ConsentPrompt {
  request: ConsentRequired;
  clientIds: string[];
}
type Tab = 'chats' | 'contacts' | 'official';

/** What a pending send still needs, kept outside React state because a File is not plain data. */
type Outgoing =
  | { conversationId: string; kind: 'text'; text: string }
  | { conversationId: string; kind: 'image'; file: File; mediaId: string | null; previewUrl: string };

function release(item: Outgoing | undefined): void {
  // The local preview is only needed until the server's copy is shown (or the send is discarded).
  if (item?.kind === 'image') URL.revokeObjectURL(item.previewUrl);
}

/** Failures of the socket itself: the same send is retried over HTTP. Anything else is the server's answer. */
const TRANSPORT_CODES = new Set(['NOT_CONNECTED', 'ACK_TIMEOUT', 'DISCONNECTED', 'STOPPED']);
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

interface ChatAppProps {
  me: User;
  onSignOut: () => void;
  onSessionExpired: () => void;
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

export function ChatApp({ me, onSignOut, onSessionExpired }: ChatAppProps) {
  const [state, dispatch] = useReducer(chatReducer, me, initialState);
  const [view, setView] = useState<View>({ kind: 'none' });
  const [tab, setTab] = useState<Tab>('chats');
  const [connection, setConnection] = useState<ConnectionStatus>('connecting');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [contacts, setContacts] = useState<User[]>([]);
  const [avatarVersion, setAvatarVersion] = useState(0);
  const [consentPrompt, setConsentPrompt] = useState<ConsentPrompt | null>(null);
  const visible = usePageVisible();

  const rt = useMemo(() => new RealtimeClient({ url: defaultSocketUrl(), getToken: () => tokenStore.get() }), []);
  const stateRef = useRef(state);
  const outgoing = useRef(new Map<string, Outgoing>());
  const fetchingConversations = useRef(new Set<string>());
  useEffect(() => {
    stateRef.current = state;
  }, [state]);

  const fetchConversation = useCallback(
    (id: string) => {
      if (fetchingConversations.current.has(id)) return;
      fetchingConversations.current.add(id);
      api
        .conversation(id)
        .then(
          (c) => {
            dispatch({ type: 'conversation', conversation: c });
            rt.setCursor(c.id, c.lastSeq);
          },
          () => undefined,
        )
        .finally(() => fetchingConversations.current.delete(id));
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
      rt.on('message', (message: Message) => {
        dispatch({ type: 'message', message });
        if (!stateRef.current.conversations[message.conversationId]) fetchConversation(message.conversationId);
      }),
      rt.on('receipt', (r) => dispatch({ type: 'receipt', ...r })),
      rt.on('membership', (ev) => {
        if (ev.change === 'removed' && ev.userId === stateRef.current.me.id) {
          dispatch({ type: 'conversationRemoved', conversationId: ev.conversationId });
          setView((v) => (v.kind === 'chat' && v.id === ev.conversationId ? { kind: 'none' } : v));
          return;
        }
        if (ev.conversation) dispatch({ type: 'conversation', conversation: ev.conversation });
        else if (ev.change === 'added') fetchConversation(ev.conversationId);
        if (stateRef.current.members[ev.conversationId]) loadMembers(ev.conversationId);
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
        setContacts(list);
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
    for (const c of Object.values(state.conversations)) {
      const sender = c.lastMessage?.senderId;
      if (c.kind !== 'group' || !sender || state.users[sender] || membersRequested.current.has(c.id)) continue;
      membersRequested.current.add(c.id);
      loadMembers(c.id);
    }
  }, [state.conversations, state.users, loadMembers]);

  const activeId = view.kind === 'chat' ? view.id : null;
  const active = activeId ? state.conversations[activeId] : undefined;

  // Opening a chat: first page of messages, its members (names and read positions), and the
  // conversation itself if it was opened from elsewhere (e.g. an official account's channel).
  useEffect(() => {
    if (!activeId) return;
    if (!stateRef.current.conversations[activeId]) fetchConversation(activeId);
    if (!stateRef.current.timelines[activeId]?.loaded) {
      api.messages(activeId, { limit: 50 }).then(
        (page) => {
          for (const m of page.messages) rt.markSeen(m);
          dispatch({
            type: 'page',
            conversationId: activeId,
            messages: page.messages,
            nextBefore: page.nextBefore,
            older: false,
          });
        },
        (err: unknown) => setLoadError(errorMessage(err)),
      );
    }
    loadMembers(activeId);
  }, [activeId, rt, fetchConversation, loadMembers]);

  // Reading: whatever is on screen while the tab is visible counts as read.
  const activeLastSeq = active?.lastSeq ?? 0;
  const activeReadSeq = active?.lastReadSeq ?? 0;
  useEffect(() => {
    if (!activeId || !visible || activeLastSeq <= activeReadSeq) return;
    dispatch({ type: 'readLocal', conversationId: activeId, seq: activeLastSeq });
    if (!rt.read(activeId, activeLastSeq)) api.markRead(activeId, activeLastSeq).catch(() => undefined);
  }, [activeId, activeLastSeq, activeReadSeq, visible, rt]);

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

  const deliver = useCallback(
    async (clientId: string) => {
      const item = outgoing.current.get(clientId);
      if (!item) return;
      const { conversationId } = item;
      try {
        let content: { text: string } | { mediaId: string };
        if (item.kind === 'image') {
          if (!item.mediaId) item.mediaId = (await api.uploadMedia(conversationId, item.file)).id;
          content = { mediaId: item.mediaId };
        } else {
          content = { text: item.text };
        }
        const conv = stateRef.current.conversations[conversationId];
        let message: Message;
        if (conv?.kind === 'channel' && 'text' in content) {
          message = await api.broadcast(stateRef.current.me.id, clientId, content.text);
        } else {
          try {
            message = await rt.send(conversationId, clientId, content);
          } catch (err) {
            if (!(err instanceof RealtimeError) || !TRANSPORT_CODES.has(err.code)) throw err;
            message =
              'text' in content
                ? await api.sendText(conversationId, clientId, content.text)
                : await api.sendMedia(conversationId, clientId, content.mediaId);
          }
        }
        rt.markSeen(message);
        outgoing.current.delete(clientId);
        dispatch({ type: 'pendingDone', conversationId, clientId, message });
        release(item);
      } catch (err) {
        const needed = consentRequiredOf(err);
        if (needed) {
          // Nothing was written abroad; the message waits (as not sent) until the person has read the notice.
          const where = countryName(needed.destination ?? '') || 'another country';
          dispatch({
            type: 'pendingFailed',
            conversationId,
            clientId,
            error: `Not sent: storing it in ${where} needs your consent. Retry to read the notice.`,
          });
          setConsentPrompt((prev) => {
            if (!prev) return { request: needed, clientIds: [clientId] };
            if (prev.request.noticeId !== needed.noticeId || prev.clientIds.includes(clientId)) return prev;
            return { ...prev, clientIds: [...prev.clientIds, clientId] };
          });
          return;
        }
        dispatch({ type: 'pendingFailed', conversationId, clientId, error: errorMessage(err) });
      }
    },
    [rt],
  );

  const sendText = useCallback(
    (conversationId: string, text: string) => {
      const clientId = newClientId();
      outgoing.current.set(clientId, { conversationId, kind: 'text', text });
      dispatch({
        type: 'pendingAdd',
        conversationId,
        pending: {
          clientId,
          kind: 'text',
          text,
          previewUrl: null,
          status: 'sending',
          error: null,
          createdAt: new Date().toISOString(),
        },
      });
      void deliver(clientId);
    },
    [deliver],
  );

  const sendImage = useCallback(
    (conversationId: string, file: File): string | null => {
      if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return 'Choose a PNG, JPEG, GIF or WebP image.';
      if (file.size > MAX_IMAGE_BYTES) return 'Images can be at most 10 MB.';
      const clientId = newClientId();
      const previewUrl = URL.createObjectURL(file);
      outgoing.current.set(clientId, { conversationId, kind: 'image', file, mediaId: null, previewUrl });
      dispatch({
        type: 'pendingAdd',
        conversationId,
        pending: {
          clientId,
          kind: 'image',
          text: file.name,
          previewUrl,
          status: 'sending',
          error: null,
          createdAt: new Date().toISOString(),
        },
      });
      void deliver(clientId);
      return null;
    },
    [deliver],
  );

  const retry = useCallback(
    (conversationId: string, clientId: string) => {
      dispatch({ type: 'pendingRetry', conversationId, clientId });
      void deliver(clientId);
    },
    [deliver],
  );

  const consentGiven = useCallback(() => {
    const prompt = consentPrompt;
    setConsentPrompt(null);
    if (!prompt) return;
    // Resend with the same clientIds: the server treats them idempotently.
    for (const clientId of prompt.clientIds) {
      const item = outgoing.current.get(clientId);
      if (item) retry(item.conversationId, clientId);
    }
  }, [consentPrompt, retry]);

  const discard = useCallback((conversationId: string, clientId: string) => {
    release(outgoing.current.get(clientId));
    outgoing.current.delete(clientId);
    dispatch({ type: 'pendingDiscard', conversationId, clientId });
  }, []);

  const openConversation = useCallback(
    (c: Conversation) => {
      dispatch({ type: 'conversation', conversation: c });
      rt.setCursor(c.id, c.lastSeq);
      setTab('chats');
      setView({ kind: 'chat', id: c.id });
    },
    [rt],
  );

  const conversations = sortedConversations(state);
  const totalUnread = conversations.reduce((n, c) => n + unreadCount(c), 0);
  const paneOpen = view.kind !== 'none';

  return (
    <div className={paneOpen ? 'app pane-open' : 'app'} data-testid="chat-app">
      <aside className="sidebar" aria-label="Conversations and contacts">
        <header className="sidebar-header">
          <div className="brand">
            <BrandMark />
            <span>Domicile</span>
          </div>
          <ConnectionIndicator status={connection} />
        </header>
        <button
          type="button"
          className={view.kind === 'profile' ? 'me-card is-active' : 'me-card'}
          onClick={() => setView({ kind: 'profile' })}
          data-testid="open-profile"
        >
          <Avatar user={state.me} version={avatarVersion} />
          <span className="me-text">
            <span className="me-name" data-testid="me-name">
              {state.me.displayName}
            </span>
            <span className="muted small">
              @{state.me.handle} · home {countryName(state.me.home)}
            </span>
          </span>
        </button>
        <button
          type="button"
          className={view.kind === 'privacy' ? 'privacy-link is-active' : 'privacy-link'}
          onClick={() => setView({ kind: 'privacy' })}
          data-testid="open-privacy"
        >
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M12 2 4 5v6c0 5 3.4 9.5 8 11 4.6-1.5 8-6 8-11V5l-8-3zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6z" fill="currentColor" />
          </svg>
          Privacy centre
        </button>
        <nav className="tabs" aria-label="Sections">
          <TabButton tab="chats" current={tab} onSelect={setTab} label="Chats" badge={totalUnread} />
          <TabButton tab="contacts" current={tab} onSelect={setTab} label="Contacts" />
          <TabButton tab="official" current={tab} onSelect={setTab} label="Official" />
        </nav>
        <div className="sidebar-body">
          {loadError && (
            <div className="banner banner-error" role="alert">
              <span>{loadError}</span>
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setLoadError(null);
                  loadConversations().catch((err: unknown) => setLoadError(errorMessage(err)));
                }}
              >
                Retry
              </button>
            </div>
          )}
          {tab === 'chats' && (
            <>
              <div className="sidebar-actions">
                <button
                  type="button"
                  className="button button-primary button-block"
                  onClick={() => setView({ kind: 'new' })}
                  data-testid="new-chat"
                >
                  New chat
                </button>
              </div>
              <ConversationList
                conversations={conversations}
                activeId={activeId}
                users={state.users}
                meId={state.me.id}
                onOpen={(id) => setView({ kind: 'chat', id })}
              />
            </>
          )}
          {tab === 'contacts' && (
            <ContactsPanel
              contacts={contacts}
              onContactsChange={(list) => {
                setContacts(list);
                dispatch({ type: 'users', users: list });
              }}
              onOpenConversation={openConversation}
            />
          )}
          {tab === 'official' && (
            <OfficialAccountsPanel
              onOpenChannel={(id) => {
                if (!stateRef.current.conversations[id]) fetchConversation(id);
                setView({ kind: 'chat', id });
              }}
              onUnfollowed={(channelId) => {
                dispatch({ type: 'conversationRemoved', conversationId: channelId });
                rt.forget(channelId);
                setView((v) => (v.kind === 'chat' && v.id === channelId ? { kind: 'none' } : v));
              }}
            />
          )}
        </div>
      </aside>
      <main className="pane">
        {view.kind === 'none' && <EmptyPane hasConversations={conversations.length > 0} />}
        {view.kind === 'new' && (
          <NewChatPane contacts={contacts} onCreated={openConversation} onClose={() => setView({ kind: 'none' })} />
        )}
        {view.kind === 'profile' && (
          <ProfilePane
            me={state.me}
            avatarVersion={avatarVersion}
            onUpdated={(user, avatarChanged) => {
              dispatch({ type: 'me', user });
              if (avatarChanged) setAvatarVersion((v) => v + 1);
            }}
            onSignOut={onSignOut}
            onOpenPrivacy={() => setView({ kind: 'privacy' })}
            onClose={() => setView({ kind: 'none' })}
          />
        )}
        {view.kind === 'privacy' && <PrivacyPane me={state.me} onClose={() => setView({ kind: 'none' })} />}
        {view.kind === 'chat' &&
          (active ? (
            <ChatPane
              key={active.id}
              conversation={active}
              me={state.me}
              avatarVersion={avatarVersion}
              timeline={state.timelines[active.id]}
              members={state.members[active.id]}
              users={state.users}
              pending={state.pending[active.id] ?? []}
              onSendText={(text) => sendText(active.id, text)}
              onSendImage={(file) => sendImage(active.id, file)}
              onRetry={(clientId) => retry(active.id, clientId)}
              onDiscard={(clientId) => discard(active.id, clientId)}
              onLoadOlder={() => loadOlder(active.id)}
              onBack={() => setView({ kind: 'none' })}
            />
          ) : (
            <div className="pane-empty" aria-busy="true">
              <p className="muted">Opening conversation…</p>
            </div>
          ))}
      </main>
      {consentPrompt && (
        <NoticeDialog
          key={consentPrompt.request.noticeId}
          request={consentPrompt.request}
          waiting={consentPrompt.clientIds.length}
          onAgreed={consentGiven}
          onCancel={() => setConsentPrompt(null)}
        />
      )}
    </div>
  );
}

function TabButton({
  tab,
  current,
  onSelect,
  label,
  badge = 0,
}: {
  tab: Tab;
  current: Tab;
  onSelect: (t: Tab) => void;
  label: string;
  badge?: number;
}) {
  return (
    <button
      type="button"
      className={tab === current ? 'tab is-active' : 'tab'}
      aria-current={tab === current ? 'page' : undefined}
      onClick={() => onSelect(tab)}
      data-testid={`tab-${tab}`}
    >
      {label}
      {badge > 0 && (
        <span className="badge" aria-label={`${badge} unread`}>
          {badge > 99 ? '99+' : badge}
        </span>
      )}
    </button>
  );
}

function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  const label =
    status === 'open' ? 'Live' : status === 'connecting' ? 'Connecting…' : status === 'offline' ? 'Reconnecting…' : 'Offline';
  return (
    <span className={`connection connection-${status}`} data-testid="connection" data-state={status} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function EmptyPane({ hasConversations }: { hasConversations: boolean }) {
  return (
    <div className="pane-empty" data-testid="empty-pane">
      <svg className="pane-empty-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 3 3 10.5h2.5V21h5v-6h3v6h5V10.5H21L12 3z" fill="currentColor" />
      </svg>
      <h2>{hasConversations ? 'Choose a conversation' : 'No conversations yet'}</h2>
      <p className="muted">
        {hasConversations
          ? 'Pick a chat on the left, or start a new one.'
          : 'Start a chat with “New chat”, using the other person’s handle.'}
      </p>
      <p className="muted small">Every chat shows the country its messages are stored in.</p>
    </div>
  );
}
