// Just-in-time grants: request one (scope, purpose, real case, duration, location), list them with
// status and expiry, and approve, deny or revoke as the operator's roles allow (the server decides;
// its refusals are shown as they come). Reloads when the operator socket reports a grant change.
import { useId, useState, type FormEvent } from 'react';
import { errorMessageWithCode } from '../http.js';
import { opsApi } from './api.js';
import { useOpsAction, useOpsData } from './useOpsData.js';
import { formatRelative, formatStamp } from '../format.js';
import { PurposeField } from './fields.js';
import { CATEGORIES, type Grant, type GrantStatus, type Operator, type Purpose } from './types.js';
import { FormError } from '../forms.js';

interface GrantsPanelProps {
  operator: Operator;
  /** Country this console's requests come from: the default requested location. */
  country: string | null;
  /** Changes whenever the server pushes a grant change. */
  refreshKey: number;
}

const STATUSES: GrantStatus[] = ['pending', 'approved', 'denied', 'revoked', 'expired'];

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function GrantsPanel({ operator, country, refreshKey }: GrantsPanelProps) {
  const id = useId();
  const [filter, setFilter] = useState<GrantStatus | ''>('');
  const { data: grants, error: listError, reload: load } = useOpsData(async () => (await opsApi.grants(filter ? { status: filter } : {})).grants, [filter, refreshKey]);
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);

  async function act(grant: Grant, action: 'approve' | 'deny' | 'revoke') {
    setRowError(null);
    try {
      await opsApi.grantAction(grant.id, action);
      await load();
    } catch (err) {
      setRowError({ id: grant.id, message: errorMessageWithCode(err) });
    }
  }

  const approver = operator.roles.includes('approver');
  const canRevokeAny = operator.roles.some((r) => r === 'approver' || r === 'security' || r === 'admin');

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="grants-panel">
      <h2 id={`${id}-h`}>Access grants</h2>
      <p className="muted small">A grant releases named fields in clear for one requester, purpose, case and location, until it expires.</p>
      <GrantRequestForm country={country} onRequested={() => void load()} />
      <div className="ops-toolbar">
        <h3>{approver || canRevokeAny ? 'All grants' : 'Your grants'}</h3>
        <label className="ops-inline-field">
          Status
          <select value={filter} onChange={(e) => setFilter(e.target.value as GrantStatus | '')} data-testid="grants-filter">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" onClick={() => void load()} data-testid="grants-refresh">
          Refresh
        </button>
      </div>
      <FormError error={listError} testId="ops-error" />
      {grants && grants.length === 0 && <p className="muted">No grants.</p>}
      {grants && grants.length > 0 && (
        <table className="ops-table" data-testid="grants-table">
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col">Scope</th>
              <th scope="col">Purpose · case</th>
              <th scope="col">Status</th>
              <th scope="col">Expiry</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => {
              const own = g.requesterId === operator.id;
              const live = g.status === 'pending' || g.status === 'approved';
              return (
                <tr key={g.id} data-testid="grant-row" data-grant-id={g.id} data-status={g.status}>
                  <td>
                    <code>{g.id}</code>
                    <div className="small muted">by {g.requesterId} · from {g.requestedLocation}</div>
                  </td>
                  <td className="small">
                    <div>{g.subjects.slice(0, 5).join(', ') + (g.subjects.length > 5 ? ` +${g.subjects.length - 5}` : '')}</div>
                    <div>
                      {g.categories.map((c) => (
                        <code key={c}>{c} </code>
                      ))}
                    </div>
                    <div className="muted">fields: {g.fields.length > 0 ? g.fields.join(', ') : 'all'}</div>
                  </td>
                  <td className="small">
                    {g.purpose}
                    <div>{g.caseRef}</div>
                  </td>
                  <td>
                    <span className={`ops-status ops-status-${g.status}`} data-testid="grant-status">
                      {g.status}
                    </span>
                    <div className="small muted">
                      {g.approvals.length}/{g.requiredApprovals} approvals
                    </div>
                  </td>
                  <td className="small">
                    {g.expiresAt ? (
                      <>
                        {formatStamp(g.expiresAt)}
                        <div className="muted">{formatRelative(g.expiresAt)}</div>
                      </>
                    ) : (
                      <span className="muted">{Math.round(g.durationSeconds / 60)} min once approved</span>
                    )}
                  </td>
                  <td>
                    <div className="ops-row-actions">
                      {approver && g.status === 'pending' && !own && (
                        <>
                          <button type="button" className="button button-primary button-small" onClick={() => void act(g, 'approve')} data-testid="grant-approve">
                            Approve
                          </button>
                          <button type="button" className="button button-small" onClick={() => void act(g, 'deny')} data-testid="grant-deny">
                            Deny
                          </button>
                        </>
                      )}
                      {live && (own || canRevokeAny) && (
                        <button type="button" className="button button-danger button-small" onClick={() => void act(g, 'revoke')} data-testid="grant-revoke">
                          Revoke
                        </button>
                      )}
                    </div>
                    {rowError?.id === g.id && (
                      <p className="form-error small" role="alert">
                        {rowError.message}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function GrantRequestForm({ country, onRequested }: { country: string | null; onRequested: () => void }) {
  const id = useId();
  const [subjects, setSubjects] = useState('');
  const [categories, setCategories] = useState<string[]>(['user.contact']);
  const [fields, setFields] = useState('');
  const [purpose, setPurpose] = useState<Purpose>('SUPPORT_CASE');
  const [caseRef, setCaseRef] = useState('');
  const [duration, setDuration] = useState('30');
  const [location, setLocation] = useState(country ?? '');
  const { busy, error, run } = useOpsAction();
  const [done, setDone] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    await run('request', async () => {
      const grant = await opsApi.requestGrant({
        subjects: list(subjects),
        categories,
        ...(list(fields).length > 0 ? { fields: list(fields) } : {}),
        purpose,
        caseRef: caseRef.trim(),
        durationMinutes: Number(duration),
        requestedLocation: location.trim().toUpperCase(),
      });
      setDone(`Grant ${grant.id} requested; it waits for ${grant.requiredApprovals} approver${grant.requiredApprovals === 1 ? '' : 's'}.`);
      onRequested();
    });
  }

  return (
    <form className="ops-card ops-form-grid" onSubmit={(e) => void submit(e)} data-testid="grant-form" aria-label="Request a grant">
      <div className="ops-field">
        <label htmlFor={`${id}-subj`}>Subjects (comma-separated)</label>
        <input id={`${id}-subj`} required value={subjects} onChange={(e) => setSubjects(e.target.value)} placeholder="hanako" data-testid="grant-subjects" />
      </div>
      <div className="ops-field">
        <label htmlFor={`${id}-fields`}>Fields in clear (blank: all)</label>
        <input id={`${id}-fields`} value={fields} onChange={(e) => setFields(e.target.value)} placeholder="phone" data-testid="grant-fields" />
      </div>
      <PurposeField id={`${id}-purpose`} value={purpose} onChange={setPurpose} testId="grant-purpose" />
      <div className="ops-field">
        <label htmlFor={`${id}-case`}>Case reference</label>
        <input id={`${id}-case`} required value={caseRef} onChange={(e) => setCaseRef(e.target.value)} placeholder="T-1001" data-testid="grant-case" />
      </div>
      <div className="ops-field">
        <label htmlFor={`${id}-dur`}>Duration (minutes, 1–480)</label>
        <input id={`${id}-dur`} type="number" min={1} max={480} required value={duration} onChange={(e) => setDuration(e.target.value)} data-testid="grant-duration" />
      </div>
      <div className="ops-field">
        <label htmlFor={`${id}-loc`}>Requested location (country)</label>
        <input id={`${id}-loc`} required maxLength={2} value={location} onChange={(e) => setLocation(e.target.value)} placeholder="JP" data-testid="grant-location" />
      </div>
      <fieldset className="ops-field ops-span-all ops-checks">
        <legend>Data categories</legend>
        {CATEGORIES.map((c) => (
          <label key={c} className="ops-check">
            <input
              type="checkbox"
              checked={categories.includes(c)}
              onChange={(e) => setCategories((cur) => (e.target.checked ? [...cur, c] : cur.filter((x) => x !== c)))}
              data-testid={`grant-category-${c}`}
            />
            <code>{c}</code>
          </label>
        ))}
      </fieldset>
      <div className="ops-span-all ops-actions">
        <button type="submit" className="button button-primary" disabled={busy !== null || categories.length === 0} data-testid="grant-submit">
          {busy !== null ? 'Requesting…' : 'Request grant'}
        </button>
        {done && (
          <span className="ops-ok" role="status" data-testid="grant-requested">
            {done}
          </span>
        )}
      </div>
      <FormError error={error} testId="ops-error" className="ops-span-all" />
    </form>
  );
}
