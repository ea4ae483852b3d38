// Incidents (privacy officers, admins): record an incident with its scope over the access log,
// and read its report — the deadline clocks (red when due within a day), the figures computed by
// the server from the verified log, the monthly chart, the report items still to be written —
// and download it as PDF, HTML or CSV.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { errorMessageWithCode } from '../http.js';
import { countryName, formatStamp } from '../format.js';
import { opsApi } from './api.js';
import { useOpsData } from './useOpsData.js';
import type { Incident, IncidentReport, Operator, ReportDeadline, ReportStage } from './types.js';
import { FormError } from '../forms.js';

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function scopeText(i: Incident): string {
  const s = i.scope;
  const who = [s.actorOutside ? `actors outside ${s.actorOutside}` : null, s.actorCountry ? `actors in ${s.actorCountry}` : null, s.employer ? `employed by ${s.employer}` : null].filter(Boolean);
  return `People of ${countryName(s.home)} · ${s.from} to ${s.to}${who.length > 0 ? ` · ${who.join(', ')}` : ''}`;
}

function clock(d: ReportDeadline): { text: string; tone: 'due' | 'soon' | 'ok' | 'none' } {
  if (!d.applies) return { text: 'does not apply', tone: 'none' };
  if (d.hoursLeft === null || d.daysLeft === null) return { text: d.stated, tone: 'soon' };
  if (d.hoursLeft < 0) return { text: `overdue by ${Math.ceil(-d.hoursLeft / 24)} d`, tone: 'due' };
  if (d.hoursLeft < 24) return { text: `${d.hoursLeft} h left`, tone: 'due' };
  return { text: `${d.daysLeft} d left`, tone: d.daysLeft < 3 ? 'soon' : 'ok' };
}

