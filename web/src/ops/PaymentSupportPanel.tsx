// Payment support: a person's wallet and recent payments, read only through the broker (purpose
// PAYMENT_SUPPORT with a support case). Wallet and account ids arrive masked to their last four
// and are shown as the server sent them; the broker's decision and where it was logged follow.
import { useId, useState, type FormEvent } from 'react';
import { fieldText, formatMoney, formatStamp } from '../format.js';
import { AccessOutcome, useBrokerAccess } from './AccessResultView.js';
import type { ReleasedRecord } from './types.js';
import { FormError } from '../forms.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export function PaymentSupportPanel() {
  const id = useId();
  const [subject, setSubject] = useState('');
  const [caseRef, setCaseRef] = useState('');
  const { busy, error, outcome, run } = useBrokerAccess();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run({ subjects: [subject.trim()], categories: ['user.financial'], purpose: 'PAYMENT_SUPPORT', caseRef: caseRef.trim() });
  }

  const records = outcome?.kind === 'result' ? outcome.result.records : [];
  const wallet = records.find((r) => r.category === 'user.financial.wallet');
  const payments = records.filter((r) => r.category === 'user.financial.payment');

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="payment-support-panel">
      <h2 id={`${id}-h`}>Payment support</h2>
      <p className="muted small">
        A wallet and its recent payments through the broker, for purpose PAYMENT_SUPPORT with a support case. Logged before release; wallet and account ids show their last four
        characters only.
      </p>
      <form className="ops-card ops-form-grid" onSubmit={(e) => void submit(e)} data-testid="payment-support-form">
        <div className="ops-field">
          <label htmlFor={`${id}-subj`}>Person (subject id)</label>
          <input id={`${id}-subj`} required value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="hanako" data-testid="payment-subject" />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-case`}>Support case</label>
          <input id={`${id}-case`} required value={caseRef} onChange={(e) => setCaseRef(e.target.value)} placeholder="T-1001" data-testid="payment-case" />
        </div>
        <div className="ops-span-all ops-actions">
          <button type="submit" className="button button-primary" disabled={busy} data-testid="payment-submit">
            {busy ? 'Asking the broker…' : 'Look up wallet'}
          </button>
        </div>
        <FormError error={error} testId="ops-error" className="ops-span-all" />
      </form>
      {wallet && <WalletSummary wallet={wallet} />}
      {outcome?.kind === 'result' && <PaymentsTable payments={payments} currency={str(wallet?.fields.currency)} />}
      {outcome && <AccessOutcome outcome={outcome} />}
    </section>
  );
}

function WalletSummary({ wallet }: { wallet: ReleasedRecord }) {
  const f = wallet.fields;
  return (
    <div className="ops-card" data-testid="payment-wallet">
      <dl className="ops-kv">
        <dt>Wallet</dt>
        <dd data-testid="payment-wallet-id">{fieldText(f.walletId)}</dd>
        <dt>Balance</dt>
        <dd>{formatMoney(num(f.balance), str(f.currency) || 'JPY')}</dd>
        <dt>Stored in cell</dt>
        <dd>{fieldText(f.storedIn)}</dd>
        <dt>Opened</dt>
        <dd>{formatStamp(str(f.createdAt))}</dd>
      </dl>
    </div>
  );
}

function PaymentsTable({ payments, currency }: { payments: ReleasedRecord[]; currency: string }) {
  if (payments.length === 0) return <p className="muted">No payments released.</p>;
  return (
    <table className="ops-table" data-testid="payment-table">
      <caption className="visually-hidden">Recent payments, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Kind</th>
          <th scope="col">Amount</th>
          <th scope="col">Counterparty</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {payments.map((p) => (
          <tr key={p.recordId} data-testid="payment-row">
            <td>{formatStamp(str(p.fields.at))}</td>
            <td>{fieldText(p.fields.kind)}</td>
            <td>
              {p.fields.direction === 'out' ? '−' : '+'}
              {formatMoney(num(p.fields.amount), str(p.fields.currency) || currency || 'JPY')}
            </td>
            <td data-testid="payment-counterparty">{fieldText(p.fields.counterparty)}</td>
            <td>{fieldText(p.fields.status)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
