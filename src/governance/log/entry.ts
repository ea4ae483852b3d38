// One access-log entry: the record of one access decision, ids only. Owns the entry's shape, its
// checks (no names, no contents: every string is an id, a code or a country), its exact bytes,
// the RFC 8785 canonical JSON that becomes the Merkle leaf, and its sealing: in the leaf each
// subject id and the operator id are replaced by salted commitments, so a person shown an entry
// (with its salt for their own id) can prove their id is in it without learning anyone else's
// (docs/access-log.md).
import { hash as oneShotHash, randomBytes } from 'node:crypto';
import { DomainError } from '../../errors/catalogue.js';
import { MAX_ENTRY_SIZE } from './tiles.js';

export type AccessDecision = 'allow' | 'deny';

export interface AccessEntry {
  /** Unique id of the access event (chosen by the broker). */
  readonly eventId: string;
  /** When the decision was made: RFC 3339 UTC, e.g. 2025-06-01T09:30:00.000Z. */
  readonly time: string;
  /** Operator id (`op-tokyo-support`) or system job (`system:retention`). */
  readonly actor: string;
  /** Legal entity employing the actor; null for a system job. */
  readonly actorEmployer: string | null;
  readonly actorEmployerCountry: string | null;
  readonly actorOfficeCountry: string | null;
  /** Observed from the request's source address; null when no country is known. */
  readonly actorPhysicalCountry: string | null;
  /** Home jurisdiction of every subject in this entry; the entry lives in that cell's log. */
  readonly subjectJurisdiction: string;
  readonly subjects: readonly string[];
  /** The categories decided and released (a source's, or a narrower one asked for). */
  readonly categories: readonly string[];
  /**
   * The categories the request asked for that this decision answers (`user.contact` when the
   * released category is `user.contact`, `user` when everything was asked). Absent in entries
   * written before requests could name any category of the tree.
   */
  readonly requestedCategories?: readonly string[];
  readonly fields: readonly string[];
  readonly action: string;
  readonly purpose: string;
  readonly caseRef: string | null;
  readonly grantId: string | null;
  readonly decision: AccessDecision;
  readonly policyIds: readonly string[];
  /** Number of records released; 0 when denied. */
  readonly released: number;
}

/** The actor fields of an entry made by the system or the command line, which have no operator record. */
export function unaffiliatedActor(actor: string): Pick<AccessEntry, 'actor' | 'actorEmployer' | 'actorEmployerCountry' | 'actorOfficeCountry' | 'actorPhysicalCountry'> {
  return { actor, actorEmployer: null, actorEmployerCountry: null, actorOfficeCountry: null, actorPhysicalCountry: null };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/;
const COUNTRY = /^[A-Z]{2}$/;
// A legal entity's registered name, e.g. "Shanghai Dev Ltd.": letters, digits and punctuation
// of company names only, so free text (a message, a note) cannot ride along.
const ENTITY = /^[\p{L}\p{N}][\p{L}\p{N} .,&'()-]{0,119}$/u;
const CATEGORY = /^[a-z_]+(\.[a-z_]+)*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;
const ACTION = /^[a-z][a-z_-]{0,31}$/;
const PURPOSE = /^[A-Z][A-Z_]{0,63}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

const FIELDS = [
  'eventId',
  'time',
  'actor',
  'actorEmployer',
  'actorEmployerCountry',
  'actorOfficeCountry',
  'actorPhysicalCountry',
  'subjectJurisdiction',
  'subjects',
  'categories',
  'requestedCategories',
  'fields',
  'action',
  'purpose',
  'caseRef',
  'grantId',
  'decision',
  'policyIds',
  'released',
] as const satisfies readonly (keyof AccessEntry)[];

// RFC 8785 orders members by UTF-16 code units, which is what Array.prototype.sort does.
const CANONICAL_ORDER: readonly (keyof AccessEntry)[] = [...FIELDS].sort();
const KNOWN = new Set<string>(FIELDS);

function invalid(message: string): DomainError {
  return new DomainError('INVALID_ACCESS_ENTRY', `access-log entry: ${message}`);
}

function checkString(entry: Record<string, unknown>, key: keyof AccessEntry, pattern: RegExp, nullable: boolean): void {
  const value = entry[key];
  if (value === null && nullable) return;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalid(`${key} must be ${nullable ? 'null or ' : ''}a string matching ${pattern} (got ${JSON.stringify(value) ?? 'undefined'})`);
  }
}

function checkList(entry: Record<string, unknown>, key: keyof AccessEntry, pattern: RegExp, max: number): void {
  const value = entry[key];
  if (!Array.isArray(value) || value.length > max) throw invalid(`${key} must be an array of at most ${max} strings`);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || !pattern.test(item)) {
      throw invalid(`${key}[${i}] must match ${pattern} (got ${JSON.stringify(item) ?? 'undefined'})`);
    }
  }
}

