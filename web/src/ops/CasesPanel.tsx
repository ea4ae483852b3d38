// Cases: support tickets, abuse reports, incidents and legal requests by kind and status
// (references and reason codes only, GET /v1/ops/cases). Opening one reads the case and the
// people it concerns through the broker (GET /v1/ops/cases/:ref), shown like a lookup. A case an
// operator opens is pending until another operator — an approver who did not open it — approves
// it (two beyond 100 people); support, moderators, security and admins close cases (after which
// no access may cite them).
import { useId, useState, type FormEvent } from 'react';
import { errorMessageWithCode } from '../http.js';
import { opsApi } from './api.js';
import { useOpsData } from './useOpsData.js';
import { deniedOutcome, OpenedOutcome, type BrokerOutcome } from './AccessResultView.js';
import { formatStamp } from '../format.js';
import { STAFF_CASE_KINDS, type CaseSummary, type Operator, type StaffCaseKind } from './types.js';
import { FormError } from '../forms.js';

type KindFilter = '' | CaseSummary['kind'];
type StatusFilter = '' | CaseSummary['status'];

const KIND_LABEL: Record<CaseSummary['kind'], string> = { support: 'support ticket', abuse: 'abuse report', incident: 'incident', legal: 'legal request' };
const STATUS_CLASS: Record<CaseSummary['status'], string> = { pending: 'pending', open: 'approved', closed: 'expired' };

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function CasesPanel({ operator }: { operator: Operator }) {
  const id = useId();
  const openable = STAFF_CASE_KINDS.filter((k) => k.roles.some((r) => operator.roles.includes(r as Operator['roles'][number])));
  const canClose = operator.roles.some((r) => r === 'support' || r === 'moderator' || r === 'security' || r === 'admin');
  const canApprove = operator.roles.includes('approver');
  const [kind, setKind] = useState<KindFilter>('');
  const [status, setStatus] = useState<StatusFilter>('open');
  const { data: cases, error, busy, reload: load, run } = useOpsData(async () => (await opsApi.cases({ ...(kind ? { kind } : {}), ...(status ? { status } : {}) })).cases, [kind, status]);
  const [open, setOpen] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<BrokerOutcome | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const [subjects, setSubjects] = useState('');
  const [newKind, setNewKind] = useState<StaffCaseKind>(openable[0]?.kind ?? 'support');
  const reasons = STAFF_CASE_KINDS.find((k) => k.kind === newKind)?.reasons ?? [];
  const [reason, setReason] = useState<string>(reasons[0] ?? 'other');
  const [notice, setNotice] = useState<string | null>(null);

  async function openCase(ref: string) {
    setOpen(ref);
    setOutcome(null);
    setOpenError(null);
    try {
      setOutcome({ kind: 'result', result: await opsApi.caseDetail(ref) });
    } catch (err) {
      const denied = deniedOutcome(err);
      if (denied) setOutcome(denied);
      else setOpenError(errorMessageWithCode(err));
    }
  }

  async function closeCase(ref: string) {
    setNotice(null);
    await run(`close ${ref}`, async () => {
      const closed = await opsApi.closeCase(ref);
      setNotice(`Closed ${closed.ref}: no access may cite it any more.`);
      if (open === ref) {
        setOpen(null);
        setOutcome(null);
      }
      await load();
    });
  }

  async function approveCase(ref: string) {
    setNotice(null);
    await run(`approve ${ref}`, async () => {
      const approved = await opsApi.approveCase(ref);
      setNotice(approved.status === 'open' ? `Approved ${approved.ref}: it is open and may be cited.` : `Approved ${approved.ref}: it needs another approver.`);
      await load();
    });
  }

  function chooseKind(kind: StaffCaseKind) {
    setNewKind(kind);
    setReason(STAFF_CASE_KINDS.find((k) => k.kind === kind)?.reasons[0] ?? 'other');
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    await run('open', async () => {
      const opened = await opsApi.openCase({ kind: newKind, subjects: list(subjects), reason });
      const approvals = opened.requiredApprovals === 1 ? 'another approver approves' : `${opened.requiredApprovals} other approvers approve`;
      setNotice(`Opened ${opened.ref}. It is pending: nobody may cite it until ${approvals} it.`);
      setSubjects('');
      await load();
    });
  }

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="cases-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Cases</h2>
        <label className="ops-inline-field">
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as KindFilter)} data-testid="cases-kind">
            <option value="">any</option>
            <option value="support">support tickets</option>
            <option value="abuse">abuse reports</option>
            <option value="incident">incidents</option>
            <option value="legal">legal requests</option>
          </select>
        </label>
        <label className="ops-inline-field">
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)} data-testid="cases-status">
            <option value="">any</option>
            <option value="pending">awaiting approval</option>
            <option value="open">open</option>
            <option value="closed">closed</option>
          </select>
        </label>
        <button type="button" className="button" onClick={() => void load()} data-testid="cases-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">The list shows references and reason codes only. Opening a case reads it and the people it concerns through the broker, and is logged.</p>
      {openable.length > 0 && (
        <form className="ops-card ops-form-grid" onSubmit={(e) => void submit(e)} data-testid="case-form">
          <div className="ops-field">
            <label htmlFor={`${id}-kind`}>Kind of case</label>
            <select id={`${id}-kind`} value={newKind} onChange={(e) => chooseKind(e.target.value as StaffCaseKind)} data-testid="case-kind">
              {openable.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          <div className="ops-field">
            <label htmlFor={`${id}-subj`}>About (subject ids)</label>
            <input id={`${id}-subj`} required value={subjects} onChange={(e) => setSubjects(e.target.value)} placeholder="hanako" data-testid="case-subjects" />
          </div>
          <div className="ops-field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <select id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="case-reason">
              {reasons.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div className="ops-span-all ops-actions">
            <p className="muted small">A case you open is pending until another operator approves it; a ticket the person opens in the app is open at once.</p>
            <button type="submit" className="button button-primary" disabled={busy !== null} data-testid="case-submit">
              {busy === 'open' ? 'Opening…' : 'Open case'}
            </button>
          </div>
        </form>
      )}
      {notice && (
        <p className="ops-ok" role="status" data-testid="case-notice">
          {notice}
        </p>
      )}
      <FormError error={error} testId="ops-error" />
      {cases && cases.length === 0 && (
        <p className="muted" data-testid="cases-empty">
          No cases.
        </p>
      )}
      {cases && cases.length > 0 && (
        <ul className="ops-report-list">
          {cases.map((c) => (
            <li key={c.ref} className={`ops-card ops-report${open === c.ref ? ' is-open' : ''}`} data-testid="case-item" data-ref={c.ref} data-status={c.status}>
              <div>
                <strong>{c.ref}</strong> <span className={`ops-status ops-status-${STATUS_CLASS[c.status]}`}>{c.status === 'pending' ? 'awaiting approval' : c.status}</span>{' '}
                <span className="small">
                  {KIND_LABEL[c.kind]} · {c.reason}
                  {c.requiredApprovals > 1 ? ` · ${c.requiredApprovals} approvers` : ''}
                </span>
                <div className="small muted">opened {formatStamp(c.createdAt)}</div>
              </div>
              <div className="ops-row-actions">
                <button type="button" className="button button-primary button-small" onClick={() => void openCase(c.ref)} data-testid="case-open">
                  Open case
                </button>
                {canApprove && c.status === 'pending' && (
                  <button type="button" className="button button-primary button-small" onClick={() => void approveCase(c.ref)} data-testid="case-approve">
                    Approve
                  </button>
                )}
                {canClose && c.status !== 'closed' && (
                  <button type="button" className="button button-small" onClick={() => void closeCase(c.ref)} data-testid="case-close">
                    Close
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <OpenedOutcome error={openError} heading={open ? `Case ${open}` : null} outcome={outcome} />
    </section>
  );
}
