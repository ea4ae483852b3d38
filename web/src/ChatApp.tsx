// The signed-in app's layout: the sidebar beside the right pane (the open chat, a new chat, the
// profile or the privacy centre) and the consent notice over both. The state and its sync with the
// server live in useChatSync, sending in useOutgoingQueue; this module only wires them to the screens.
import { useCallback, useEffect, useState } from 'react';
import { ChatPane } from './ChatPane.js';
import { ChatSidebar, type Tab } from './ChatSidebar.js';
import { unreadCount } from './format.js';
import { NewChatPane } from './NewChatPane.js';
import { NoticeDialog } from './NoticeDialog.js';
import { PrivacyPane } from './PrivacyPane.js';
import { ProfilePane } from './ProfilePane.js';
import { sortedConversations } from './store.js';
import type { Conversation, User } from './types.js';
import { useChatSync, useOpenConversation } from './useChatSync.js';
import { useOutgoingQueue } from './useOutgoingQueue.js';
import { WalletPane } from './WalletPane.js';

type View = { kind: 'none' } | { kind: 'chat'; id: string } | { kind: 'new' } | { kind: 'profile' } | { kind: 'privacy' } | { kind: 'wallet' };

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
  const [view, setView] = useState<View>({ kind: 'none' });
  const [tab, setTab] = useState<Tab>('chats');
  const [avatarVersion, setAvatarVersion] = useState(0);
  const visible = usePageVisible();

  const closeIfOpen = useCallback((conversationId: string) => {
    setView((v) => (v.kind === 'chat' && v.id === conversationId ? { kind: 'none' } : v));
  }, []);
  const sync = useChatSync({ me, onSessionExpired, onLeft: closeIfOpen });
  const { state, dispatch } = sync;
  const queue = useOutgoingQueue(sync);

  const activeId = view.kind === 'chat' ? view.id : null;
  const active = activeId ? state.conversations[activeId] : undefined;
  useOpenConversation(sync, activeId, visible);

  const { hold } = sync;
  const openConversation = useCallback(
    (c: Conversation) => {
      hold(c);
      setTab('chats');
      setView({ kind: 'chat', id: c.id });
    },
    [hold],
  );

  const conversations = sortedConversations(state);
  const totalUnread = conversations.reduce((n, c) => n + unreadCount(c), 0);
  const paneOpen = view.kind !== 'none';

  return (
    <div className={paneOpen ? 'app pane-open' : 'app'} data-testid="chat-app">
      <ChatSidebar
        me={state.me}
        avatarVersion={avatarVersion}
        connection={sync.connection}
        tab={tab}
        onTab={(t) => {
          setTab(t);
          if (t === 'wallet') setView({ kind: 'wallet' });
        }}
        current={view.kind === 'profile' || view.kind === 'privacy' ? view.kind : null}
        onOpenProfile={() => setView({ kind: 'profile' })}
        onOpenPrivacy={() => setView({ kind: 'privacy' })}
        loadError={sync.loadError}
        onRetryLoad={sync.retryLoad}
        conversations={conversations}
        activeId={activeId}
        users={state.users}
        totalUnread={totalUnread}
        onNewChat={() => setView({ kind: 'new' })}
        onOpen={(id) => setView({ kind: 'chat', id })}
        contacts={sync.contacts}
        onContactsChange={sync.setContacts}
        onOpenConversation={openConversation}
        onOpenChannel={(id) => {
          if (!sync.stateRef.current.conversations[id]) sync.fetchConversation(id);
          setView({ kind: 'chat', id });
        }}
        onUnfollowed={(channelId) => {
          sync.drop(channelId);
          closeIfOpen(channelId);
        }}
      />
      <main className="pane">
        {view.kind === 'none' && <EmptyPane hasConversations={conversations.length > 0} />}
        {view.kind === 'new' && (
          <NewChatPane contacts={sync.contacts} onCreated={openConversation} onClose={() => setView({ kind: 'none' })} />
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
        {view.kind === 'wallet' && <WalletPane users={state.users} onClose={() => setView({ kind: 'none' })} />}
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
              onSendText={(text) => queue.sendText(active.id, text)}
              onSendImage={(file) => queue.sendImage(active.id, file)}
              onRetry={(clientId) => queue.retry(active.id, clientId)}
              onDiscard={(clientId) => queue.discard(active.id, clientId)}
              onLoadOlder={() => sync.loadOlder(active.id)}
              onBack={() => setView({ kind: 'none' })}
            />
          ) : (
            <div className="pane-empty" aria-busy="true">
              <p className="muted">Opening conversation…</p>
            </div>
          ))}
      </main>
      {queue.consentPrompt && (
        <NoticeDialog
          key={queue.consentPrompt.request.noticeId}
          request={queue.consentPrompt.request}
          waiting={queue.consentPrompt.clientIds.length}
          onAgreed={queue.consentGiven}
          onCancel={queue.dismissConsent}
        />
      )}
    </div>
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