/** Throws DomainError('INVALID_ACCESS_ENTRY') unless `value` is a well-formed entry. */
export function assertAccessEntry(value: unknown): asserts value is AccessEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('must be an object');
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) if (!KNOWN.has(key)) throw invalid(`unknown field ${JSON.stringify(key)}`);
  checkString(entry, 'eventId', ID, false);
  checkString(entry, 'time', TIME, false);
  const time = entry.time as string;
  const instant = new Date(time);
  // Round-tripping refuses dates that only look valid, such as 30 February.
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== (time.length === 20 ? `${time.slice(0, 19)}.000Z` : time)) {
    throw invalid(`time ${JSON.stringify(time)} is not a real instant`);
  }
  checkString(entry, 'actor', ID, false);
  checkString(entry, 'actorEmployer', ENTITY, true);
  checkString(entry, 'actorEmployerCountry', COUNTRY, true);
  checkString(entry, 'actorOfficeCountry', COUNTRY, true);
  checkString(entry, 'actorPhysicalCountry', COUNTRY, true);
  checkString(entry, 'subjectJurisdiction', COUNTRY, false);
  checkList(entry, 'subjects', ID, 1000);
  checkList(entry, 'categories', CATEGORY, 64);
  if (entry.requestedCategories !== undefined) checkList(entry, 'requestedCategories', CATEGORY, 64);
  checkList(entry, 'fields', FIELD, 256);
  checkString(entry, 'action', ACTION, false);
  checkString(entry, 'purpose', PURPOSE, false);
  checkString(entry, 'caseRef', ID, true);
  checkString(entry, 'grantId', ID, true);
  if (entry.decision !== 'allow' && entry.decision !== 'deny') throw invalid('decision must be "allow" or "deny"');
  checkList(entry, 'policyIds', ID, 64);
  const released = entry.released;
  if (typeof released !== 'number' || !Number.isSafeInteger(released) || released < 0) {
    throw invalid('released must be a non-negative integer');
  }
  if (entry.decision === 'deny' && released !== 0) throw invalid('a denied access releases nothing (released must be 0)');
}

/**
 * The entry's RFC 8785 canonical JSON text. Every member is a string, null, a safe integer or an
 * array of strings, whose JSON.stringify form is exactly JCS's; only member order needs care,
 * so this avoids a general canonicaliser on the append path (a test pins it to one).
 */
export function canonicalAccessEntry(entry: AccessEntry): string {
  assertAccessEntry(entry);
  return canonicalText(entry);
}

/** The canonical text of an entry already checked (a sealed leaf is built from checked parts). */
function canonicalText(entry: AccessEntry): string {
  const ordered: Record<string, unknown> = {};
  for (const key of CANONICAL_ORDER) ordered[key] = entry[key];
  const text = JSON.stringify(ordered);
  // UTF-8 takes at most three bytes per UTF-16 unit, so most entries need no exact count.
  if (text.length * 3 > MAX_ENTRY_SIZE) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_ENTRY_SIZE) throw invalid(`encodes to ${size} bytes; at most ${MAX_ENTRY_SIZE} fit an entry bundle`);
  }
  return text;
}

/**
 * The RFC 9162 leaf hash of canonical entry text, SHA-256(0x00 ‖ UTF-8 bytes). U+0000 encodes
 * as the single byte 0x00, so no buffer is built first; and Node returns a small digest faster
 * as latin1 text than as a Buffer. Equal to merkle.leafHash of the encoded bytes (tested).
 */
export function leafHashOfCanonical(text: string): Buffer {
  return Buffer.from(oneShotHash('sha256', `\u0000${text}`, 'binary'), 'latin1');
}

/** The entry's canonical bytes: what its Merkle leaf hashes. */
export function encodeAccessEntry(entry: AccessEntry): Buffer {
  return Buffer.from(canonicalAccessEntry(entry), 'utf8');
}

/** A commitment to an id in a sealed leaf: `c1:` and base64url of 32 bytes. */
export const COMMITMENT = /^c1:[A-Za-z0-9_-]{43}$/;
const COMMITMENT_TAG = Buffer.from('domicile/access-log/commitment/v1\n', 'utf8');
export const SALT_BYTES = 16;

