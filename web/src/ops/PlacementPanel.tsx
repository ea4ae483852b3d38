// Placement and migrations (admins; privacy officers read): the placement in force and its
// versions; a form to plan a move (home, categories, destination cell) showing what would move and
// on what basis, and to start it after a confirmation; requests that wait for a second admin (the
// two-person rule for large moves); and the jobs, polled every second while one runs, with a
// progress bar per job, its phase, an estimate of the time left, and the signed receipt and
// manifest to download once done.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { formatBytes, formatStamp } from '../format.js';
import { opsApi } from './api.js';
import type { MigrationJobView, MigrationPlan, MigrationRequestView, MoveInput, PlacementRule, PlacementView } from './migration.types.js';
import type { Operator } from './types.js';
import { useOpsAction, useOpsData } from './useOpsData.js';
import { FormError } from '../forms.js';

const FINISHED = ['done', 'aborted', 'failed'];
const POLL_MS = 1000;

interface Desk {
  placement: PlacementView;
  jobs: MigrationJobView[];
  requests: MigrationRequestView[];
}

/** Share of the work done: each record is copied, verified, then shredded at its source. */
function progressOf(view: MigrationJobView): number {
  const { total, steps } = view.progress;
  if (view.job.phase === 'done') return 1;
  if (total === 0) return 0;
  return (steps.copied.records + 2 * steps.verified.records + 3 * steps.shredded.records) / (3 * total);
}

function etaText(view: MigrationJobView, now: number): string {
  if (FINISHED.includes(view.job.phase)) return '';
  const done = progressOf(view);
  if (done <= 0) return 'estimating…';
  const elapsed = (now - Date.parse(view.job.startedAt)) / 1000;
  const left = Math.max(0, Math.round((elapsed * (1 - done)) / done));
  return left < 60 ? `about ${left} s left` : `about ${Math.round(left / 60)} min left`;
}

