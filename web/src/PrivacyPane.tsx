// The privacy centre: where each kind of the person's data is stored, their consents (with the
// Kantara receipts, and withdrawal), the records of transfers abroad, and who accessed their data,
// each access-log entry verified in the browser against the cell's signed checkpoint.
import { useEffect, useId, useState } from 'react';
import { api } from './api.js';
import { errorMessage } from './http.js';
import { categoryLabel, countryName, countryWithCode, formatFull, purposeLabel } from './format.js';
import { entryOf, verifyAccessesPage, type EntryVerification, type PageVerification } from './proof.js';
import type { AccessesPage, Consent, ConsentHistoryItem, Disclosure, PersonIncident, TransferRecord, User } from './types.js';
import { useLoad } from './useLoad.js';

type Section = 'where' | 'consents' | 'transfers' | 'accesses';

const SECTIONS: { id: Section; label: string }[] = [
  { id: 'where', label: 'Where your data is' },
  { id: 'consents', label: 'Consents' },
  { id: 'transfers', label: 'Transfers' },
  { id: 'accesses', label: 'Who accessed my data' },
];

interface PrivacyPaneProps {
  me: User;
  onClose: () => void;
  initialSection?: Section;
}

export function PrivacyPane({ me, onClose, initialSection = 'where' }: PrivacyPaneProps) {
  const [section, setSection] = useState<Section>(initialSection);
  const id = useId();
  return (
    <section className="panel privacy" aria-labelledby={`${id}-h`} data-testid="privacy-pane">
      <header className="panel-header">
        <h2 id={`${id}-h`}>Privacy centre</h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      <nav className="privacy-tabs" aria-label="Privacy centre sections">
        {SECTIONS.map((s) => (
          <button
            key={s.id}
            type="button"
            className={s.id === section ? 'privacy-tab is-active' : 'privacy-tab'}
            aria-current={s.id === section ? 'page' : undefined}
            onClick={() => setSection(s.id)}
            data-testid={`privacy-tab-${s.id}`}
          >
            {s.label}
          </button>
        ))}
      </nav>
      <div className="panel-body privacy-body">
        {section === 'where' && <WhereSection me={me} />}
        {section === 'consents' && <ConsentsSection />}
        {section === 'transfers' && <TransfersSection />}
        {section === 'accesses' && <AccessesSection me={me} />}
      </div>
    </section>
  );
}

