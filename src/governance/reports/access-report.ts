// The access report of an incident or an ad-hoc scope: every figure a privacy officer files,
// computed from verified access-log entries only (verified-log.ts reads them), with the
// checkpoint of each log read so an auditor can recompute every number from the same tree. For
// an incident, also the legal clocks that run from when the business became aware of it. Pure.
import { renamedCategories } from '../../cells/categories.js';
import type { AccessEntry } from '../log/entry.js';
import type { AccessScope } from './incidents.js';

/** The signed checkpoint of one log a report was computed from. */
export interface ReportCheckpoint {
  readonly cell: string;
  readonly origin: string;
  readonly size: number;
  /** Base64, as in the checkpoint note. */
  readonly rootHash: string;
}

export interface ReportActor {
  readonly actor: string;
  readonly employer: string | null;
  readonly employerCountry: string | null;
  readonly officeCountry: string | null;
  readonly physicalCountries: readonly string[];
  readonly entries: number;
  readonly subjects: number;
}

export interface ReportMonth {
  /** YYYY-MM (UTC). */
  readonly month: string;
  readonly entries: number;
  readonly subjects: number;
}

export interface AccessFigures {
  readonly entries: number;
  readonly allowedEntries: number;
  readonly deniedEntries: number;
  /** Distinct subjects whose data was released to actors in scope. */
  readonly subjects: number;
  readonly subjectsByCategory: Readonly<Record<string, number>>;
  /** True when any message content or media (`user.content…`) was released. */
  readonly contentAccessed: boolean;
  readonly actors: readonly ReportActor[];
  readonly byMonth: readonly ReportMonth[];
  /** Records released per category. */
  readonly categories: Readonly<Record<string, number>>;
}

export interface AccessReport extends AccessFigures {
  readonly generatedAt: string;
  readonly scope: AccessScope;
  readonly checkpoint: readonly ReportCheckpoint[];
}

/**
 * The subjects an entry names. The one place a report learns who an entry is about: when entries
 * store per-subject commitments instead of ids (issue 16), only this function changes.
 */
export function subjectsOf(entry: AccessEntry): readonly string[] {
  return [...new Set(entry.subjects)];
}

/** Whether an entry's data reached its actor: allowed, and at least one record released. */
export function released(entry: AccessEntry): boolean {
  return entry.decision === 'allow' && entry.released > 0;
}

/** The first instant of `from` and the first instant after `to` (both calendar days, UTC). */
export function scopeWindow(scope: Pick<AccessScope, 'from' | 'to'>): { since: Date; until: Date } {
  const since = new Date(`${scope.from}T00:00:00.000Z`);
  const until = new Date(`${scope.to}T00:00:00.000Z`);
  until.setUTCDate(until.getUTCDate() + 1);
  return { since, until };
}

/**
 * Whether an entry is in scope. "Outside X": a system job carries no country and is not an
 * actor abroad; an operator is outside X when any country known about them (where they were,
 * their office, their employer) is not X, or when where they were was not observed — a place
 * that cannot be shown to be X is not counted as X.
 */
export function inScope(entry: AccessEntry, scope: AccessScope): boolean {
  if (entry.subjectJurisdiction !== scope.home) return false;
  const { since, until } = scopeWindow(scope);
  const time = Date.parse(entry.time);
  if (!(time >= since.getTime() && time < until.getTime())) return false;
  if (scope.employer !== null && entry.actorEmployer !== scope.employer) return false;
  const known = [entry.actorPhysicalCountry, entry.actorOfficeCountry, entry.actorEmployerCountry].filter((c): c is string => c !== null);
  if (scope.actorCountry !== null && !known.includes(scope.actorCountry)) return false;
  if (scope.actorOutside !== null) {
    const operator = entry.actorEmployer !== null;
    const outside = known.some((c) => c !== scope.actorOutside) || (operator && entry.actorPhysicalCountry === null);
    if (!outside) return false;
  }
  return true;
}

/** Every month touched by the window, so a chart shows the quiet months too. */
function monthsOf(scope: Pick<AccessScope, 'from' | 'to'>): string[] {
  const months: string[] = [];
  const at = new Date(`${scope.from.slice(0, 7)}-01T00:00:00.000Z`);
  const last = scope.to.slice(0, 7);
  while (at.toISOString().slice(0, 7) <= last) {
    months.push(at.toISOString().slice(0, 7));
    at.setUTCMonth(at.getUTCMonth() + 1);
  }
  return months;
}