// Room for the tag, a salt and any id of up to 128 UTF-16 units (three UTF-8 bytes each at most).
const scratch = Buffer.alloc(COMMITMENT_TAG.length + SALT_BYTES + 3 * 128);
COMMITMENT_TAG.copy(scratch);
const SALT_AT = COMMITMENT_TAG.length;
// The scratch buffer's prefix of each length, made once: ids of one length share a view.
const prefixes: Buffer[] = [];

/**
 * The commitment to `id` under the salt at `salts[from, from + SALT_BYTES)`: a one-shot hash over
 * one reused buffer (a bulk entry seals a thousand of them; no buffer or view is made per id).
 */
function commitAt(salts: Buffer, from: number, id: string): string {
  if (SALT_AT + SALT_BYTES + 3 * id.length > scratch.length) {
    return `c1:${oneShotHash('sha256', Buffer.concat([COMMITMENT_TAG, salts.subarray(from, from + SALT_BYTES), Buffer.from(id, 'utf8')]), 'base64url')}`;
  }
  salts.copy(scratch, SALT_AT, from, from + SALT_BYTES);
  const end = SALT_AT + SALT_BYTES + scratch.write(id, SALT_AT + SALT_BYTES, 'utf8');
  const prefix = (prefixes[end] ??= scratch.subarray(0, end));
  return 'c1:' + oneShotHash('sha256', prefix, 'base64url');
}

/**
 * The commitment to `id` under `salt` (base64url of 16 random bytes):
 * `c1:` ‖ base64url(SHA-256("domicile/access-log/commitment/v1\n" ‖ salt bytes ‖ UTF-8 id)).
 * Binding (SHA-256), and hiding while the salt stays with the operator and the person it opens.
 */
export function commitmentTo(salt: string, id: string): string {
  const bytes = Buffer.from(salt, 'base64url');
  if (bytes.length === SALT_BYTES) return commitAt(bytes, 0, id);
  return `c1:${oneShotHash('sha256', Buffer.concat([COMMITMENT_TAG, bytes, Buffer.from(id, 'utf8')]), 'base64url')}`;
}

/** System jobs are not people: their actor stays in clear (`system:cli`, `system:retention`). */
export const isSystemActor = (actor: string): boolean => actor.startsWith('system:');

export interface SealedEntry {
  /** The entry as its leaf holds it: subjects and the operator as commitments. */
  readonly leaf: AccessEntry;
  /** The leaf's canonical JSON (canonicalAccessEntry of `leaf`). */
  readonly canonical: string;
  /**
   * The openings of the subjects' commitments, kept outside the leaf: a JSON array of
   * `[id, salt]` pairs, one per distinct subject (the `log_opening` row); null when none.
   */
  readonly openings: string | null;
  /** The operator and the salt of its commitment; null when the actor stays in clear. */
  readonly actor: { readonly id: string; readonly salt: string } | null;
}

// Each base64url character's place in code-unit order ('-', digits, upper case, '_', lower case).
const BASE64URL_RANK = new Uint8Array(128);
[...'-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'].forEach((c, i) => (BASE64URL_RANK[c.charCodeAt(0)] = i));
const PREFIX_BUCKETS = 64 * 64;

/**
 * Commitments (`c1:` and base64url) in code-unit order, exactly as `Array.prototype.sort` puts
 * them, with fewer string comparisons: placed by their first two characters after `c1:` (a
 * counting sort over 4,096 buckets), then an insertion pass orders the few that share a bucket.
 * Commitments are SHA-256 outputs under fresh random salts, so buckets hold one or two; should
 * one hold many, the general sort is used.
 */
export function sortCommitments(list: readonly string[]): string[] {
  const n = list.length;
  if (n < 64) return [...list].sort();
  const keys = new Uint16Array(n);
  const starts = new Uint32Array(PREFIX_BUCKETS + 1);
  for (let i = 0; i < n; i++) {
    const c = list[i] as string;
    const key = ((BASE64URL_RANK[c.charCodeAt(3) & 127] ?? 0) << 6) | (BASE64URL_RANK[c.charCodeAt(4) & 127] ?? 0);
    keys[i] = key;
    const count = (starts[key + 1] ?? 0) + 1;
    if (count > 16) return [...list].sort();
    starts[key + 1] = count;
  }
  for (let b = 0; b < PREFIX_BUCKETS; b++) starts[b + 1] = (starts[b + 1] ?? 0) + (starts[b] ?? 0);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i] ?? 0;
    const at = starts[key] ?? 0;
    out[at] = list[i] as string;
    starts[key] = at + 1;
  }
  // Whatever the buckets, this pass alone makes the order right; they only make it short.
  for (let i = 1; i < n; i++) {
    const c = out[i] as string;
    let j = i - 1;
    while (j >= 0 && (out[j] as string) > c) {
      out[j + 1] = out[j] as string;
      j--;
    }
    out[j + 1] = c;
  }
  return out;
}