function Loading({ error, onRetry }: { error: string | null; onRetry: () => void }) {
  if (!error) return <p className="muted">Loading…</p>;
  return (
    <div className="banner banner-error" role="alert">
      <span>{error}</span>
      <button type="button" className="link-button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

// --- where your data is

function WhereSection({ me }: { me: User }) {
  const { data, error, reload } = useLoad<Disclosure>(() => api.disclosure());
  if (!data) return <Loading error={error} onRetry={reload} />;
  const abroad = data.storedIn.filter((c) => c !== me.home);
  return (
    <div data-testid="privacy-where">
      <p className="privacy-lead">
        Your home jurisdiction is {countryWithCode(me.home)}.{' '}
        {abroad.length === 0
          ? `Everything we hold about you is stored in ${countryName(me.home)}.`
          : `Most of your data is stored in ${countryName(me.home)}; some is stored in ${abroad.map(countryName).join(', ')}.`}
      </p>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Kind of data</th>
            <th scope="col">Stored in</th>
            <th scope="col" className="num">
              Records
            </th>
          </tr>
        </thead>
        <tbody>
          {data.held.map((h) => (
            <tr key={h.category} data-testid="held-category" data-category={h.category}>
              <td>
                {categoryLabel(h.category)}
                <span className="muted small mono block">{h.category}</span>
              </td>
              <td>
                {h.storedIn.map((s) => (
                  <span
                    key={s.cell}
                    className={s.country === me.home ? 'country-chip' : 'country-chip is-abroad'}
                    data-testid="held-country"
                  >
                    {s.countryName || countryName(s.country)} · {s.country}
                  </span>
                ))}
              </td>
              <td className="num">{h.records}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">As of {formatFull(data.generatedAt)}.</p>
    </div>
  );
}

// --- consents

function ConsentsSection() {
  const { data, error, reload } = useLoad<{ consents: Consent[]; history: ConsentHistoryItem[] }>(() => api.consents());
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  async function withdraw(c: Consent) {
    setBusy(c.receiptId);
    setStatus(null);
    try {
      await api.withdrawConsent(c.receiptId);
      setStatus({ kind: 'ok', text: `Consent withdrawn. Messages into conversations stored in ${c.destinations.map(countryName).join(', ')} now need your consent again.` });
      reload();
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  }

  if (!data) return <Loading error={error} onRetry={reload} />;
  return (
    <div data-testid="privacy-consents">
      <p className="privacy-lead">
        Consents you gave after reading a notice, so that your data may go to another country. Each has a consent
        receipt (Kantara Consent Receipt v1.1). You can withdraw a consent at any time.
      </p>
      {status && (
        <p className={status.kind === 'ok' ? 'form-ok' : 'form-error'} role={status.kind === 'ok' ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
      {data.consents.length === 0 ? (
        <p className="muted" data-testid="consents-empty">
          You have not consented to any transfer abroad.
        </p>
      ) : (
        <ul className="card-list">
          {data.consents.map((c) => (
            <li key={c.receiptId} className="card" data-testid="consent-item" data-status={c.status}>
              <div className="card-head">
                <strong>
                  {purposeLabel(c.purpose)} in {c.destinations.map(countryWithCode).join(', ')}
                </strong>
                <span className={`status-pill status-${c.status}`}>{c.status}</span>
              </div>
              <dl className="kv">
                <dt>Notice</dt>
                <dd>
                  {c.noticeId}, version {c.noticeVersion}
                </dd>
                <dt>Recipient</dt>
                <dd>{c.recipients.map((r) => `${r.name} (${countryWithCode(r.country)})`).join(', ')}</dd>
                <dt>Given</dt>
                <dd>{formatFull(c.givenAt)}</dd>
                {c.withdrawnAt && (
                  <>
                    <dt>Withdrawn</dt>
                    <dd>{formatFull(c.withdrawnAt)}</dd>
                  </>
                )}
                <dt>Receipt id</dt>
                <dd className="mono" data-testid="consent-receipt-id">
                  {c.receiptId}
                </dd>
              </dl>
              <div className="card-actions">
                <button
                  type="button"
                  className="button button-small"
                  aria-expanded={open === c.receiptId}
                  onClick={() => setOpen(open === c.receiptId ? null : c.receiptId)}
                  data-testid="consent-view-receipt"
                >
                  {open === c.receiptId ? 'Hide receipt' : 'View receipt'}
                </button>
                {c.status === 'given' && (
                  <button
                    type="button"
                    className="button button-small button-danger"
                    disabled={busy === c.receiptId}
                    onClick={() => void withdraw(c)}
                    data-testid="consent-withdraw"
                  >
                    {busy === c.receiptId ? 'Withdrawing…' : 'Withdraw'}
                  </button>
                )}
              </div>
              {open === c.receiptId && (
                <pre className="receipt-json" data-testid="consent-receipt-json">
                  {JSON.stringify(c.receipt, null, 2)}
                </pre>
              )}
            </li>
          ))}
        </ul>
      )}
      {data.history.length > 0 && (
        <>
          <h3>History</h3>
          <ul className="history-list">
            {data.history.map((h) => (
              <li key={`${h.receiptId}-${h.kind}-${h.at}`}>
                {formatFull(h.at)} — {h.kind === 'given' ? 'gave' : 'withdrew'} consent to {h.noticeId} v{h.noticeVersion}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

// --- transfers

const BASIS_LABELS: Record<TransferRecord['basis'], string> = {
  'approved-destination': 'Approved destination',
  'conforming-system': 'Recipient with a conforming system',
  consent: 'Your consent',
};

function TransfersSection() {
  const { data, error, reload } = useLoad<{ transfers: TransferRecord[] }>(() => api.transfers());
  if (!data) return <Loading error={error} onRetry={reload} />;
  return (
    <div data-testid="privacy-transfers">
      <p className="privacy-lead">
        Each time your data went to another country, we recorded where, to whom, on which legal basis and how many
        items. Records are kept for three years.
      </p>
      {data.transfers.length === 0 ? (
        <p className="muted" data-testid="transfers-empty">
          None of your data has been sent abroad.
        </p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Destination</th>
              <th scope="col">Recipient</th>
              <th scope="col">Data</th>
              <th scope="col">Basis</th>
              <th scope="col" className="num">
                Items
              </th>
            </tr>
          </thead>
          <tbody>
            {data.transfers.map((t) => (
              <tr key={t.id} data-testid="transfer-item">
                <td className="nowrap">{t.day}</td>
                <td className="nowrap">{countryWithCode(t.destination)}</td>
                <td>{t.recipient.name}</td>
                <td>
                  {categoryLabel(t.category)}
                  <span className="muted small block">for {purposeLabel(t.purpose).toLowerCase()}</span>
                </td>
                <td>
                  {BASIS_LABELS[t.basis] ?? t.basis}
                  <span className="muted small block" title={t.basisRef}>
                    {t.basis === 'consent' ? `receipt ${t.basisRef.slice(0, 8)}…` : t.basisRef}
                  </span>
                </td>
                <td className="num">{t.items}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// --- who accessed my data

interface AccessesState {
  page: AccessesPage;
  verification: PageVerification;
  incidents: readonly PersonIncident[];
}

async function loadAndVerify(): Promise<AccessesState> {
  const [page, keys, incidents] = await Promise.all([api.accesses({ limit: 200 }), api.logKeys(), api.incidents()]);
  return { page, verification: await verifyAccessesPage(page, keys), incidents: incidents.incidents };
}

function AccessesSection({ me }: { me: User }) {
  const { data, error, reload } = useLoad<AccessesState>(loadAndVerify);

  // An entry newer than the latest checkpoint gets its proof with the next one (within a second).
  const pending = data?.verification.entries.some((e) => e.status === 'pending') ?? false;
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(reload, 1500);
    return () => clearTimeout(t);
  }, [pending, reload]);

  if (!data) return <Loading error={error} onRetry={reload} />;
  const { page, verification } = data;
  const byIndex = new Map(verification.entries.map((e) => [e.index, e]));
  const verified = verification.entries.filter((e) => e.status === 'verified').length;
  const incidentOf = new Map(data.incidents.flatMap((i) => i.log.indexes.map((index) => [index, i.title] as const)));
  return (
    <div data-testid="privacy-accesses">
      <p className="privacy-lead">
        Every time staff of the platform or a contractor looked at your data — or tried to and were refused — it was
        written to the tamper-evident access log of your cell. Your browser checks each entry itself against the
        log&apos;s signed checkpoint.
      </p>
      <div
        className={verification.checkpointError ? 'checkpoint-box is-failed' : 'checkpoint-box'}
        data-testid="checkpoint-status"
        data-state={verification.checkpointError ? 'failed' : 'verified'}
      >
        {verification.checkpointError ? (
          <>
            <strong>Checkpoint verification failed.</strong> {verification.checkpointError}
          </>
        ) : (
          <>
            <strong>Signed checkpoint verified ✓</strong> log <span className="mono">{page.origin}</span>, {page.checkpoint.size}{' '}
            entries, Ed25519 signature checked against the published key. {verified} of {page.accesses.length} entries
            about you proven included.
          </>
        )}
      </div>
      {data.incidents.length > 0 && <IncidentsAboutYou incidents={data.incidents} verification={verification} />}
      {page.accesses.length === 0 ? (
        <p className="muted" data-testid="accesses-empty">
          Nobody has accessed your data.
        </p>
      ) : (
        <ul className="card-list">
          {page.accesses.map((item) => {
            const e = entryOf(item);
            const v = byIndex.get(item.index);
            if (!e || !v) return null;
            const abroad = e.actorPhysicalCountry !== me.home;
            return (
              <li
                key={item.index}
                className={abroad ? 'card access-item is-abroad' : 'card access-item'}
                data-testid="access-item"
                data-index={item.index}
                data-verified={v.status}
                data-employer={e.actorEmployer}
                data-physical-country={e.actorPhysicalCountry}
              >
                <div className="card-head">
                  <strong>
                    {e.actorEmployer} <span className="muted">({countryWithCode(e.actorEmployerCountry)})</span>
                  </strong>
                  <span className={e.decision === 'allow' ? 'status-pill status-allow' : 'status-pill status-deny'}>
                    {e.decision === 'allow' ? 'Allowed' : 'Denied'}
                  </span>
                </div>
                <dl className="kv">
                  <dt>When</dt>
                  <dd>{formatFull(e.time)}</dd>
                  <dt>From</dt>
                  <dd>
                    operator physically in <strong>{countryWithCode(e.actorPhysicalCountry)}</strong>
                    {e.actorOfficeCountry !== e.actorPhysicalCountry && `, office in ${countryWithCode(e.actorOfficeCountry)}`}
                    {abroad && <span className="abroad-flag">outside {countryName(me.home)}</span>}
                  </dd>
                  <dt>Why</dt>
                  <dd>
                    {purposeLabel(e.purpose)}
                    {e.caseRef ? `, case ${e.caseRef}` : ''}
                    {e.grantId ? ` (approved grant ${e.grantId})` : ''}
                  </dd>
                  <dt>What</dt>
                  <dd>
                    {e.action} of {e.categories.map(categoryLabel).join(', ')}
                    {e.fields.length > 0 && <span className="muted"> — fields {e.fields.join(', ')}</span>}
                    {e.decision === 'allow' && <span className="muted"> · {e.released} record{e.released === 1 ? '' : 's'} released</span>}
                  </dd>
                </dl>
                {incidentOf.has(item.index) && (
                  <p className="incident-tag small" data-testid="access-incident">
                    Part of incident: {incidentOf.get(item.index)}
                  </p>
                )}
                <VerificationBadge v={v} size={page.checkpoint.size} />
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/**
 * The incidents whose verified log entries released this person's data: what, when, from which
 * countries, and what the operator is doing. The proof is the entries themselves, listed below
 * and checked in this browser against the signed checkpoint.
 */
function IncidentsAboutYou({ incidents, verification }: { incidents: readonly PersonIncident[]; verification: PageVerification }) {
  const status = new Map(verification.entries.map((e) => [e.index, e.status]));
  return (
    <section className="incident-box" aria-label="Incidents that concern you" data-testid="privacy-incidents">
      <h3>Incidents that concern you</h3>
      {incidents.map((i) => {
        const proven = i.log.indexes.filter((index) => status.get(index) === 'verified').length;
        return (
          <article key={i.id} className="card incident-card" data-testid="privacy-incident" data-incident={i.id}>
            <h4>{i.title}</h4>
            <dl className="kv">
              <dt>When</dt>
              <dd>
                {i.entries} access{i.entries === 1 ? '' : 'es'} to your data between {formatFull(i.firstAt)} and {formatFull(i.lastAt)}
              </dd>
              <dt>Your data</dt>
              <dd data-testid="incident-categories">{i.categories.map(categoryLabel).join(', ')}</dd>
              <dt>By</dt>
              <dd data-testid="incident-countries">
                {i.organisations.map((o) => `${o.name} (${countryWithCode(o.country)})`).join(', ')}
                {i.actorCountries.length > 0 && <> · staff in {i.actorCountries.map(countryWithCode).join(', ')}</>}
              </dd>
              <dt>What is done</dt>
              <dd>
                <ul className="incident-response">
                  {i.response.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </dd>
            </dl>
            <p className="verify verify-ok small" data-testid="incident-proof">
              Proof: log entries {i.log.indexes.slice(0, 12).map((n) => `#${n}`).join(', ')}
              {i.log.indexes.length > 12 ? ' …' : ''} of cell {i.log.cell}; {proven} of {i.log.indexes.length} verified in your browser below.
            </p>
          </article>
        );
      })}
    </section>
  );
}

function VerificationBadge({ v, size }: { v: EntryVerification; size: number }) {
  if (v.status === 'verified') {
    return (
      <p className="verify verify-ok" data-testid="access-verification">
        Verified ✓ in your browser <span className="muted small">— entry #{v.index} is in the signed log of {size} entries</span>
      </p>
    );
  }
  if (v.status === 'pending') {
    return (
      <p className="verify verify-pending" data-testid="access-verification">
        Waiting for the next checkpoint… <span className="muted small">{v.reason}</span>
      </p>
    );
  }
  return (
    <p className="verify verify-failed" data-testid="access-verification" role="alert">
      Verification failed <span className="small">— {v.reason}</span>
    </p>
  );
}
