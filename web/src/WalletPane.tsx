// The wallet: balance and currency with the "Stored in …" badge of the payment data, the history
// with paging, "Send money", and "Top up" from the simulated bank — offered only when the server
// says simulated funding is on, and labelled as simulated.
import { useCallback, useEffect, useId, useState } from 'react';
import { api } from './api.js';
import { ResidencyBadge } from './Avatar.js';
import { FormError, useFormSubmit } from './forms.js';
import { errorMessage } from './http.js';
import { countryName, formatFull, formatMoney, freshKey, parseMoney } from './format.js';
import type { HistoryItem, User, Wallet } from './types.js';

interface WalletPaneProps {
  users: Record<string, User>;
  onClose: () => void;
}

function counterpartyName(item: HistoryItem, users: Record<string, User>): string {
  if (item.kind === 'topup') return 'Simulated bank (top-up)';
  if (item.counterparty === null) return 'Unknown';
  return users[item.counterparty]?.displayName ?? `@${item.counterparty}`;
}

const kindLabel: Record<string, string> = { topup: 'Top-up', payment: 'Payment', refund: 'Refund' };

export function WalletPane({ users, onClose }: WalletPaneProps) {
  const id = useId();
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [form, setForm] = useState<'send' | 'topup' | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [w, page] = await Promise.all([api.wallet(), api.payHistory()]);
      setWallet(w);
      setItems(page.items);
      setNextBefore(page.nextBefore);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  const loadMore = async () => {
    if (nextBefore === null) return;
    setLoadingMore(true);
    try {
      const page = await api.payHistory(nextBefore);
      setItems((list) => [...list, ...page.items]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingMore(false);
    }
  };

  const done = async () => {
    setForm(null);
    await refresh();
  };

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="wallet-pane">
      <header className="panel-header">
        <h2 id={`${id}-h`}>Wallet</h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="panel-body">
        <FormError error={error} />
        {!wallet ? (
          !error && <p className="muted">Loading your wallet…</p>
        ) : (
          <>
            <div className="wallet-summary">
              <p className="muted small">Balance</p>
              <p className="wallet-balance" data-testid="wallet-balance">
                {formatMoney(wallet.balance, wallet.currency)}
              </p>
              <p className="muted small">
                Currency {wallet.currency} · payment data kept in {countryName(wallet.storedIn.jurisdiction)}
              </p>
              <ResidencyBadge storedIn={{ ...wallet.storedIn, country: countryName(wallet.storedIn.jurisdiction) }} what="Your payment data" />
            </div>
            <div className="wallet-actions">
              <button type="button" className="button button-primary" onClick={() => setForm(form === 'send' ? null : 'send')} aria-expanded={form === 'send'} data-testid="wallet-send">
                Send money
              </button>
              {wallet.simulatedFunding && (
                <button type="button" className="button" onClick={() => setForm(form === 'topup' ? null : 'topup')} aria-expanded={form === 'topup'} data-testid="wallet-topup">
                  Top up (simulated)
                </button>
              )}
            </div>
            {form === 'send' && <SendForm currency={wallet.currency} onDone={done} />}
            {form === 'topup' && <TopUpForm currency={wallet.currency} onDone={done} />}
            <h3 className="wallet-history-title">History</h3>
            {items.length === 0 ? (
              <p className="muted" data-testid="wallet-empty">
                No payments yet.
              </p>
            ) : (
              <ol className="wallet-history" aria-label="Wallet history" data-testid="wallet-history">
                {items.map((item) => (
                  <li key={`${item.id}-${item.seq}`} className="wallet-item" data-testid="wallet-item">
                    <span className="wallet-item-main">
                      <span className="wallet-item-who">{counterpartyName(item, users)}</span>
                      <span className="muted small">
                        {kindLabel[item.kind] ?? item.kind}
                        {item.note ? ` · ${item.note}` : ''}
                        {item.status === 'pending' ? ' · pending' : ''}
                      </span>
                    </span>
                    <span className="wallet-item-side">
                      <span className={item.direction === 'in' ? 'amount amount-in' : 'amount amount-out'}>
                        {item.direction === 'in' ? '+' : '−'}
                        {formatMoney(item.amount, item.currency)}
                      </span>
                      <time className="muted small" dateTime={item.at}>
                        {formatFull(item.at)}
                      </time>
                    </span>
                  </li>
                ))}
              </ol>
            )}
            {nextBefore !== null && (
              <button type="button" className="button button-quiet" onClick={() => void loadMore()} disabled={loadingMore} data-testid="wallet-more">
                {loadingMore ? 'Loading…' : 'Show earlier payments'}
              </button>
            )}
          </>
        )}
      </div>
    </section>
  );
}

/** The amount field shared by the money forms: typed in major units, sent in minor units. */
export function AmountField({ id, currency, value, onChange }: { id: string; currency: string; value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Amount ({currency})</label>
      <input id={id} inputMode="decimal" autoComplete="off" value={value} onChange={(e) => onChange(e.target.value)} required data-testid="money-amount" />
    </div>
  );
}

function amountOrThrow(text: string, currency: string): number {
  const amount = parseMoney(text, currency);
  if (amount === null) throw new Error(`Enter a whole amount of ${currency} above zero.`);
  return amount;
}

function SendForm({ currency, onDone }: { currency: string; onDone: () => Promise<void> }) {
  const id = useId();
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  // One key per attempt: a retry after a network error reuses it, so money moves once.
  const [key] = useState(freshKey);
  const submit = useFormSubmit(async () => {
    await api.pay({ to: to.trim().replace(/^@/, ''), amount: amountOrThrow(amount, currency), currency, note: note.trim() || undefined, idempotencyKey: key });
    await onDone();
  });
  return (
    <form className="form wallet-form" onSubmit={submit.onSubmit} data-testid="send-form">
      <div className="field">
        <label htmlFor={`${id}-to`}>To (user id)</label>
        <input id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value)} required autoComplete="off" data-testid="send-to" />
      </div>
      <AmountField id={`${id}-amount`} currency={currency} value={amount} onChange={setAmount} />
      <div className="field">
        <label htmlFor={`${id}-note`}>Note (optional)</label>
        <input id={`${id}-note`} value={note} maxLength={140} onChange={(e) => setNote(e.target.value)} />
      </div>
      <FormError error={submit.error} />
      <button type="submit" className="button button-primary" disabled={submit.busy}>
        {submit.busy ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}

function TopUpForm({ currency, onDone }: { currency: string; onDone: () => Promise<void> }) {
  const id = useId();
  const [amount, setAmount] = useState('');
  const [key] = useState(freshKey);
  const submit = useFormSubmit(async () => {
    await api.topUp(amountOrThrow(amount, currency), key);
    await onDone();
  });
  return (
    <form className="form wallet-form" onSubmit={submit.onSubmit} data-testid="topup-form">
      <p className="notice-simulated" role="note">
        Simulated: this demo tops up from a pretend bank account. No real money moves.
      </p>
      <AmountField id={`${id}-amount`} currency={currency} value={amount} onChange={setAmount} />
      <FormError error={submit.error} />
      <button type="submit" className="button button-primary" disabled={submit.busy}>
        {submit.busy ? 'Topping up…' : 'Top up (simulated)'}
      </button>
    </form>
  );
}