/**
 * The ids once each, in their order. Ids in strictly increasing order (a sorted list, as bulk
 * requests and their entries mostly are) are distinct already, which one pass of comparisons
 * shows: thousands of ids then need no set (whose growth costs more than the commitments' sort).
 */
export function distinctIds(ids: readonly string[]): readonly string[] {
  let increasing = true;
  for (let i = 1; i < ids.length && increasing; i++) increasing = (ids[i - 1] as string) < (ids[i] as string);
  if (increasing) return ids;
  const once = new Set(ids);
  return once.size === ids.length ? ids : [...once];
}

/**
 * Seals an entry for its leaf. Every subject gets a fresh salt in every entry, so commitments
 * link neither to the id nor to each other across entries; they are sorted, so their order says
 * nothing of who came first (a reporter before the reported, say). A bulk read seals thousands of
 * ids, so this is one flat loop: the salts are one random block, the openings one string.
 */
export function sealAccessEntry(entry: AccessEntry): SealedEntry {
  // The ids themselves must be ids (no names), though only their commitments reach the leaf.
  assertAccessEntry(entry);
  const ids = distinctIds(entry.subjects);
  const alreadyCommitted = (id: string): boolean => id.startsWith('c1:') && COMMITMENT.test(id);
  if (alreadyCommitted(entry.actor) || ids.some(alreadyCommitted)) {
    throw invalid(`${JSON.stringify([...ids, entry.actor].find(alreadyCommitted))} is already a commitment; log ids, the log commits to them`);
  }
  const salts = randomBytes(SALT_BYTES * (ids.length + 1));
  const commitments = new Array<string>(ids.length);
  // Ids match ID (no quote, backslash or control character) and salts are base64url, so each
  // pair is its own JSON text: the same bytes JSON.stringify would give.
  let openings = '[';
  for (let i = 0, at = 0; i < ids.length; i++, at += SALT_BYTES) {
    const id = ids[i] as string;
    commitments[i] = commitAt(salts, at, id);
    openings += (i === 0 ? '["' : ',["') + id + '","' + salts.toString('base64url', at, at + SALT_BYTES) + '"]';
  }
  const systemActor = isSystemActor(entry.actor);
  const actorAt = SALT_BYTES * ids.length;
  const leaf: AccessEntry = { ...entry, actor: systemActor ? entry.actor : commitAt(salts, actorAt, entry.actor), subjects: sortCommitments(commitments) };
  // The leaf differs from the checked entry only by commitments, which are well-formed ids.
  return {
    leaf,
    canonical: canonicalText(leaf),
    openings: ids.length === 0 ? null : `${openings}]`,
    actor: systemActor ? null : { id: entry.actor, salt: salts.toString('base64url', actorAt, actorAt + SALT_BYTES) },
  };
}

/**
 * Operator-side: the entry with its ids, from its leaf and the openings kept beside it. Refuses
 * (INVALID_ACCESS_ENTRY) an opening that does not open a commitment of the leaf. Subjects come
 * back sorted by id (the leaf keeps no order).
 */
export function openAccessEntry(
  leaf: AccessEntry,
  openings: { actor: { id: string; salt: string } | null; subjects: readonly { id: string; salt: string | null }[] },
): AccessEntry {
  const committed = new Set(leaf.subjects);
  const subjects = openings.subjects.map((s) => {
    if (!committed.has(s.salt === null ? s.id : commitmentTo(s.salt, s.id))) throw invalid(`the opening for ${s.id} opens no subject of entry ${leaf.eventId}`);
    return s.id;
  });
  if (subjects.length !== committed.size) throw invalid(`entry ${leaf.eventId} commits to ${committed.size} subjects, ${subjects.length} opened`);
  let actor = leaf.actor;
  if (COMMITMENT.test(leaf.actor)) {
    if (!openings.actor || commitmentTo(openings.actor.salt, openings.actor.id) !== leaf.actor) throw invalid(`entry ${leaf.eventId} has no opening for its operator`);
    actor = openings.actor.id;
  }
  return { ...leaf, actor, subjects: subjects.sort() };
}

/** Parses stored entry bytes, refusing anything that is not exactly a canonical entry. */
export function decodeAccessEntry(bytes: Uint8Array): AccessEntry {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw invalid('stored bytes are not JSON');
  }
  assertAccessEntry(value);
  if (!encodeAccessEntry(value).equals(bytes)) throw invalid('stored bytes are not in canonical form');
  return value;
}
