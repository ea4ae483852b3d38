// Money in a chat: the "Send money" / "Request money" form of a chat, and the cards payment
// messages show in the timeline — a payment, a request (with Accept / Decline for the person
// asked, Cancel for the one asking) and what became of a request. The cards arrive like any
// message; a request's status is the latest outcome card for it in the timeline.
import { useId, useState } from 'react';
import { api } from './api.js';
import { FormError, useFormSubmit } from './forms.js';
import { errorMessage } from './http.js';
import { formatMoney, freshKey, nameInChat, parseMoney } from './format.js';
import { useLoad } from './useLoad.js';
import type { Conversation, Member, Message, PaymentCard, User } from './types.js';
import { AmountField } from './WalletPane.js';

/** Each request's outcome (accepted, declined, cancelled) from the outcome cards in the timeline. */
export function requestOutcomes(messages: readonly Message[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of messages) {
    if (m.card?.type === 'request_update' && m.card.requestId) out.set(m.card.requestId, m.card.status);
  }
  return out;
}

const statusLabel: Record<string, string> = {
  completed: 'Paid',
  pending: 'On its way',
  open: 'Waiting for payment',
  accepted: 'Paid',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

type Chat = Pick<Conversation, 'kind' | 'title'>;

function name(id: string, me: User, users: Record<string, User>, chat: Chat): string {
  if (id === me.id) return 'You';
  return nameInChat(id, users, chat, me.id) ?? `@${id}`;
}

function headline(card: PaymentCard, me: User, users: Record<string, User>, chat: Chat): string {
  const payer = name(card.payerId, me, users, chat);
  const payee = name(card.payeeId, me, users, chat);
  if (card.type === 'payment') return `${payer} sent ${card.payeeId === me.id ? 'you' : payee}`;
  if (card.type === 'request') return `${payee} asked ${card.payerId === me.id ? 'you' : payer} for`;
  if (card.status === 'accepted') return `${payer} paid ${card.payeeId === me.id ? 'your' : `${payee}'s`} request`;
  if (card.status === 'declined') return `${payer} declined the request`;
  return `${payee} cancelled the request`;
}

export function PaymentCardView({ card, me, users, chat, outcome }: { card: PaymentCard; me: User; users: Record<string, User>; chat: Chat; outcome: string | undefined }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One key per request and person: pressing Accept again after a network error retries the same payment.
  const [acceptKey] = useState(freshKey);
  const status = card.type === 'request' ? (outcome ?? 'open') : card.status;
  const open = card.type === 'request' && status === 'open' && card.requestId !== null;

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const requestId = card.requestId ?? '';

  return (
    <div className={`pay-card pay-card-${card.type} pay-status-${status}`} data-testid="pay-card" data-card-type={card.type} data-status={status}>
      <p className="pay-card-title">{headline(card, me, users, chat)}</p>
      <p className="pay-card-amount">{formatMoney(card.amount, card.currency)}</p>
      {card.note && <p className="pay-card-note">“{card.note}”</p>}
      <p className="pay-card-status" data-testid="pay-card-status">
        {statusLabel[status] ?? status}
      </p>
      {open && card.payerId === me.id && (
        <div className="pay-card-actions">
          <button type="button" className="button button-primary button-small" disabled={busy} onClick={() => void act(() => api.acceptRequest(requestId, acceptKey))} data-testid="pay-accept">
            Accept and pay
          </button>
          <button type="button" className="button button-small" disabled={busy} onClick={() => void act(() => api.declineRequest(requestId))} data-testid="pay-decline">
            Decline
          </button>
        </div>
      )}
      {open && card.payeeId === me.id && (
        <div className="pay-card-actions">
          <button type="button" className="button button-small" disabled={busy} onClick={() => void act(() => api.cancelRequest(requestId))} data-testid="pay-cancel">
            Cancel request
          </button>
        </div>
      )}
      <FormError error={error} />
    </div>
  );
}

/** "Send money" or "Request money" in a chat, to or from one of its other members. */
export function MoneyForm({ conversationId, me, members, onClose }: { conversationId: string; me: User; members: Member[] | undefined; onClose: () => void }) {
  const id = useId();
  const others = (members ?? []).filter((m) => m.id !== me.id && m.kind === 'user');
  const [mode, setMode] = useState<'send' | 'request'>('send');
  const [who, setWho] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [key, setKey] = useState(freshKey);
  const wallet = useLoad(() => api.wallet());
  const currency = wallet.data?.currency ?? '';
  const person = who || others[0]?.id || '';
  const submit = useFormSubmit(async () => {
    const minor = parseMoney(amount, currency);
    if (minor === null) throw new Error(`Enter a whole amount of ${currency} above zero.`);
    const trimmed = note.trim() || undefined;
    if (mode === 'send') await api.pay({ to: person, amount: minor, currency, note: trimmed, conversationId, idempotencyKey: key });
    else await api.requestMoney({ from: person, amount: minor, currency, note: trimmed, conversationId, idempotencyKey: key });
    setKey(freshKey());
    onClose();
  });
  if (others.length === 0) {
    return (
      <div className="money-form" data-testid="money-form">
        <p className="muted">There is nobody else in this chat to send money to or ask.</p>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
    );
  }
  return (
    <form className="money-form" onSubmit={submit.onSubmit} data-testid="money-form" aria-label="Send or request money">
      <fieldset className="field">
        <legend>Money</legend>
        <div className="segmented">
          <input type="radio" id={`${id}-send`} name={`${id}-mode`} checked={mode === 'send'} onChange={() => setMode('send')} />
          <label htmlFor={`${id}-send`}>Send money</label>
          <input type="radio" id={`${id}-request`} name={`${id}-mode`} checked={mode === 'request'} onChange={() => setMode('request')} data-testid="money-mode-request" />
          <label htmlFor={`${id}-request`}>Request money</label>
        </div>
      </fieldset>
      <div className="money-row">
        <div className="field">
          <label htmlFor={`${id}-who`}>{mode === 'send' ? 'To' : 'From'}</label>
          <select id={`${id}-who`} value={person} onChange={(e) => setWho(e.target.value)} data-testid="money-who">
            {others.map((m) => (
              <option key={m.id} value={m.id}>
                {m.displayName} (@{m.handle})
              </option>
            ))}
          </select>
        </div>
        <AmountField id={`${id}-amount`} currency={currency || '…'} value={amount} onChange={setAmount} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Note (optional)</label>
        <input id={`${id}-note`} value={note} maxLength={140} onChange={(e) => setNote(e.target.value)} data-testid="money-note" />
      </div>
      {wallet.data && mode === 'send' && (
        <p className="muted small">Your balance: {formatMoney(wallet.data.balance, wallet.data.currency)}</p>
      )}
      <FormError error={submit.error ?? wallet.error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={submit.busy || !currency} data-testid="money-submit">
          {mode === 'send' ? 'Send' : 'Request'}
        </button>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