export function IncidentsPanel({ operator }: { operator: Operator }) {
  const id = useId();
  const allowed = operator.roles.some((r) => r === 'privacy-officer' || r === 'admin');
  const { data: incidents, error, busy, reload, run } = useOpsData(async () => (await opsApi.incidents()).incidents, [], allowed);
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState({ title: '', knownAt: new Date().toISOString().slice(0, 16), home: 'JP', actorOutside: 'JP', employer: '', from: isoDay(Date.now() - 365 * DAY_MS), to: isoDay(Date.now()), wrongfulPurpose: false });
  const [open, setOpen] = useState<string | null>(null);
  const [stage, setStage] = useState<ReportStage>('preliminary');
  const [report, setReport] = useState<IncidentReport | null>(null);
  const [reportError, setReportError] = useState<string | null>(null);

  useEffect(() => {
    if (open === null) return;
    setReport(null);
    setReportError(null);
    opsApi.incidentReport(open, stage).then(setReport, (err: unknown) => setReportError(errorMessageWithCode(err)));
  }, [open, stage]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    await run('record', async () => {
      const opened = await opsApi.openIncident({
        title: form.title,
        // The field is the officer's local time; the server keeps UTC.
        knownAt: new Date(form.knownAt).toISOString(),
        home: form.home.trim().toUpperCase(),
        ...(form.actorOutside.trim() ? { actorOutside: form.actorOutside.trim().toUpperCase() } : {}),
        ...(form.employer.trim() ? { employer: form.employer.trim() } : {}),
        from: form.from,
        to: form.to,
        wrongfulPurpose: form.wrongfulPurpose,
      });
      setNotice(`Recorded incident ${opened.id}.`);
      setForm((f) => ({ ...f, title: '' }));
      await reload();
      setOpen(opened.id);
    });
  }

  async function download(format: 'pdf' | 'html' | 'csv') {
    if (open === null) return;
    try {
      const blob = await opsApi.incidentReportFile(open, stage, format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${open}-${stage}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setReportError(errorMessageWithCode(err));
    }
  }

  if (!allowed) {
    return (
      <section className="ops-panel" data-testid="incidents-panel">
        <h2>Incidents</h2>
        <p className="muted">Incidents and their reports need the privacy-officer or admin role.</p>
      </section>
    );
  }

  const field = (name: keyof typeof form, label: string, props: Record<string, unknown> = {}) => (
    <div className="ops-field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={String(form[name])}
        onChange={(e) => setForm((f) => ({ ...f, [name]: e.target.value }))}
        data-testid={`incident-${name}`}
        {...props}
      />
    </div>
  );

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="incidents-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Incidents</h2>
        <button type="button" className="button" onClick={() => void reload()} data-testid="incidents-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">An incident’s figures are computed from the verified access log only; the report names the checkpoint each number can be recomputed from.</p>
      <form className="ops-card ops-form-grid" onSubmit={(e) => void submit(e)} data-testid="incident-form">
        <div className="ops-span-all">{field('title', 'Title', { required: true, maxLength: 200, placeholder: 'Remote access from abroad' })}</div>
        {field('knownAt', 'Became aware (your local time)', { type: 'datetime-local', required: true })}
        {field('home', 'People of (country code)', { required: true, maxLength: 2 })}
        {field('actorOutside', 'Actors outside (country code)', { maxLength: 2 })}
        {field('employer', 'Employer (optional)', { maxLength: 120, placeholder: 'Shanghai Dev Ltd.' })}
        {field('from', 'From', { type: 'date', required: true })}
        {field('to', 'To', { type: 'date', required: true })}
        <label className="ops-check ops-span-all">
          <input type="checkbox" checked={form.wrongfulPurpose} onChange={(e) => setForm((f) => ({ ...f, wrongfulPurpose: e.target.checked }))} data-testid="incident-wrongful" />
          A wrongful purpose is suspected (unauthorised access, insider theft): 60-day final report
        </label>
        <div className="ops-span-all ops-actions">
          <button type="submit" className="button button-primary" disabled={busy !== null} data-testid="incident-submit">
            {busy !== null ? 'Recording…' : 'Record incident'}
          </button>
        </div>
      </form>
      {notice && (
        <p className="ops-ok" role="status" data-testid="incident-notice">
          {notice}
        </p>
      )}
      <FormError error={error} testId="ops-error" />
      {incidents && incidents.length === 0 && (
        <p className="muted" data-testid="incidents-empty">
          No incidents.
        </p>
      )}
      {incidents && incidents.length > 0 && (
        <ul className="ops-report-list">
          {incidents.map((i) => (
            <li key={i.id} className={`ops-card ops-report${open === i.id ? ' is-open' : ''}`} data-testid="incident-item" data-id={i.id}>
              <div>
                <strong>{i.title}</strong> <span className="small muted">{i.id}</span>
                <div className="small">{scopeText(i)}</div>
                <div className="small muted">
                  aware since {formatStamp(i.knownAt)}
                  {i.wrongfulPurpose ? ' · wrongful purpose suspected' : ''}
                </div>
              </div>
              <div className="ops-row-actions">
                <button type="button" className="button button-primary button-small" onClick={() => setOpen(i.id)} data-testid="incident-open">
                  Report
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {open !== null && (
        <IncidentReportView report={report} error={reportError} stage={stage} onStage={setStage} onDownload={(f) => void download(f)} />
      )}
    </section>
  );
}

interface ReportViewProps {
  report: IncidentReport | null;
  error: string | null;
  stage: ReportStage;
  onStage: (stage: ReportStage) => void;
  onDownload: (format: 'pdf' | 'html' | 'csv') => void;
}

function IncidentReportView({ report, error, stage, onStage, onDownload }: ReportViewProps) {
  const id = useId();
  if (error) {
    return (
      <p className="form-error" role="alert" data-testid="report-error">
        {error}
      </p>
    );
  }
  if (!report) return <p className="muted">Verifying the log and computing the report…</p>;
  const figures: [string, string | number][] = [
    ['Entries', report.entries],
    ['Allowed entries', report.allowedEntries],
    ['Denied entries', report.deniedEntries],
    ['People whose data was released', report.subjects],
    ['Message content released', report.contentAccessed ? 'yes' : 'no'],
    ['Actors', report.actors.length],
  ];
  return (
    <article className="ops-result ops-incident-report" aria-labelledby={`${id}-h`} data-testid="incident-report">
      <div className="ops-toolbar">
        <h3 id={`${id}-h`}>{report.incident.title}</h3>
        <label className="ops-inline-field">
          Report
          <select value={stage} onChange={(e) => onStage(e.target.value as ReportStage)} data-testid="report-stage">
            <option value="preliminary">preliminary</option>
            <option value="final">final</option>
          </select>
        </label>
        {(['pdf', 'html', 'csv'] as const).map((f) => (
          <button key={f} type="button" className="button button-small" onClick={() => onDownload(f)} data-testid={`report-download-${f}`}>
            Download {f.toUpperCase()}
          </button>
        ))}
      </div>
      <p className="small muted">
        {report.reportRequired ? 'A report to the regulator is required.' : 'No trigger category holds: no report to the regulator is required.'} Computed{' '}
        {formatStamp(report.generatedAt)} from{' '}
        {report.checkpoint.map((c) => `${c.origin} at size ${c.size} (root ${c.rootHash.slice(0, 12)}…)`).join(', ')}.
      </p>
      <h4>Deadlines</h4>
      <table className="ops-table" data-testid="report-deadlines">
        <thead>
          <tr>
            <th scope="col">To</th>
            <th scope="col">Stage</th>
            <th scope="col">Deadline</th>
            <th scope="col">Due</th>
            <th scope="col">Clock</th>
          </tr>
        </thead>
        <tbody>
          {report.deadlines.map((d) => {
            const c = clock(d);
            return (
              <tr key={d.rule} data-rule={d.rule} data-tone={c.tone} className={d.applies ? undefined : 'ops-row-muted'}>
                <td>{d.authority ?? 'the people concerned'}</td>
                <td>{d.stage}</td>
                <td>{d.stated}</td>
                <td>{d.due ? formatStamp(d.due) : '—'}</td>
                <td>
                  <span className={`ops-clock ops-clock-${c.tone}`} title={d.why}>
                    {c.text}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h4>Figures</h4>
      <dl className="ops-figures" data-testid="report-figures">
        {figures.map(([label, value]) => (
          <div key={label} data-figure={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h4>Entries per month</h4>
      <MonthChart months={report.byMonth} />
      <h4>Actors</h4>
      <table className="ops-table" data-testid="report-actors">
        <thead>
          <tr>
            <th scope="col">Actor</th>
            <th scope="col">Employer</th>
            <th scope="col">Where they were</th>
            <th scope="col">Entries</th>
            <th scope="col">People</th>
          </tr>
        </thead>
        <tbody>
          {report.actors.map((a) => (
            <tr key={a.actor}>
              <td>{a.actor}</td>
              <td>{a.employer ? `${a.employer} (${a.employerCountry ?? '?'})` : 'system job'}</td>
              <td>{a.physicalCountries.join(', ') || 'unknown'}</td>
              <td>{a.entries}</td>
              <td>{a.subjects}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Categories</h4>
      <table className="ops-table" data-testid="report-categories">
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Records released</th>
            <th scope="col">People</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(report.categories).map(([c, n]) => (
            <tr key={c}>
              <td>{c}</td>
              <td>{n}</td>
              <td>{report.subjectsByCategory[c] ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Report items</h4>
      <dl className="ops-items" data-testid="report-items">
        {report.items.map((i) => (
          <div key={i.id} className={i.toBeWritten ? 'is-blank' : undefined}>
            <dt>{i.title}</dt>
            <dd>{i.text}</dd>
          </div>
        ))}
      </dl>
    </article>
  );
}

function MonthChart({ months }: { months: IncidentReport['byMonth'] }) {
  const max = Math.max(1, ...months.map((m) => m.entries));
  const w = 640;
  const h = 160;
  const bw = (w - 20) / Math.max(1, months.length);
  return (
    <svg className="ops-chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`Entries per month: ${months.map((m) => `${m.month} ${m.entries}`).join(', ')}`} data-testid="report-chart">
      <line x1="10" y1={h - 20} x2={w - 10} y2={h - 20} className="ops-chart-axis" />
      {months.map((m, i) => {
        const bh = ((h - 44) * m.entries) / max;
        const x = 10 + i * bw;
        return (
          <g key={m.month}>
            {m.entries > 0 && <rect x={x + 3} y={h - 20 - bh} width={bw - 6} height={bh} className="ops-chart-bar" />}
            <text x={x + bw / 2} y={h - 6} textAnchor="middle" className="ops-chart-label">
              {m.month.slice(2)}
            </text>
            {m.entries > 0 && (
              <text x={x + bw / 2} y={h - 24 - bh} textAnchor="middle" className="ops-chart-label">
                {m.entries}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
