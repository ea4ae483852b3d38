// The open chat: header with the residency badge, the message timeline (sender names, times, images,
// payment cards, read markers, messages still sending), the composer for text and images, and
// the chat's "Send money" / "Request money" form.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { api, mediaPath } from './api.js';
import { errorMessage } from './http.js';
import { Avatar, ResidencyBadge } from './Avatar.js';
import { countryName, dayKey, formatDay, formatFull, formatTime, nameInChat, systemText } from './format.js';
import { useAuthImage } from './media.js';
import { consentRequiredOf, type PendingMessage } from './outgoing.js';
import { NoticeDialog } from './NoticeDialog.js';
import type { Timeline } from './store.js';
import type { ConsentRequired, Conversation, Member, Message, User } from './types.js';
import { MoneyForm, PaymentCardView, requestOutcomes } from './PaymentCards.js';
import { FormError } from './forms.js';

interface ChatPaneProps {
  conversation: Conversation;
  me: User;
  avatarVersion: number;
  timeline: Timeline | undefined;
  members: Member[] | undefined;
  users: Record<string, User>;
  pending: PendingMessage[];
  onSendText: (text: string) => void;
  /** Returns an error to show, or null when the image was queued. */
  onSendImage: (file: File) => string | null;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onLoadOlder: () => Promise<void>;
  onBack: () => void;
}

function subtitle(c: Conversation): string {
  if (c.kind === 'direct') return 'Direct chat';
  if (c.kind === 'channel') return 'Official account channel';
  return `Group · ${c.memberCount} ${c.memberCount === 1 ? 'member' : 'members'}`;
}

export function ChatPane(props: ChatPaneProps) {
  const { conversation: c, me } = props;
  const canPost = c.kind !== 'channel' || me.kind === 'official';
  const canPay = c.kind !== 'channel' && me.kind === 'user';
  const [moneyOpen, setMoneyOpen] = useState(false);
  const storedAbroad = c.storedIn.jurisdiction !== me.home;
  return (
    <section className="chat" aria-labelledby="chat-title" data-testid="chat-pane" data-conversation-id={c.id}>
      <header className="chat-header">
        <button type="button" className="icon-button back-button" onClick={props.onBack} aria-label="Back to list">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <path d="M12.5 4 6.5 10l6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        </button>
        <div className="chat-heading">
          <h2 id="chat-title" data-testid="chat-title">
            {c.title || 'Untitled chat'}
          </h2>
          <p className="muted small">{subtitle(c)}</p>
        </div>
        <div className="chat-residency">
          <ResidencyBadge storedIn={c.storedIn} imagesStoredIn={c.imagesStoredIn} />
          {storedAbroad && (
            <p className="muted small" data-testid="residency-note">
              Your home is {countryName(me.home)}
            </p>
          )}
        </div>
      </header>
      {storedAbroad && c.requestFrom ? (
        <div className="pane-empty" data-testid="invitation-pane">
          <p className="muted">Its messages appear here once you join.</p>
        </div>
      ) : (
        <MessageList {...props} />
      )}
      {canPay && moneyOpen && <MoneyForm conversationId={c.id} me={me} members={props.members} onClose={() => setMoneyOpen(false)} />}
      {c.requestFrom ? (
        <RequestBar conversation={c} from={props.users[c.requestFrom]} me={me} />
      ) : canPost ? (
        <Composer
          onSendText={props.onSendText}
          onSendImage={props.onSendImage}
          allowImages={c.kind !== 'channel'}
          onMoney={canPay ? () => setMoneyOpen((open) => !open) : null}
          moneyOpen={moneyOpen}
        />
      ) : (
        <p className="composer-readonly muted" data-testid="channel-readonly">
          Only {c.title} can post in this channel. You receive its announcements here.
        </p>
      )}
    </section>
  );
}

/**
 * A group someone outside the person's contacts added them to: nothing is pushed and nothing can be
 * written until they accept; declining leaves it. A conversation stored abroad that the person was
 * invited to (nothing of theirs is stored there yet) needs their consent to join: the server
 * answers TRANSFER_CONSENT_REQUIRED with the notice, shown here, and joining follows the agreement.
 * The server's membership push updates the list.
 */
