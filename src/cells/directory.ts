// The directory: which subjects exist, their home jurisdiction and class, keyed hashes of their
// logins, and where each addressable record lives (record-location.repository.ts). Routing data only —
// names, contacts and contents live in the cells. A subject's home can change (a person moves
// country, a region migration): the change reaches every cache through `onSubjectChange`.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { DirectoryDatabase, DirectorySubject } from './cell.database.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { DomainError } from '../errors/catalogue.js';
import type { SubjectClass } from './placement.js';
import { createRecordLocations, type RecordLocations } from './record-location.repository.js';

export type SubjectKind = 'user' | 'official';

export interface Subject {
  id: string;
  kind: SubjectKind;
  home: string;
  class: SubjectClass;
}

export interface Directory {
  readonly db: Kysely<DirectoryDatabase>;
  /** Which cell holds each conversation, image, session or wallet now. */
  readonly locations: RecordLocations;
  /** Keyed hash of a login (handle, e-mail or phone), so the directory never holds contact data. */
  loginKey(login: string): string;
  find(id: string): Promise<Subject | null>;
  /** The subjects of these ids that exist, by id: one query per 500 not yet cached. */
  findMany(ids: readonly string[]): Promise<Map<string, Subject>>;
  get(id: string): Promise<Subject>;
  findByLogin(login: string): Promise<Subject | null>;
  /** Claims the id and logins atomically; refuses a taken id or login. */
  register(subject: Subject, logins: string[]): Promise<void>;
  unregister(id: string): Promise<void>;
  /** Changes a subject's home or class; every listener hears of it before this resolves. */
  update(id: string, change: { home?: string; class?: SubjectClass }): Promise<Subject>;
  /** Called with the new subject after each `update` in this process; returns the unsubscribe. */
  onSubjectChange(listener: (subject: Subject) => void): () => void;
  listByKind(kind: SubjectKind): Promise<Subject[]>;
  close(): Promise<void>;
}

const phoneLike = /^\+?[\d\s().-]{6,}$/;

/**
 * A phone number in E.164 (`+` country code and number, at most 15 digits), from the way people
 * write it ("+81 90-1234-5678", full-width digits); null when it is not in international form.
 */
