// A person's view of the incidents that concern them (issue 11): for each incident of their home
// whose scope holds a verified log entry that released their data, what happened to *their* data
// — the categories, when, the organisations and countries of the actors, and where each entry
// sits in the log — and what the operator is doing about it. Only entries naming the person are
// read; nothing about anyone else (no other subject, no operator id) is returned.
import type { CellRegistry } from '../../cells/cell.registry.js';
import { renamedCategories } from '../../cells/categories.js';
import type { Directory } from '../../cells/directory.js';
import { DomainError } from '../../errors/catalogue.js';
import type { AccessEntry } from '../log/entry.js';
import { inScope, released, subjectsOf, type ReportCheckpoint } from './access-report.js';
import { listIncidents, type Incident } from './incidents.js';
import { verifiedEntriesOf, type VerifiedCheckpoints } from './verified-log.js';

/** Log positions listed per incident; the count says how many there are in all. */
export const personIncidentEntryLimit = 100;

export interface PersonIncident {
  readonly id: string;
  readonly title: string;
  readonly knownAt: string;
  /** The incident's window (calendar days, UTC). */
  readonly from: string;
  readonly to: string;
  /** Categories of the person's data released in scope. */
  readonly categories: readonly string[];
  /** Legal entities of the actors with their countries. */
  readonly organisations: readonly { readonly name: string; readonly country: string | null }[];
  /** Every country known about the actors: where they were, their office, their employer. */
  readonly actorCountries: readonly string[];
  readonly entries: number;
  readonly firstAt: string;
  readonly lastAt: string;
  /** Where to check each entry: this log, these indexes (at most `personIncidentEntryLimit`). */
  readonly log: { readonly cell: string; readonly indexes: readonly number[] };
  /** What the operator is doing, from recorded state. */
  readonly response: readonly string[];
}

export interface PersonIncidents {
  readonly generatedAt: string;
  /** The verified checkpoint the entries were read up to; null when no incident concerns the home. */
  readonly checkpoint: ReportCheckpoint | null;
  readonly incidents: readonly PersonIncident[];
}

export interface ResponseFacts {
  /** The operator's legal name (the recipient hosting the home cell). */
  readonly operator: string | null;
  /** The regulator of the home's regime. */
  readonly authority: string | null;
  /** Countries from which operator access is cut off now. */
  readonly blocked: readonly string[];
}

function responseOf(incident: Incident, countries: readonly string[], facts: ResponseFacts): string[] {
  const who = facts.operator ?? 'The operator';
  const out = [`${who} recorded this incident on ${incident.createdAt.slice(0, 10)} and is investigating it from the access log.`];
  if (facts.authority !== null) out.push(`The law requires a report to the ${facts.authority}; the report is drawn from the same verified log.`);
  const cut = countries.filter((c) => facts.blocked.includes(c));
  if (cut.length > 0) out.push(`Operator access from ${cut.join(', ')} is cut off: no one there can open personal data any more.`);
  return out;
}

/** Pure: the incidents among `incidents` with entries (and their log indexes) that released `subjectId`'s data. */
export function incidentsOfPerson(props: {
  incidents: readonly Incident[];
  entries: readonly AccessEntry[];
  indexes: readonly number[];
  cell: string;
  subjectId: string;
  facts: ResponseFacts;
}): PersonIncident[] {
  const out: PersonIncident[] = [];
  for (const incident of props.incidents) {
    const categories = new Set<string>();
    const organisations = new Map<string, string | null>();
    const countries = new Set<string>();
    const indexes: number[] = [];
    let first = '';
    let last = '';
    props.entries.forEach((entry, i) => {
      if (!released(entry) || !inScope(entry, incident.scope) || !subjectsOf(entry).includes(props.subjectId)) return;
      for (const c of entry.categories) categories.add(renamedCategories[c] ?? c);
      if (entry.actorEmployer !== null) organisations.set(entry.actorEmployer, entry.actorEmployerCountry);
      for (const c of [entry.actorPhysicalCountry, entry.actorOfficeCountry, entry.actorEmployerCountry]) if (c !== null) countries.add(c);
      indexes.push(props.indexes[i] ?? -1);
      if (first === '' || entry.time < first) first = entry.time;
      if (entry.time > last) last = entry.time;
    });
    if (indexes.length === 0) continue;
    const actorCountries = [...countries].sort();
    out.push({
      id: incident.id,
      title: incident.title,
      knownAt: incident.knownAt,
      from: incident.scope.from,
      to: incident.scope.to,
      categories: [...categories].sort(),
      organisations: [...organisations].map(([name, country]) => ({ name, country })).sort((a, b) => a.name.localeCompare(b.name)),
      actorCountries,
      entries: indexes.length,
      firstAt: first,
      lastAt: last,
      log: { cell: props.cell, indexes: indexes.slice(0, personIncidentEntryLimit) },
      response: responseOf(incident, actorCountries, props.facts),
    });
  }
  return out;
}

/**
 * Reads the incidents of the person's home and, only when one exists, the verified log of that
 * home (refused with LOG_INCONSISTENT if it does not verify), keeping the entries naming them.
 */
export async function gatherPersonIncidents(props: {
  cells: CellRegistry;
  directory: Directory;
  subjectId: string;
  verifierKey: (home: string) => string | undefined;
  facts: (home: string) => ResponseFacts;
  at: Date;
  /** Checkpoints this process verified in full: a request up to the same one skips re-verifying. */
  verified?: VerifiedCheckpoints;
}): Promise<PersonIncidents> {
  const subject = await props.directory.find(props.subjectId);
  if (subject === null) throw new DomainError('NOT_FOUND', `no subject "${props.subjectId}"`);
  const incidents = (await listIncidents({ directory: props.directory, limit: 1000 })).filter((i) => i.scope.home === subject.home);
  const generatedAt = props.at.toISOString();
  if (incidents.length === 0) return { generatedAt, checkpoint: null, incidents: [] };
  const verified = await verifiedEntriesOf({
    cells: props.cells,
    home: subject.home,
    verifierKey: props.verifierKey(subject.home),
    ...(props.verified ? { verified: props.verified } : {}),
    keep: (e) => released(e) && subjectsOf(e).includes(subject.id) && incidents.some((i) => inScope(e, i.scope)),
  });
  return {
    generatedAt,
    checkpoint: verified.checkpoint,
    incidents: incidentsOfPerson({ incidents, entries: verified.entries, indexes: verified.indexes, cell: verified.checkpoint.cell, subjectId: subject.id, facts: props.facts(subject.home) }),
  };
}
