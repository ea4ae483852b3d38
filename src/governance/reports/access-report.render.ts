// The access and incident reports for people: one document model (titled tables, the monthly
// chart's bars, the report items) that the text, HTML, CSV and PDF renderers all draw, so each
// JSON number appears in every format under the same label. Pure.
import { countryName } from '../../cells/countries.js';
import type { AccessReport } from './access-report.js';
import type { IncidentReport, ReportItem } from './incident-report.js';

export interface ReportTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface ReportDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly tables: readonly ReportTable[];
  /** Entries per month, for the chart. */
  readonly chart: readonly { readonly month: string; readonly entries: number }[];
  readonly items: readonly ReportItem[];
}

const isIncident = (r: AccessReport): r is IncidentReport => 'incident' in r;
const country = (c: string | null): string => (c === null ? '–' : c);

function left(d: IncidentReport['deadlines'][number]): string {
  if (d.daysLeft === null || d.hoursLeft === null) return '–';
  if (d.hoursLeft < 0) return `overdue by ${-d.daysLeft} d`;
  return d.hoursLeft < 48 ? `${d.hoursLeft} h` : `${d.daysLeft} d`;
}

export function reportDocument(report: AccessReport): ReportDocument {
  const s = report.scope;
  const incident = isIncident(report) ? report : null;
  const tables: ReportTable[] = [];
  if (incident !== null) {
    tables.push({
      title: 'Incident',
      columns: ['Item', 'Value'],
      rows: [
        ['Incident', incident.incident.id],
        ['Title', incident.incident.title],
        ['Became aware', incident.incident.knownAt],
        ['Report', incident.stage],
        ['Report to the regulator required', incident.reportRequired ? 'yes' : 'no'],
      ],
    });
    tables.push({
      title: 'Deadlines',
      columns: ['Authority', 'Stage', 'Deadline', 'Due', 'Time left', 'Applies', 'Why'],
      rows: incident.deadlines.map((d) => [d.authority ?? 'the people concerned', d.stage, d.stated, d.due === null ? 'promptly' : `${d.due.slice(0, 16).replace('T', ' ')} UTC`, left(d), d.applies ? 'yes' : 'no', d.why]),
    });
  }
  tables.push({
    title: 'Scope',
    columns: ['Item', 'Value'],
    rows: [
      ['People of', `${countryName(s.home)} (${s.home})`],
      ['Actors outside', s.actorOutside === null ? '–' : s.actorOutside],
      ['Actors in', s.actorCountry === null ? '–' : s.actorCountry],
      ['Employer', s.employer ?? '–'],
      ['From', s.from],
      ['To', s.to],
    ],
  });
  tables.push({
    title: 'Logs read (verified)',
    columns: ['Cell', 'Origin', 'Size', 'Root hash'],
    rows: report.checkpoint.map((c) => [c.cell, c.origin, String(c.size), c.rootHash]),
  });
  tables.push({
    title: 'Figures',
    columns: ['Figure', 'Value'],
    rows: [
      ['Entries', String(report.entries)],
      ['Allowed entries', String(report.allowedEntries)],
      ['Denied entries', String(report.deniedEntries)],
      ['People whose data was released', String(report.subjects)],
      ['Message content released', report.contentAccessed ? 'yes' : 'no'],
      ['Actors', String(report.actors.length)],
    ],
  });
  tables.push({
    title: 'Actors',
    columns: ['Actor', 'Employer', 'Employer country', 'Office', 'Physical countries', 'Entries', 'People'],
    rows: report.actors.map((a) => [a.actor, a.employer ?? 'system job', country(a.employerCountry), country(a.officeCountry), a.physicalCountries.join(' ') || '–', String(a.entries), String(a.subjects)]),
  });
  tables.push({
    title: 'Categories',
    columns: ['Category', 'Records released', 'People'],
    rows: Object.entries(report.categories).map(([c, n]) => [c, String(n), String(report.subjectsByCategory[c] ?? 0)]),
  });
  tables.push({
    title: 'Per month',
    columns: ['Month', 'Entries', 'People'],
    rows: report.byMonth.map((m) => [m.month, String(m.entries), String(m.subjects)]),
  });
  return {
    title: incident !== null ? `Draft ${incident.stage} report: ${incident.incident.title}` : `Access report: people of ${countryName(s.home)}`,
    subtitle: `Generated ${report.generatedAt} from verified access-log entries only; every number can be recomputed from the checkpoints listed.`,
    tables,
    chart: report.byMonth.map((m) => ({ month: m.month, entries: m.entries })),
    items: incident?.items ?? [],
  };
}

