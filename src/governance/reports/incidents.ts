// Incidents: what a privacy officer records when a breach is suspected — a title, when the
// business became aware of it, and its scope as a query over the access log (home jurisdiction,
// where the actors were, their employer, a window of calendar days). The reports compute every
// figure from the log with this scope; the incident itself holds no personal data.
import { randomBytes } from 'node:crypto';
import type { Directory } from '../../cells/directory.js';
import { DomainError } from '../../errors/catalogue.js';
import { findIncidentRow, insertIncident, listIncidentRows, type IncidentRow } from './incident.repository.js';

/** Which access-log entries an incident or an ad-hoc report covers. */
export interface AccessScope {
  readonly home: string;
  /** Entries whose actor was anywhere but this country. */
  readonly actorOutside: string | null;
  /** Entries whose actor was in, worked in or was employed from this country. */
  readonly actorCountry: string | null;
  /** Entries whose actor is employed by this legal entity. */
  readonly employer: string | null;
  /** First and last calendar day (UTC), inclusive: YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
}

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly knownAt: string;
  readonly scope: AccessScope;
  readonly wrongfulPurpose: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface ScopeInput {
  home?: string | undefined;
  actorOutside?: string | undefined;
  actorCountry?: string | undefined;
  employer?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface OpenIncidentInput extends ScopeInput {
  title?: string | undefined;
  knownAt?: string | undefined;
  wrongfulPurpose?: boolean | undefined;
}

const COUNTRY = /^[A-Z]{2}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ENTITY = /^[\p{L}\p{N}][\p{L}\p{N} .,&'()-]{0,119}$/u;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message);
}

function country(name: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  const code = value.trim().toUpperCase();
  if (!COUNTRY.test(code)) throw invalid(`${name} must be a two-letter country code such as JP, not "${value}"`);
  return code;
}

function day(name: string, value: string | undefined): string {
  if (value === undefined) throw invalid(`${name} is required: a calendar day YYYY-MM-DD`);
  const date = new Date(`${value}T00:00:00.000Z`);
  if (!DAY.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw invalid(`${name} must be a calendar day YYYY-MM-DD, not "${value}"`);
  }
  return value;
}

/** Checks a scope against this deployment's homes; throws VALIDATION_FAILED naming the option. */
export function parseScope(input: ScopeInput, homes: readonly string[]): AccessScope {
  const home = country('--home', input.home);
  if (home === null) throw invalid('--home is required: the jurisdiction whose people the report is about, such as JP');
  if (!homes.includes(home)) throw invalid(`--home ${home} is not a jurisdiction of this deployment; it has ${homes.join(', ')}`);
  const actorOutside = country('--actor-outside', input.actorOutside);
  const actorCountry = country('--actor-country', input.actorCountry);
  if (actorOutside !== null && actorCountry !== null) throw invalid('give --actor-outside or --actor-country, not both');
  let employer: string | null = null;
  if (input.employer !== undefined) {
    employer = input.employer.trim();
    if (!ENTITY.test(employer)) throw invalid(`--employer must be a legal entity's registered name, such as "Shanghai Dev Ltd.", not "${input.employer}"`);
  }
  const from = day('--from', input.from);
  const to = day('--to', input.to);
  if (to < from) throw invalid(`--to ${to} is before --from ${from}`);
  return { home, actorOutside, actorCountry, employer, from, to };
}

function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    title: row.title,
    knownAt: row.known_at,
    scope: { home: row.home, actorOutside: row.actor_outside, actorCountry: row.actor_country, employer: row.employer, from: row.from_day, to: row.to_day },
    wrongfulPurpose: Number(row.wrongful_purpose) === 1,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Records an incident; nothing is written unless every option is valid. */
export async function openIncident(props: { directory: Directory; homes: readonly string[]; input: OpenIncidentInput; by: string; now: Date }): Promise<Incident> {
  const { input } = props;
  const title = (input.title ?? '').trim();
  if (title.length === 0 || title.length > 200 || /\p{Cc}/u.test(title)) throw invalid('--title is required: one line of at most 200 characters');
  const knownText = (input.knownAt ?? '').trim();
  const known = new Date(knownText);
  if (!INSTANT.test(knownText) || Number.isNaN(known.getTime())) {
    throw invalid(`--known-at must be the ISO time the business became aware of it, such as 2026-11-20T09:00:00Z, not "${input.knownAt ?? ''}"`);
  }
  if (known.getTime() > props.now.getTime()) throw invalid('--known-at is in the future');
  const scope = parseScope(input, props.homes);
  const row: IncidentRow = {
    id: `inc-${randomBytes(5).toString('hex')}`,
    title,
    known_at: known.toISOString(),
    home: scope.home,
    actor_outside: scope.actorOutside,
    actor_country: scope.actorCountry,
    employer: scope.employer,
    from_day: scope.from,
    to_day: scope.to,
    wrongful_purpose: input.wrongfulPurpose === true ? 1 : 0,
    created_at: props.now.toISOString(),
    created_by: props.by,
  };
  await insertIncident(props.directory.db, row);
  return toIncident(row);
}

export async function findIncident(props: { directory: Directory; id: string }): Promise<Incident> {
  const row = await findIncidentRow(props.directory.db, props.id.trim());
  if (row === null) throw new DomainError('NOT_FOUND', `no incident "${props.id}"; \`domicile incident list\` shows them`);
  return toIncident(row);
}

export async function listIncidents(props: { directory: Directory; limit?: number }): Promise<Incident[]> {
  return (await listIncidentRows(props.directory.db, props.limit ?? 500)).map(toIncident);
}