const byKey = <T>(map: Map<string, T>): [string, T][] => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));

function addTo(map: Map<string, Set<string>>, key: string, values: readonly string[]): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  for (const v of values) set.add(v);
}

/** The figures of the entries in scope. Categories are reported under today's names. */
export function accessFigures(entries: Iterable<AccessEntry>, scope: AccessScope): AccessFigures {
  let total = 0;
  let allowed = 0;
  let denied = 0;
  let contentAccessed = false;
  const subjects = new Set<string>();
  const subjectsByCategory = new Map<string, Set<string>>();
  const records = new Map<string, number>();
  const months = new Map<string, { entries: number; subjects: Set<string> }>(monthsOf(scope).map((m) => [m, { entries: 0, subjects: new Set<string>() }]));
  const actors = new Map<string, { first: AccessEntry; physical: Set<string>; entries: number; subjects: Set<string> }>();

  for (const entry of entries) {
    if (!inScope(entry, scope)) continue;
    total += 1;
    if (entry.decision === 'allow') allowed += 1;
    else denied += 1;
    const who = released(entry) ? subjectsOf(entry) : [];
    const month = months.get(entry.time.slice(0, 7));
    if (month !== undefined) {
      month.entries += 1;
      for (const s of who) month.subjects.add(s);
    }
    let actor = actors.get(entry.actor);
    if (actor === undefined) {
      actor = { first: entry, physical: new Set(), entries: 0, subjects: new Set() };
      actors.set(entry.actor, actor);
    }
    actor.entries += 1;
    if (entry.actorPhysicalCountry !== null) actor.physical.add(entry.actorPhysicalCountry);
    for (const s of who) actor.subjects.add(s);
    if (!released(entry)) continue;
    for (const s of who) subjects.add(s);
    // An entry naming several categories counts its records under each.
    for (const logged of new Set(entry.categories.map((c) => renamedCategories[c] ?? c))) {
      if (logged === 'user.content' || logged.startsWith('user.content.')) contentAccessed = true;
      records.set(logged, (records.get(logged) ?? 0) + entry.released);
      addTo(subjectsByCategory, logged, who);
    }
  }

  return {
    entries: total,
    allowedEntries: allowed,
    deniedEntries: denied,
    subjects: subjects.size,
    subjectsByCategory: Object.fromEntries(byKey(subjectsByCategory).map(([c, s]) => [c, s.size])),
    contentAccessed,
    actors: byKey(actors).map(([id, a]) => ({
      actor: id,
      employer: a.first.actorEmployer,
      employerCountry: a.first.actorEmployerCountry,
      officeCountry: a.first.actorOfficeCountry,
      physicalCountries: [...a.physical].sort(),
      entries: a.entries,
      subjects: a.subjects.size,
    })),
    byMonth: byKey(months).map(([month, m]) => ({ month, entries: m.entries, subjects: m.subjects.size })),
    categories: Object.fromEntries(byKey(records)),
  };
}

/** One person to notify: their id and the categories released about them in scope. */
export interface NotifiedSubject {
  readonly subject: string;
  readonly categories: readonly string[];
}

/** The people whose data was released in scope (the notification the law requires), by id. */
export function notifyList(entries: Iterable<AccessEntry>, scope: AccessScope): NotifiedSubject[] {
  const about = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (!inScope(entry, scope) || !released(entry)) continue;
    const categories = entry.categories.map((c) => renamedCategories[c] ?? c);
    for (const s of subjectsOf(entry)) addTo(about, s, categories);
  }
  return byKey(about).map(([subject, categories]) => ({ subject, categories: [...categories].sort() }));
}

export function buildAccessReport(props: { entries: Iterable<AccessEntry>; scope: AccessScope; checkpoint: readonly ReportCheckpoint[]; at: Date }): AccessReport {
  return { generatedAt: props.at.toISOString(), scope: props.scope, checkpoint: props.checkpoint, ...accessFigures(props.entries, props.scope) };
}