export function renderReportText(report: AccessReport): string {
  const doc = reportDocument(report);
  const lines = [doc.title, doc.subtitle];
  for (const t of doc.tables) {
    const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: readonly string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
    lines.push('', t.title, line(t.columns), ...t.rows.map(line));
  }
  if (doc.items.length > 0) {
    lines.push('', 'Report items');
    for (const item of doc.items) lines.push(`  ${item.title}: ${item.text}`);
  }
  return `${lines.join('\n')}\n`;
}

const csvCell = (v: string): string => (/[",\n\r]/.test(v) || /^[=+\-@]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One row per value: section, row key, column, value — so a spreadsheet can pivot it. */
export function renderReportCsv(report: AccessReport): string {
  const doc = reportDocument(report);
  const rows: string[][] = [['section', 'key', 'field', 'value']];
  for (const t of doc.tables) {
    for (const r of t.rows) for (let i = 1; i < t.columns.length; i++) rows.push([t.title, r[0] ?? '', t.columns[i] ?? '', r[i] ?? '']);
  }
  for (const item of doc.items) rows.push(['Report items', item.id, item.title, item.text]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The monthly chart as an SVG bar chart (vector, no script). */
export function chartSvg(chart: ReportDocument['chart']): string {
  const w = 640;
  const h = 200;
  const max = Math.max(1, ...chart.map((c) => c.entries));
  const bw = (w - 40) / Math.max(1, chart.length);
  const bars = chart
    .map((c, i) => {
      const bh = ((h - 40) * c.entries) / max;
      const x = 30 + i * bw;
      return `<rect x="${x + 2}" y="${h - 20 - bh}" width="${bw - 4}" height="${bh}" fill="#2f5d8a"><title>${c.month}: ${c.entries}</title></rect><text x="${x + bw / 2}" y="${h - 6}" font-size="9" text-anchor="middle">${c.month.slice(2)}</text>${c.entries > 0 ? `<text x="${x + bw / 2}" y="${h - 24 - bh}" font-size="9" text-anchor="middle">${c.entries}</text>` : ''}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Access-log entries per month"><line x1="30" y1="${h - 20}" x2="${w - 10}" y2="${h - 20}" stroke="#555"/>${bars}</svg>`;
}

export function renderReportHtml(report: AccessReport): string {
  const doc = reportDocument(report);
  const tables = doc.tables
    .map((t) => `<section><h2>${esc(t.title)}</h2><table><thead><tr>${t.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table></section>`)
    .join('\n');
  const items =
    doc.items.length === 0
      ? ''
      : `<section><h2>Report items</h2><dl>${doc.items.map((i) => `<dt>${esc(i.title)}</dt><dd${i.toBeWritten ? ' class="blank"' : ''}>${esc(i.text)}</dd>`).join('')}</dl></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:1.5rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}td{font-variant-numeric:tabular-nums;overflow-wrap:anywhere}.blank{color:#8a1c1c;font-weight:600}</style></head>
<body><main><h1>${esc(doc.title)}</h1><p>${esc(doc.subtitle)}</p>
<section><h2>Entries per month</h2>${chartSvg(doc.chart)}</section>
${tables}
${items}
</main></body></html>
`;
}
