// Issue 11's "done when": on the demo world, `report access` gives the numbers an independent
// count over the verified, exported JP log gives; the incident report's PDF shows the same
// numbers as its JSON, with every report item; and a tampered log makes the report refuse.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { pdfPageCount, pdfTextRuns } from '../support/pdf.js';
import { verifyTiledLog } from '../log/tlog-client.js';

let config: { file: string; dataDir: string };
const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * DAY).toISOString().slice(0, 10);

interface LoggedEntry {
  time: string;
  actor: string;
  actorEmployer: string | null;
  actorEmployerCountry: string | null;
  actorOfficeCountry: string | null;
  actorPhysicalCountry: string | null;
  subjectJurisdiction: string;
  subjects: string[];
  categories: string[];
  decision: string;
  released: number;
}

/** The export of the JP log, checked by the independent tlog client: its checkpoint and entries. */
async function exportedJpLog(): Promise<{ size: number; root: string; entries: LoggedEntry[] }> {
  const out = path.join(tempDir('domicile-report-export'), 'jp');
  expect((await runDomicile(['log', 'export', '--cell', 'jp', '--out', out, '--config', config.file])).code).toBe(0);
  const key = (await runDomicile(['log', 'key', '--cell', 'jp', '--config', config.file])).stdout.trim();
  const log = await verifyTiledLog({
    fetch: async (p) => (fs.existsSync(path.join(out, p)) ? fs.readFileSync(path.join(out, p)) : null),
    verifierKey: key,
    origin: 'domicile.test/log/jp',
  });
  const opened = openingsOf(fs.readFileSync(path.join(out, 'openings.jsonl'), 'utf8'));
  const entries = log.entries.map((e, idx) => openByHand(JSON.parse(e.toString('utf8')) as LoggedEntry, opened.get(idx)));
  return { size: log.size, root: log.root.toString('base64'), entries };
}

interface Opening {
  actor: { id: string; salt: string } | null;
  subjects: { id: string; salt: string }[];
}

function openingsOf(text: string): Map<number, Opening> {
  const lines = text.split('\n').filter((l) => l.length > 0);
  return new Map(lines.map((l) => JSON.parse(l) as Opening & { idx: number }).map((o) => [o.idx, o]));
}

/** Replaces each commitment by the id that opens it, recomputed as docs/access-log.md states it. */
function openByHand(entry: LoggedEntry, opening: Opening | undefined): LoggedEntry {
  const commit = (salt: string, id: string) =>
    `c1:${crypto.createHash('sha256').update('domicile/access-log/commitment/v1\n').update(Buffer.from(salt, 'base64url')).update(id).digest('base64url')}`;
  const ids = new Map((opening?.subjects ?? []).map((s) => [commit(s.salt, s.id), s.id]));
  if (opening?.actor) ids.set(commit(opening.actor.salt, opening.actor.id), opening.actor.id);
  const open = (v: string) => (v.startsWith('c1:') ? (ids.get(v) ?? expect.fail(`no opening for ${v} in the export`)) : v);
  return { ...entry, actor: open(entry.actor), subjects: entry.subjects.map(open) };
}

/**
 * The figures counted by hand from exported entries, following the rules docs/reports.md states:
 * in the window [from 00:00Z, to+1d 00:00Z); an operator is outside JP when a known country of
 * theirs is not JP or where they were is unknown; released = allowed with records.
 */
function countByHand(entries: LoggedEntry[], from: string, to: string) {
  const start = Date.parse(`${from}T00:00:00.000Z`);
  const end = Date.parse(`${to}T00:00:00.000Z`) + DAY;
  const inScope = entries.filter((e) => {
    const t = Date.parse(e.time);
    if (e.subjectJurisdiction !== 'JP' || t < start || t >= end) return false;
    const known = [e.actorPhysicalCountry, e.actorOfficeCountry, e.actorEmployerCountry].filter((c) => c !== null);
    return known.some((c) => c !== 'JP') || (e.actorEmployer !== null && e.actorPhysicalCountry === null);
  });
  const releasedTo = inScope.filter((e) => e.decision === 'allow' && e.released > 0);
  const actors: Record<string, { entries: number; subjects: Set<string>; employer: string | null }> = {};
  const months: Record<string, { entries: number; subjects: Set<string> }> = {};
  const categories: Record<string, number> = {};
  const people = new Set<string>();
  for (const e of inScope) {
    actors[e.actor] ??= { entries: 0, subjects: new Set(), employer: e.actorEmployer };
    actors[e.actor]!.entries += 1;
    const month = e.time.slice(0, 7);
    months[month] ??= { entries: 0, subjects: new Set() };
    months[month].entries += 1;
  }
  for (const e of releasedTo) {
    for (const s of e.subjects) {
      people.add(s);
      actors[e.actor]!.subjects.add(s);
      months[e.time.slice(0, 7)]!.subjects.add(s);
    }
    for (const c of e.categories) categories[c] = (categories[c] ?? 0) + e.released;
  }
  return {
    entries: inScope.length,
    allowedEntries: inScope.filter((e) => e.decision === 'allow').length,
    deniedEntries: inScope.filter((e) => e.decision === 'deny').length,
    subjects: people.size,
    actors: Object.entries(actors)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([actor, a]) => ({ actor, employer: a.employer, entries: a.entries, subjects: a.subjects.size })),
    months: Object.fromEntries(Object.entries(months).map(([m, v]) => [m, { entries: v.entries, subjects: v.subjects.size }])),
    categories,
  };
}

