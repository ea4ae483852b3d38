// The chat app's sidebar: brand and connection state, the person's own card, the privacy centre
// link, and the chats / contacts / official accounts / wallet tabs with their lists.
import { Avatar } from './Avatar.js';
import { Brand } from './BrandMark.js';
import { ContactsPanel } from './ContactsPanel.js';
import { ConversationList } from './ConversationList.js';
import { countryName } from './format.js';
import { OfficialAccountsPanel } from './OfficialAccountsPanel.js';
import type { ConnectionStatus } from './realtime.js';
import type { Conversation, User } from './types.js';

export type Tab = 'chats' | 'contacts' | 'official' | 'wallet';

interface ChatSidebarProps {
  me: User;
  avatarVersion: number;
  connection: ConnectionStatus;
  tab: Tab;
  onTab: (tab: Tab) => void;
  /** Which of the person's own panes is open, so its entry shows as current. */
  current: 'profile' | 'privacy' | null;
  onOpenProfile: () => void;
  onOpenPrivacy: () => void;
  loadError: string | null;
  onRetryLoad: () => void;
  conversations: Conversation[];
  activeId: string | null;
  users: Record<string, User>;
  totalUnread: number;
  onNewChat: () => void;
  onOpen: (conversationId: string) => void;
  contacts: User[];
  onContactsChange: (list: User[]) => void;
  onOpenConversation: (c: Conversation) => void;
  onOpenChannel: (conversationId: string) => void;
  onUnfollowed: (channelId: string) => void;
}

export function ChatSidebar(props: ChatSidebarProps) {
  const { me, tab, onTab } = props;
  return (
    <aside className="sidebar" aria-label="Conversations and contacts">
      <header className="sidebar-header">
        <Brand />
        <ConnectionIndicator status={props.connection} />
      </header>
      <button
        type="button"
        className={props.current === 'profile' ? 'me-card is-active' : 'me-card'}
        onClick={props.onOpenProfile}
        data-testid="open-profile"
      >
        <Avatar user={me} version={props.avatarVersion} />
        <span className="me-text">
          <span className="me-name" data-testid="me-name">
            {me.displayName}
          </span>
          <span className="muted small">
            @{me.handle} · home {countryName(me.home)}
          </span>
        </span>
      </button>
      <button
        type="button"
        className={props.current === 'privacy' ? 'privacy-link is-active' : 'privacy-link'}
        onClick={props.onOpenPrivacy}
        data-testid="open-privacy"
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 2 4 5v6c0 5 3.4 9.5 8 11 4.6-1.5 8-6 8-11V5l-8-3zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6z" fill="currentColor" />
        </svg>
        Privacy centre
      </button>
      <nav className="tabs" aria-label="Sections">
        <TabButton tab="chats" current={tab} onSelect={onTab} label="Chats" badge={props.totalUnread} />
        <TabButton tab="contacts" current={tab} onSelect={onTab} label="Contacts" />
        <TabButton tab="official" current={tab} onSelect={onTab} label="Official" />
        <TabButton tab="wallet" current={tab} onSelect={onTab} label="Wallet" />
      </nav>
      <div className="sidebar-body">
        {props.loadError && (
          <div className="banner banner-error" role="alert">
            <span>{props.loadError}</span>
            <button type="button" className="link-button" onClick={props.onRetryLoad}>
              Retry
            </button>
          </div>
        )}
        {tab === 'chats' && (
          <>
            <div className="sidebar-actions">
              <button type="button" className="button button-primary button-block" onClick={props.onNewChat} data-testid="new-chat">
                New chat
              </button>
            </div>
            <ConversationList
              conversations={props.conversations}
              activeId={props.activeId}
              users={props.users}
              meId={me.id}
              onOpen={props.onOpen}
            />
          </>
        )}
        {tab === 'contacts' && (
          <ContactsPanel contacts={props.contacts} onContactsChange={props.onContactsChange} onOpenConversation={props.onOpenConversation} />
        )}
        {tab === 'wallet' && (
          <p className="muted sidebar-note" data-testid="wallet-tab-note">
            Your wallet is open on the right: balance, history, and sending money. In a chat, use the money button beside the message box.
          </p>
        )}
        {tab === 'official' && <OfficialAccountsPanel onOpenChannel={props.onOpenChannel} onUnfollowed={props.onUnfollowed} />}
      </div>
    </aside>
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