export function e164(phone: string): string | null {
  const folded = phone.normalize('NFKC').trim();
  if (!phoneLike.test(folded) || !folded.startsWith('+')) return null;
  const digits = folded.replace(/\D/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : null;
}

/**
 * The one form of a login, so one person cannot hold two look-alike logins: Unicode NFKC
 * (full-width and compatibility letters become plain ones), full case folding (upper then lower
 * case, so "ß" and "SS" agree), and phone numbers by their digits — the E.164 number without its
 * "+" — so "+81 90-1234-5678", "＋８１９０１２３４５６７８" and "+819012345678" are one login.
 */
export function normaliseLogin(login: string): string {
  const folded = login.normalize('NFKC').trim().toUpperCase().toLowerCase().normalize('NFKC');
  return phoneLike.test(folded) ? `tel:${folded.replace(/\D/g, '')}` : folded;
}

/**
 * The form logins had before migration 0008's rule (trimmed, lower-cased). Login keys are keyed
 * hashes, so stored keys cannot be recomputed; for ASCII logins (every handle, phone numbers,
 * most e-mail addresses) both forms give the same key. A login whose old form differs is still
 * found by it, and a new login is refused if either form is taken (docs/api.md, "Logins").
 */
function legacyLogin(login: string): string {
  const trimmed = login.trim().toLowerCase();
  return phoneLike.test(trimmed) ? `tel:${trimmed.replace(/[^\d]/g, '')}` : trimmed;
}

function toSubject(row: DirectorySubject): Subject {
  return { id: row.id, kind: row.kind as SubjectKind, home: row.home, class: row.class as SubjectClass };
}

/** Opens the directory and runs the composed directory migrations (src/app/schema.ts). */
export async function openDirectory(url: string, migrations: Readonly<Record<string, Migration>>): Promise<Directory> {
  const db = openDatabase<DirectoryDatabase>({ url, poolSize: 4 });
  await migrateToLatest(db, migrations);
  let secret = (await db.selectFrom('directory_meta').select('value').where('key', '=', 'login_key_secret').executeTakeFirst())?.value;
  if (!secret) {
    secret = crypto.randomBytes(32).toString('base64');
    await db.insertInto('directory_meta').values({ key: 'login_key_secret', value: secret }).onConflict((oc) => oc.column('key').doNothing()).execute();
    secret = (await db.selectFrom('directory_meta').select('value').where('key', '=', 'login_key_secret').executeTakeFirstOrThrow()).value;
  }
  const key = Buffer.from(secret, 'base64');
  const cache = new Map<string, Subject>();
  // Bumped by every change made here: a read that was in flight across one answers but is not
  // cached (it may hold the home from before the change), as in record-location.repository.ts.
  let generation = 0;
  const listeners = new Set<(subject: Subject) => void>();

  const keyOf = (form: string): string => crypto.createHmac('sha256', key).update(form).digest('base64url');
  const loginKey = (login: string): string => keyOf(normaliseLogin(login));
  /** The login's key, then its pre-0008 key when that differs. */
  const keysOf = (login: string): string[] => [...new Set([loginKey(login), keyOf(legacyLogin(login))])];

  async function find(id: string): Promise<Subject | null> {
    const cached = cache.get(id);
    if (cached) return cached;
    const readAt = generation;
    const row = await db.selectFrom('subject').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const subject = toSubject(row);
    if (readAt === generation) cache.set(id, subject);
    return subject;
  }

  async function findMany(ids: readonly string[]): Promise<Map<string, Subject>> {
    const out = new Map<string, Subject>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = cache.get(id);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const readAt = generation;
      const rows = await db.selectFrom('subject').selectAll().where('id', 'in', missing.slice(i, i + 500)).execute();
      for (const row of rows) {
        const subject = toSubject(row);
        if (readAt === generation) cache.set(subject.id, subject);
        out.set(subject.id, subject);
      }
    }
    return out;
  }

  return {
    db,
    locations: createRecordLocations(db),
    loginKey,
    find,
    findMany,
    async get(id) {
      const subject = await find(id);
      if (!subject) throw new DomainError('NOT_FOUND', `no user or account "${id}"`);
      return subject;
    },
    async findByLogin(login) {
      for (const loginKeyTried of keysOf(login)) {
        const row = await db.selectFrom('login').select('subject_id').where('login_key', '=', loginKeyTried).executeTakeFirst();
        if (row) return find(row.subject_id);
      }
      return null;
    },
    async register(subject, logins) {
      const keys = [...new Set(logins.map(loginKey))];
      const claimed = [...new Set(logins.flatMap(keysOf))];
      await db.transaction().execute(async (trx) => {
        const taken = await trx.selectFrom('subject').select('id').where('id', '=', subject.id).executeTakeFirst();
        if (taken) throw new DomainError('HANDLE_TAKEN', `the handle "${subject.id}" is taken; choose another`);
        if (claimed.length > 0) {
          const used = await trx.selectFrom('login').select('login_key').where('login_key', 'in', claimed).executeTakeFirst();
          if (used) throw new DomainError('LOGIN_TAKEN', 'that e-mail address or phone number already has an account; sign in instead');
        }
        await trx
          .insertInto('subject')
          .values({ ...subject, created_at: new Date().toISOString() })
          .execute();
        if (keys.length > 0) {
          await trx.insertInto('login').values(keys.map((k) => ({ login_key: k, subject_id: subject.id }))).execute();
        }
      });
      cache.set(subject.id, subject);
    },
    async unregister(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('login').where('subject_id', '=', id).execute();
        await trx.deleteFrom('subject').where('id', '=', id).execute();
      });
      generation++;
      cache.delete(id);
    },
    async update(id, change) {
      const current = await find(id);
      if (!current) throw new DomainError('NOT_FOUND', `no user or account "${id}"`);
      const next: Subject = { ...current, ...(change.home ? { home: change.home } : {}), ...(change.class ? { class: change.class } : {}) };
      await db.updateTable('subject').set({ home: next.home, class: next.class }).where('id', '=', id).execute();
      generation++;
      cache.set(id, next);
      for (const listener of listeners) listener(next);
      return next;
    },
    onSubjectChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async listByKind(kind) {
      const rows = await db.selectFrom('subject').selectAll().where('kind', '=', kind).orderBy('id').execute();
      return rows.map(toSubject);
    },
    close: () => db.destroy(),
  };
}