function RequestBar({ conversation: c, from, me }: { conversation: Conversation; from: User | undefined; me: User }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [consent, setConsent] = useState<ConsentRequired | null>(null);
  const who = from ? `${from.displayName} (@${from.handle})` : `@${c.requestFrom ?? ''}`;
  const abroad = c.storedIn.jurisdiction !== me.home;
  async function answer(accept: boolean) {
    setBusy(true);
    setError(null);
    try {
      await api.answerRequest(c.id, accept);
    } catch (err) {
      const needed = accept ? consentRequiredOf(err) : null;
      if (needed) setConsent(needed);
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="request-bar" role="region" aria-label={abroad ? 'Invitation' : 'Message request'} data-testid="request-bar">
      {abroad ? (
        <p data-testid="invitation-text">
          <strong>{who}</strong> invited you to this {c.kind === 'direct' ? 'chat' : 'group'}. It is stored in{' '}
          {countryName(c.storedIn.jurisdiction)}; nothing of yours is stored there until you join, and you see its messages
          once you have joined.
        </p>
      ) : (
        <p>
          <strong>{who}</strong> added you to this group. You do not have them in your contacts, so its messages are not sent
          to you live and you cannot reply until you accept.
        </p>
      )}
      <FormError error={error} />
      <div className="form-actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void answer(true)} data-testid="request-accept">
          {abroad ? 'Join' : 'Accept'}
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void answer(false)} data-testid="request-decline">
          {abroad ? 'Decline' : 'Decline and leave'}
        </button>
      </div>
      {consent && (
        <NoticeDialog
          request={consent}
          waiting={0}
          action="join"
          onAgreed={() => {
            setConsent(null);
            void answer(true);
          }}
          onCancel={() => setConsent(null)}
        />
      )}
    </div>
  );
}

function MessageList({ conversation: c, me, avatarVersion, timeline, members, users, pending, onRetry, onDiscard, onLoadOlder }: ChatPaneProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const messages = timeline?.messages ?? [];
  const lastId = messages[messages.length - 1]?.id;
  const lastMine = messages[messages.length - 1]?.senderId === me.id;

  const scrollToBottom = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // Keep the reader where they were when older messages are prepended, and follow new ones only
  // when they were already at the bottom (or sent the message themselves).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (heightBeforeOlder.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
      return;
    }
    if (atBottom.current || lastMine) scrollToBottom();
  }, [lastId, lastMine, pending.length, messages.length]);

  const others = (members ?? []).filter((m) => m.id !== me.id);
  const readMarker = (m: Message): string | null => {
    if (m.senderId !== me.id || c.kind === 'channel') return null;
    const readers = others.filter((o) => o.lastReadSeq >= m.seq).length;
    if (readers === 0) return null;
    return c.kind === 'direct' ? 'Read' : `Read by ${readers}`;
  };

  const loadOlder = async () => {
    const el = scroller.current;
    heightBeforeOlder.current = el ? el.scrollHeight : null;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      await onLoadOlder();
    } catch (err) {
      heightBeforeOlder.current = null;
      setOlderError(err instanceof Error ? err.message : 'Could not load earlier messages.');
    } finally {
      setLoadingOlder(false);
    }
  };

  const outcomes = requestOutcomes(messages);
  const items: ReactNode[] = [];
  let prevDay = '';
  let prevSender = '';
  for (const m of messages) {
    const day = dayKey(m.createdAt);
    if (day !== prevDay) {
      items.push(
        <li key={`day-${day}`} className="day-divider">
          <span>{formatDay(m.createdAt)}</span>
        </li>,
      );
      prevDay = day;
      prevSender = '';
    }
    if (m.kind === 'system') {
      items.push(
        <li key={m.id} className="system-message" data-testid="message" data-seq={m.seq}>
          {systemText(m, users, c, me.id)}
        </li>,
      );
      prevSender = '';
      continue;
    }
    const mine = m.senderId === me.id;
    const sender = users[m.senderId];
    const senderName = nameInChat(m.senderId, users, c, me.id);
    const firstOfRun = m.senderId !== prevSender;
    prevSender = m.senderId;
    const marker = readMarker(m);
    items.push(
      <li
        key={m.id}
        className={`message ${mine ? 'mine' : 'theirs'}${firstOfRun ? ' first-of-run' : ''}`}
        data-testid="message"
        data-seq={m.seq}
        data-message-id={m.id}
      >
        {!mine && (
          <span className="message-avatar">
            {firstOfRun && <Avatar user={sender ?? { id: m.senderId, displayName: senderName ?? '?', hasAvatar: false }} size="sm" version={avatarVersion} />}
          </span>
        )}
        <div className="message-body">
          {!mine && firstOfRun && (
            <span className="sender-name" data-testid="sender-name">
              {senderName ?? 'Unknown member'}
            </span>
          )}
          <div className="bubble-row">
            <div className={m.kind === 'image' ? 'bubble bubble-image' : m.card ? 'bubble bubble-card' : 'bubble'}>
              {m.card ? (
                <PaymentCardView card={m.card} me={me} users={users} chat={c} outcome={m.card.requestId ? outcomes.get(m.card.requestId) : undefined} />
              ) : m.kind === 'image' && m.media ? (
                <MessageImage conversationId={c.id} mediaId={m.media.id} onLoad={() => atBottom.current && scrollToBottom()} />
              ) : (
                <p className="message-text" data-testid="message-text">
                  {m.text}
                </p>
              )}
            </div>
            <span className="message-meta">
              {marker && (
                <span className="read-marker" data-testid="read-marker">
                  {marker}
                </span>
              )}
              <time dateTime={m.createdAt} title={formatFull(m.createdAt)}>
                {formatTime(m.createdAt)}
              </time>
            </span>
          </div>
        </div>
      </li>,
    );
  }
  for (const p of pending) {
    items.push(
      <li key={p.clientId} className="message mine pending" data-testid="pending-message" data-status={p.status}>
        <div className="message-body">
          <div className="bubble-row">
            <div className={p.kind === 'image' ? 'bubble bubble-image' : 'bubble'}>
              {p.kind === 'image' && p.previewUrl ? (
                <img className="message-image" src={p.previewUrl} alt={`Sending ${p.text}`} />
              ) : (
                <p className="message-text">{p.text}</p>
              )}
            </div>
            <span className="message-meta">{p.status === 'sending' ? 'Sending…' : null}</span>
          </div>
          {p.status === 'failed' && (
            <p className="send-error" role="alert">
              Not sent: {p.error}{' '}
              <button type="button" className="link-button" onClick={() => onRetry(p.clientId)}>
                Retry
              </button>{' '}
              <button type="button" className="link-button" onClick={() => onDiscard(p.clientId)}>
                Discard
              </button>
            </p>
          )}
        </div>
      </li>,
    );
  }

  return (
    <div
      className="message-scroller"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
      data-testid="message-list"
    >
      {timeline?.loaded && timeline.nextBefore !== null && (
        <div className="load-older">
          <button type="button" className="button button-quiet" onClick={() => void loadOlder()} disabled={loadingOlder}>
            {loadingOlder ? 'Loading…' : 'Load earlier messages'}
          </button>
          {olderError && <p className="form-error">{olderError}</p>}
        </div>
      )}
      {!timeline?.loaded ? (
        <p className="muted center">Loading messages…</p>
      ) : items.length === 0 ? (
        <p className="muted center" data-testid="no-messages">
          No messages yet. Say hello.
        </p>
      ) : (
        <ol className="messages" aria-label="Messages" aria-live="polite" aria-relevant="additions">
          {items}
        </ol>
      )}
    </div>
  );
}