function ruleText(r: PlacementRule): string {
  return `${r.home ?? 'every home'} · ${r.class ?? 'every class'} · ${r.category} → ${r.cell}`;
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function PlacementPanel({ operator }: { operator: Operator }) {
  const id = useId();
  const allowed = operator.roles.some((r) => r === 'privacy-officer' || r === 'admin');
  const admin = operator.roles.includes('admin');
  const { data, error, reload } = useOpsData<Desk>(
    async () => {
      const [placement, jobs, requests] = await Promise.all([opsApi.placement(), opsApi.migrations(), opsApi.migrationRequests()]);
      return { placement, jobs: jobs.jobs, requests: requests.requests };
    },
    [],
    allowed,
  );
  const action = useOpsAction();
  const [form, setForm] = useState({ home: 'JP', categories: 'user.content.media,user.financial', to: '' });
  const [plan, setPlan] = useState<MigrationPlan | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  const running = data?.jobs.some((j) => !FINISHED.includes(j.job.phase)) ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      void reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  const cells = (data?.placement.cells ?? []).map((c) => c.id);
  const move = (): MoveInput => ({
    home: form.home.trim().toUpperCase(),
    categories: form.categories
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0),
    to: form.to || cells[0] || '',
  });

  async function submitPlan(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    setConfirming(false);
    setPlan(null);
    await action.run('plan', async () => setPlan(await opsApi.planMigration(move())));
  }

  async function start() {
    if (!plan) return;
    await action.run('start', async () => {
      const result = await opsApi.startMigration({ home: plan.home, categories: plan.categories, to: plan.to });
      setNotice(result.status === 'started' ? `Migration ${result.job?.id ?? ''} started.` : `The move concerns ${plan.subjects} people: request ${result.request?.id ?? ''} waits for another admin’s approval.`);
      setPlan(null);
      setConfirming(false);
      await reload();
    });
  }

  async function decide(request: string, decision: 'approve' | 'deny') {
    await action.run(`${decision}-${request}`, async () => {
      await opsApi.decideMigrationRequest(request, decision);
      setNotice(decision === 'approve' ? `Request ${request} approved: the migration started.` : `Request ${request} denied.`);
      await reload();
    });
  }

  async function download(job: string, file: 'receipt' | 'manifest') {
    await action.run(`${file}-${job}`, async () => save(await opsApi.migrationFile(job, file), `${job}-${file === 'receipt' ? 'receipt.json' : 'manifest.jsonl'}`));
  }

  if (!allowed) {
    return (
      <section className="ops-panel" data-testid="placement-panel">
        <h2>Placement &amp; migrations</h2>
        <p className="muted">Placement and migrations need the privacy-officer or admin role.</p>
      </section>
    );
  }

  const shownError = action.error ?? error;
  const current = data?.placement.current;
  const pending = data?.requests.filter((r) => r.status === 'pending') ?? [];
  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="placement-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Placement &amp; migrations</h2>
        <button type="button" className="button" onClick={() => void reload()} data-testid="placement-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">Where each home’s records live is versioned data; a migration is how it changes. Every step of a move is an entry in the access log of the people’s country.</p>
      {notice && (
        <p className="ops-ok" role="status" data-testid="placement-notice">
          {notice}
        </p>
      )}
      <FormError error={shownError} testId="ops-error" />

      {current && (
        <div className="ops-card ops-placement" data-testid="placement-current" data-version={current.version}>
          <h3 className="ops-card-title">
            Placement in force: version {current.version}
          </h3>
          <p className="small muted">
            {current.reason} · since {formatStamp(current.createdAt)}
          </p>
          <table className="ops-table ops-table-compact" data-testid="placement-rules">
            <caption className="visually-hidden">Rules of placement version {current.version}</caption>
            <thead>
              <tr>
                <th scope="col">Home</th>
                <th scope="col">Class</th>
                <th scope="col">Category</th>
                <th scope="col">Cell</th>
              </tr>
            </thead>
            <tbody>
              {current.rules.map((r) => (
                <tr key={ruleText(r)} data-rule={ruleText(r)}>
                  <td>{r.home ?? <span className="muted">every home</span>}</td>
                  <td>{r.class ?? <span className="muted">all but government</span>}</td>
                  <td>
                    <code>{r.category}</code>
                  </td>
                  <td>
                    <strong>{r.cell}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {(current.staging.length > 0 || current.fence.length > 0) && (
            <p className="small" data-testid="placement-moving">
              {current.staging.length > 0 && <>Being copied: {current.staging.map(ruleText).join('; ')}. </>}
              {current.fence.length > 0 && <>Moving (inserts wait): {current.fence.map(ruleText).join('; ')}.</>}
            </p>
          )}
          <details>
            <summary>Version history ({data.placement.versions.length})</summary>
            <table className="ops-table ops-table-compact" data-testid="placement-history">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Why</th>
                  <th scope="col">Written</th>
                  <th scope="col">Rules</th>
                </tr>
              </thead>
              <tbody>
                {data.placement.versions.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <td>{v.version}</td>
                    <td>{v.reason}</td>
                    <td>{formatStamp(v.createdAt)}</td>
                    <td className="small">
                      {v.rules.length} rules{v.staging.length > 0 ? `, ${v.staging.length} staged` : ''}
                      {v.fence.length > 0 ? `, ${v.fence.length} fenced` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      )}

      {admin ? (
        <form className="ops-card ops-form-grid" onSubmit={(e) => void submitPlan(e)} data-testid="migration-form" aria-labelledby={`${id}-plan`}>
          <h3 id={`${id}-plan`} className="ops-span-all ops-card-title">
            Plan a move
          </h3>
          <div className="ops-field">
            <label htmlFor={`${id}-home`}>People of (country code)</label>
            <input id={`${id}-home`} value={form.home} required maxLength={2} onChange={(e) => setForm((f) => ({ ...f, home: e.target.value }))} data-testid="migration-home" />
          </div>
          <div className="ops-field">
            <label htmlFor={`${id}-to`}>Destination cell</label>
            <select id={`${id}-to`} value={form.to || cells[0] || ''} onChange={(e) => setForm((f) => ({ ...f, to: e.target.value }))} data-testid="migration-to">
              {(data?.placement.cells ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id} ({c.jurisdiction})
                </option>
              ))}
            </select>
          </div>
          <div className="ops-field ops-span-all">
            <label htmlFor={`${id}-categories`}>Categories (comma-separated)</label>
            <input id={`${id}-categories`} value={form.categories} required onChange={(e) => setForm((f) => ({ ...f, categories: e.target.value }))} data-testid="migration-categories" />
          </div>
          <div className="ops-span-all ops-actions">
            <button type="submit" className="button" disabled={action.busy !== null} data-testid="migration-plan">
              {action.busy === 'plan' ? 'Planning…' : 'Plan'}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small">Planning, starting and approving moves need the admin role.</p>
      )}

      {plan && (
        <div className="ops-card ops-placement" data-testid="migration-planned" aria-labelledby={`${id}-planned`}>
          <h3 id={`${id}-planned`} className="ops-card-title">
            Plan: people of {plan.home} → cell {plan.to} ({plan.toJurisdiction})
          </h3>
          <p data-testid="plan-totals">
            <strong data-figure="records">{plan.records}</strong> records, <strong data-figure="bytes">{formatBytes(plan.bytes)}</strong>, <strong data-figure="subjects">{plan.subjects}</strong> people · from placement version {plan.placementVersion}
          </p>
          {plan.lines.length > 0 ? (
            <table className="ops-table ops-table-compact" data-testid="plan-lines">
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col">From cell</th>
                  <th scope="col">Records</th>
                  <th scope="col">Bytes</th>
                  <th scope="col">People</th>
                  <th scope="col">Basis</th>
                </tr>
              </thead>
              <tbody>
                {plan.lines.map((l) => (
                  <tr key={`${l.category}-${l.from}`} data-category={l.category} data-from={l.from}>
                    <td>
                      <code>{l.category}</code>
                    </td>
                    <td>{l.from}</td>
                    <td>{l.records}</td>
                    <td>{formatBytes(l.bytes)}</td>
                    <td>{l.subjects}</td>
                    <td className="small">{l.basis}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">Nothing to move: these records already live in cell {plan.to}.</p>
          )}
          {plan.records > 0 &&
            (confirming ? (
              <div className="ops-actions" role="group" aria-label="Confirm the move">
                <span>
                  Move {plan.records} records of {plan.subjects} people to cell {plan.to}? The source copies are shredded afterwards.
                </span>
                <button type="button" className="button button-primary" disabled={action.busy !== null} onClick={() => void start()} data-testid="migration-confirm">
                  {action.busy === 'start' ? 'Starting…' : 'Yes, start the move'}
                </button>
                <button type="button" className="button" onClick={() => setConfirming(false)} data-testid="migration-cancel">
                  Cancel
                </button>
              </div>
            ) : (
              <div className="ops-actions">
                <button type="button" className="button button-primary" onClick={() => setConfirming(true)} data-testid="migration-start">
                  Start…
                </button>
              </div>
            ))}
        </div>
      )}

      <h3>Requests awaiting a second admin</h3>
      {pending.length === 0 ? (
        <p className="muted small" data-testid="requests-empty">
          None. A move of more people than the configured threshold waits here for another admin.
        </p>
      ) : (
        <ul className="ops-report-list" data-testid="migration-requests">
          {pending.map((r) => (
            <li key={r.id} className="ops-card ops-report" data-testid="migration-request" data-id={r.id}>
              <div>
                <strong>
                  People of {r.home}: {r.categories.join(', ')} → {r.to}
                </strong>{' '}
                <span className="small muted">{r.id}</span>
                <div className="small">
                  {r.records} records, {formatBytes(r.bytes)}, {r.subjects} people · asked by {r.requestedBy} {formatStamp(r.requestedAt)}
                </div>
              </div>
              <div className="ops-row-actions">
                {r.requestedBy === operator.id ? (
                  <span className="small muted">Yours: another admin decides.</span>
                ) : admin ? (
                  <>
                    <button type="button" className="button button-primary button-small" disabled={action.busy !== null} onClick={() => void decide(r.id, 'approve')} data-testid="request-approve">
                      Approve
                    </button>
                    <button type="button" className="button button-small" disabled={action.busy !== null} onClick={() => void decide(r.id, 'deny')} data-testid="request-deny">
                      Deny
                    </button>
                  </>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}

      <h3>Migrations</h3>
      {data && data.jobs.length === 0 && (
        <p className="muted small" data-testid="migrations-empty">
          No migrations yet.
        </p>
      )}
      {data && data.jobs.length > 0 && (
        <ul className="ops-report-list" data-testid="migration-jobs">
          {data.jobs.map((view) => {
            const { job, progress } = view;
            const done = progressOf(view);
            const tone = job.phase === 'done' ? 'ok' : job.phase === 'failed' || job.phase === 'aborted' ? 'due' : 'soon';
            return (
              <li key={job.id} className="ops-card ops-report ops-migration" data-testid="migration-job" data-id={job.id} data-phase={job.phase}>
                <div className="ops-migration-body">
                  <div>
                    <strong>
                      People of {job.home}: {job.categories.join(', ')} → {job.to}
                    </strong>{' '}
                    <span className={`ops-clock ops-clock-${tone}`} data-testid="migration-phase">
                      {job.phase}
                    </span>
                  </div>
                  <div className="small muted">
                    {job.id} · from {job.from.join(', ') || '—'} · logged as {job.actor} · started {formatStamp(job.startedAt)}
                    {job.finishedAt ? ` · finished ${formatStamp(job.finishedAt)}` : ''} · placement {job.placementBefore} → {job.placementAfter ?? '…'}
                  </div>
                  <progress className="ops-progress" max={1} value={done} aria-label={`Progress of ${job.id}`} data-testid="migration-progress" />
                  <div className="small" data-testid="migration-steps">
                    {Math.round(done * 100)}% of {progress.total} records · {formatBytes(progress.bytes)} copied so far · {progress.steps.pending.records} waiting, {progress.steps.copied.records} copied, {progress.steps.verified.records} verified, {progress.steps.shredded.records} moved and shredded at the source
                    {etaText(view, now) ? ` · ${etaText(view, now)}` : ''}
                  </div>
                  {job.error && <div className="small ops-reasons">{job.error}</div>}
                </div>
                {view.receipt && (
                  <div className="ops-row-actions">
                    <button type="button" className="button button-small" onClick={() => void download(job.id, 'receipt')} data-testid="migration-receipt">
                      Receipt
                    </button>
                    <button type="button" className="button button-small" onClick={() => void download(job.id, 'manifest')} data-testid="migration-manifest">
                      Manifest
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