interface ReportJson {
  checkpoint: { cell: string; origin: string; size: number; rootHash: string }[];
  entries: number;
  allowedEntries: number;
  deniedEntries: number;
  subjects: number;
  subjectsByCategory: Record<string, number>;
  contentAccessed: boolean;
  actors: { actor: string; employer: string | null; employerCountry: string | null; officeCountry: string | null; physicalCountries: string[]; entries: number; subjects: number }[];
  byMonth: { month: string; entries: number; subjects: number }[];
  categories: Record<string, number>;
}

interface IncidentReportJson extends ReportJson {
  incident: { id: string; knownAt: string };
  reportRequired: boolean;
  deadlines: { rule: string; due: string | null; applies: boolean; daysLeft: number | null; hoursLeft: number | null }[];
  items: { id: string; title: string; text: string; toBeWritten: boolean }[];
}

beforeAll(async () => {
  config = writeTestConfig();
  expect((await runDomicile(['demo', '--config', config.file])).code).toBe(0);
}, 120_000);

describe('report access on the demo world', () => {
  it('gives the numbers an independent count over the verified, exported JP log gives', async () => {
    const result = await runDomicile(['report', 'access', '--home', 'JP', '--actor-outside', 'JP', '--from', yearAgo, '--to', today, '--json', '--config', config.file]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    const log = await exportedJpLog();
    const hand = countByHand(log.entries, yearAgo, today);

    // The same tree: the report names the checkpoint the export verified.
    expect(report.checkpoint).toEqual([{ cell: 'jp', origin: 'domicile.test/log/jp', size: log.size, rootHash: log.root }]);
    expect(hand.entries).toBeGreaterThan(0);
    expect(report).toMatchObject({ entries: hand.entries, allowedEntries: hand.allowedEntries, deniedEntries: hand.deniedEntries, subjects: hand.subjects, categories: hand.categories });
    expect(report.actors.map((a) => ({ actor: a.actor, employer: a.employer, entries: a.entries, subjects: a.subjects }))).toEqual(hand.actors);
    expect(Object.fromEntries(report.byMonth.filter((m) => m.entries > 0).map((m) => [m.month, { entries: m.entries, subjects: m.subjects }]))).toEqual(hand.months);
    // The story: Shanghai Dev Ltd.'s engineers in China read message content; Tokyo support is not in scope.
    expect(new Set(report.actors.map((a) => a.employer))).toEqual(new Set(['Shanghai Dev Ltd.']));
    expect(report.actors.every((a) => a.physicalCountries.join() === 'CN')).toBe(true);
    expect(report.contentAccessed).toBe(true);
    expect(report.byMonth.at(-1)?.month).toBe(today.slice(0, 7));
  });

  it('refuses bad scopes with exit 2 and a message naming the option', async () => {
    const bad = [
      [['--actor-outside', 'JP', '--from', yearAgo, '--to', today], '--home is required'],
      [['--home', 'XX', '--from', yearAgo, '--to', today], 'not a jurisdiction of this deployment'],
      [['--home', 'JP', '--from', '2026-02-30', '--to', today], '--from must be a calendar day'],
      [['--home', 'JP', '--from', today, '--to', yearAgo], 'is before --from'],
      [['--home', 'JP', '--actor-outside', 'JP', '--actor-country', 'CN', '--from', yearAgo, '--to', today], 'not both'],
      [['--home', 'JP', '--from', yearAgo, '--to', today, '--format', 'docx'], '--format must be one of'],
      [['--home', 'JP', '--from', yearAgo, '--to', today, '--format', 'pdf'], '--format pdf needs --out'],
    ] as const;
    for (const [args, message] of bad) {
      const result = await runDomicile(['report', 'access', ...args, '--config', config.file]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    }
  });
});

describe('incidents', () => {
  it('refuses an incident with bad options and writes nothing', async () => {
    const base = ['--title', 'Remote access', '--known-at', '2026-11-20T09:00:00Z', '--home', 'JP', '--from', yearAgo, '--to', today];
    for (const [args, message] of [
      [base.map((a) => (a === '2026-11-20T09:00:00Z' ? 'last tuesday' : a)), '--known-at must be'],
      [base.map((a) => (a === 'JP' ? 'Japan' : a)), '--home must be a two-letter country code'],
      [[...base, '--employer', 'Shanghai <Dev>'], '--employer must be'],
      [base.slice(2), '--title is required'],
    ] as const) {
      const result = await runDomicile(['incident', 'open', ...args, '--config', config.file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect((await runDomicile(['incident', 'list', '--json', '--config', config.file])).stdout).toContain('"incidents": []');
    expect((await runDomicile(['incident', 'show', 'inc-nope', '--config', config.file])).code).toBe(1);
  });

  it('opens an incident and drafts its report: deadlines from known-at, and a PDF with the JSON’s numbers and every report item', async () => {
    const knownAt = new Date(Date.now() - 2 * DAY).toISOString();
    const opened = await runDomicile([
      'incident', 'open', '--title', 'Remote access from China by contractor engineers', '--known-at', knownAt,
      '--home', 'JP', '--actor-outside', 'JP', '--from', yearAgo, '--to', today, '--wrongful-purpose', '--json', '--config', config.file,
    ]);
    expect(opened.code, opened.stderr).toBe(0);
    const { id } = JSON.parse(opened.stdout) as { id: string };
    expect((await runDomicile(['incident', 'list', '--config', config.file])).stdout).toContain(id);
    expect((await runDomicile(['incident', 'show', id, '--config', config.file])).stdout).toContain('wrongful purpose suspected');

    const json = await runDomicile(['report', 'incident', id, '--json', '--config', config.file]);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as IncidentReportJson;
    const adHoc = JSON.parse((await runDomicile(['report', 'access', '--home', 'JP', '--actor-outside', 'JP', '--from', yearAgo, '--to', today, '--json', '--config', config.file])).stdout) as ReportJson;
    expect(report.entries).toBe(adHoc.entries);
    expect(report.subjects).toBe(adHoc.subjects);
    expect(report.reportRequired).toBe(true);

    const rule = (r: string) => report.deadlines.find((d) => d.rule === r);
    const known = Date.parse(knownAt);
    expect(rule('jp-ppc-preliminary')).toMatchObject({ applies: true, due: new Date(known + 5 * DAY).toISOString(), daysLeft: 2 });
    expect(rule('jp-ppc-final-wrongful')).toMatchObject({ applies: true, due: new Date(known + 60 * DAY).toISOString(), daysLeft: 57 });
    expect(rule('jp-ppc-final')?.applies).toBe(false);
    expect(rule('jp-telecom-detailed')).toMatchObject({ applies: true, due: new Date(known + 30 * DAY).toISOString() });

    const pdfFile = path.join(tempDir('domicile-report-pdf'), 'report.pdf');
    const pdf = await runDomicile(['report', 'incident', id, '--format', 'pdf', '--out', pdfFile, '--config', config.file]);
    expect(pdf.code, pdf.stderr).toBe(0);
    const bytes = fs.readFileSync(pdfFile);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfPageCount(bytes)).toBeGreaterThanOrEqual(2);
    const runs = pdfTextRuns(bytes);
    const row = (...cells: string[]) => {
      const at = runs.findIndex((_, i) => cells.every((c, k) => runs[i + k] === c));
      expect(at, `PDF row ${cells.join(' | ')}`).toBeGreaterThanOrEqual(0);
    };
    row('Entries', String(report.entries));
    row('Allowed entries', String(report.allowedEntries));
    row('Denied entries', String(report.deniedEntries));
    row('People whose data was released', String(report.subjects));
    row('Message content released', report.contentAccessed ? 'yes' : 'no');
    for (const c of report.checkpoint) row(c.cell, c.origin, String(c.size), c.rootHash);
    for (const a of report.actors) row(a.actor, a.employer ?? 'system job', a.employerCountry ?? '–', a.officeCountry ?? '–', a.physicalCountries.join(' '), String(a.entries), String(a.subjects));
    for (const [c, n] of Object.entries(report.categories)) row(c, String(n), String(report.subjectsByCategory[c]));
    for (const m of report.byMonth) row(m.month, String(m.entries), String(m.subjects));
    const all = runs.join('\n');
    for (const item of report.items) expect(all).toContain(item.title);
    expect(report.items.map((i) => i.id)).toEqual(['summary', 'data-items', 'people', 'cause', 'secondary-damage', 'response-to-people', 'publication', 'recurrence', 'other']);
    expect(all.match(/\[TO BE WRITTEN/g)?.length).toBe(report.items.filter((i) => i.toBeWritten).length);
    for (const d of report.deadlines.filter((x) => x.due !== null)) expect(all).toContain(`${d.due?.slice(0, 10)}`);

    const csv = (await runDomicile(['report', 'incident', id, '--format', 'csv', '--config', config.file])).stdout;
    expect(csv).toContain(`Figures,Entries,Value,${report.entries}\r\n`);
    const html = (await runDomicile(['report', 'incident', id, '--format', 'html', '--config', config.file])).stdout;
    expect(html).toContain(`<td>People whose data was released</td><td>${report.subjects}</td>`);
    expect(html).toContain('<svg');
  });
});

describe('incident notify-list', () => {
  it('lists each person whose data was released with the categories released, after logging the read in their home log', async () => {
    const opened = await runDomicile(['incident', 'open', '--title', 'Notify', '--known-at', new Date().toISOString(), '--home', 'JP', '--actor-outside', 'JP', '--from', yearAgo, '--to', today, '--json', '--config', config.file]);
    const { id } = JSON.parse(opened.stdout) as { id: string };
    const result = await runDomicile(['incident', 'notify-list', id, '--json', '--config', config.file]);
    expect(result.code, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as { subjects: { subject: string; categories: string[] }[]; checkpoint: { size: number } };

    const log = await exportedJpLog();
    // By hand: released to actors outside JP in the window, per subject.
    const start = Date.parse(`${yearAgo}T00:00:00.000Z`);
    const byHand = new Map<string, Set<string>>();
    for (const e of log.entries.slice(0, list.checkpoint.size)) {
      const known = [e.actorPhysicalCountry, e.actorOfficeCountry, e.actorEmployerCountry].filter((c) => c !== null);
      const outside = known.some((c) => c !== 'JP') || (e.actorEmployer !== null && e.actorPhysicalCountry === null);
      if (e.subjectJurisdiction !== 'JP' || Date.parse(e.time) < start || !outside || e.decision !== 'allow' || e.released === 0) continue;
      for (const s of e.subjects) byHand.set(s, new Set([...(byHand.get(s) ?? []), ...e.categories]));
    }
    expect(list.subjects).toEqual([...byHand.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([subject, c]) => ({ subject, categories: [...c].sort() })));

    // The read is in the log, naming exactly those people, before anything was printed.
    const read = log.entries.filter((e) => (e as unknown as { caseRef: string | null; purpose: string }).caseRef === id);
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ actor: 'system:local-cli', released: list.subjects.length, decision: 'allow' });
    expect([...(read[0]?.subjects ?? [])].sort()).toEqual(list.subjects.map((s) => s.subject).sort());
    expect((read[0] as unknown as { purpose: string }).purpose).toBe('INCIDENT_RESPONSE');
  });
});

describe('a tampered log', () => {
  it('makes the reports refuse with exit 1 naming the failure, and print nothing', async () => {
    const opened = await runDomicile(['incident', 'open', '--title', 'Before the edit', '--known-at', new Date().toISOString(), '--home', 'JP', '--from', yearAgo, '--to', today, '--json', '--config', config.file]);
    const { id } = JSON.parse(opened.stdout) as { id: string };
    expect((await runDomicile(['report', 'incident', id, '--json', '--config', config.file])).code).toBe(0);

    // One changed number in one stored entry, still a well-formed entry.
    const db = new Database(path.join(config.dataDir, 'jp.sqlite'));
    const row = db.prepare('select entry from log_entry where idx = 3').get() as { entry: string };
    db.prepare('update log_entry set entry = ? where idx = 3').run(row.entry.replace('"released":', '"released":1'));
    db.close();

    for (const args of [
      ['report', 'access', '--home', 'JP', '--actor-outside', 'JP', '--from', yearAgo, '--to', today, '--json'],
      ['report', 'incident', id, '--format', 'csv'],
    ]) {
      const result = await runDomicile([...args, '--config', config.file]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain('does not verify');
      expect(result.stderr).toContain('entry 3 does not match its leaf hash');
      expect(result.stdout).toBe('');
    }
  });
});