function MessageImage({ conversationId, mediaId, onLoad }: { conversationId: string; mediaId: string; onLoad: () => void }) {
  const img = useAuthImage(mediaPath(conversationId, mediaId));
  if (img.status === 'loading') return <div className="image-placeholder" aria-label="Loading image" />;
  if (img.status === 'error') {
    return (
      <p className="message-text muted" role="note">
        Image unavailable: {img.message}
      </p>
    );
  }
  return (
    <a href={img.url} target="_blank" rel="noreferrer" className="image-link" aria-label="Open image in full size">
      <img className="message-image" src={img.url} alt="Shared image" onLoad={onLoad} data-testid="message-image" />
    </a>
  );
}

interface ComposerProps {
  onSendText: (text: string) => void;
  onSendImage: (file: File) => string | null;
  allowImages: boolean;
  /** Opens or closes the money form; null where money cannot be sent (channels, official accounts). */
  onMoney: (() => void) | null;
  moneyOpen: boolean;
}

function Composer({ onSendText, onSendImage, allowImages, onMoney, moneyOpen }: ComposerProps) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    input.current?.focus();
  }, []);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const value = text.trim();
    if (!value) return;
    onSendText(value);
    setText('');
    setError(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // While an IME is composing (Japanese, Korean), Enter confirms the conversion, not the message.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit} data-testid="composer">
      {allowImages && (
        <div className="attach">
          <input
            id={`${id}-file`}
            className="visually-hidden file-input"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            data-testid="attach-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) setError(onSendImage(file));
            }}
          />
          <label htmlFor={`${id}-file`} className="icon-button attach-button" title="Attach image">
            <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
              <rect x="2.5" y="4" width="15" height="12" rx="2" fill="none" stroke="currentColor" strokeWidth="1.6" />
              <circle cx="7" cy="8.5" r="1.5" fill="currentColor" />
              <path d="m3.5 15 4.5-4.5 3 3 2-2 3.5 3.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
            </svg>
            <span className="visually-hidden">Attach image</span>
          </label>
        </div>
      )}
      {onMoney && (
        <button type="button" className="icon-button money-button" onClick={onMoney} aria-expanded={moneyOpen} title="Send or request money" data-testid="money-open">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <rect x="2" y="5" width="16" height="10" rx="2" fill="none" stroke="currentColor" strokeWidth="1.6" />
            <circle cx="10" cy="10" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          </svg>
          <span className="visually-hidden">Send or request money</span>
        </button>
      )}
      <div className="composer-field">
        <label htmlFor={`${id}-text`} className="visually-hidden">
          Message
        </label>
        <textarea
          id={`${id}-text`}
          ref={input}
          rows={1}
          placeholder="Write a message"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          maxLength={4000}
          data-testid="composer-input"
        />
        <FormError error={error} />
      </div>
      <button type="submit" className="button button-primary" disabled={!text.trim()} data-testid="composer-send">
        Send
      </button>
    </form>
  );
}
