import type { CellRegistry } from '../cells/cell.registry.js';
// Accounts and sessions: sign-up, sign-in (rate-limited), token authentication, revocation,
// and the profile. The account lives in the cell its placement gives, the login only as a
// keyed hash in the directory.
import crypto from 'node:crypto';
import type { SubjectClass } from '../cells/placement.js';
import type { Subject, SubjectKind } from '../cells/directory.js';
import { e164 } from '../cells/directory.js';
import type { AccountRow } from './messaging.tables.js';
import { DomainError, retryAfterDetails } from '../errors/catalogue.js';
import { categories, cellFor, isRecordId, newId, personalColumns, scopeOf } from '../cells/records.js';
import type { CachedSession, MessagingContext } from './messaging.context.js';
import { decoyHash, hashPassword, verifyPassword } from '../crypto/password.js';
import { assertStrongPassword } from '../crypto/password.strength.js';
import { presentUser, type UserView } from './presenters.js';

export interface SignedIn {
  token: string;
  session: { id: string };
  user: UserView;
}

export interface Authenticated {
  subject: Subject;
  sessionId: string;
}

const handlePattern = /^[a-z][a-z0-9-]{2,31}$/;
const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();
const now = (): string => new Date().toISOString();

async function createSession(ctx: MessagingContext, subject: Subject): Promise<{ token: string; sessionId: string }> {
  const cell = cellFor(ctx.cells, scopeOf(subject), categories.session);
  const id = newId();
  const secret = crypto.randomBytes(24).toString('base64url');
  const tokenHash = sha256(secret);
  const at = now();
  await ctx.directory.locations.place('session', id, cell.id);
  await cell.db
    .insertInto('session')
    .values({
      id,
      token_hash: tokenHash.toString('base64'),
      created_at: at,
      last_seen_at: at,
      revoked_at: null,
      ...personalColumns({ subject, scope: scopeOf(subject), category: categories.session, cell }),
    })
    .execute();
  const ms = Date.parse(at);
  ctx.sessions.set(id, { subjectId: subject.id, tokenHash, revoked: false, createdAt: ms, usedAt: ms, persistedAt: ms });
  return { token: `${id}.${secret}`, sessionId: id };
}

export async function findAccount(cells: CellRegistry, subject: Subject): Promise<AccountRow> {
  const cell = cellFor(cells, scopeOf(subject), categories.account);
  const row = await cell.db.selectFrom('account').selectAll().where('id', '=', subject.id).executeTakeFirst();
  if (!row) throw new DomainError('NOT_FOUND', `no user or account "${subject.id}"`);
  return row;
}

const nameCache = new WeakMap<MessagingContext, Map<string, string>>();

/** Display names by user id (cached: every conversation list shows them). */
export async function displayNames(ctx: MessagingContext, ids: readonly string[]): Promise<Map<string, string>> {
  let cache = nameCache.get(ctx);
  if (!cache) {
    cache = new Map();
    nameCache.set(ctx, cache);
  }
  const out = new Map<string, string>();
  for (const id of ids) {
    let name = cache.get(id);
    if (name === undefined) {
      const subject = await ctx.directory.find(id);
      name = subject ? (await findAccount(ctx.cells, subject).catch(() => null))?.display_name ?? id : id;
      cache.set(id, name);
    }
    out.set(id, name);
  }
  return out;
}

export async function getUser(props: { ctx: MessagingContext; userId: string }): Promise<UserView> {
  const subject = await props.ctx.directory.find(props.userId);
  if (!subject) throw new DomainError('NOT_FOUND', `no user or account "${props.userId}"`);
  return presentUser(await findAccount(props.ctx.cells, subject));
}

export async function signUp(props: {
  ctx: MessagingContext;
  handle: string;
  displayName: string;
  password: string;
  home: string;
  email?: string | undefined;
  phone?: string | undefined;
  kind?: SubjectKind;
  class?: SubjectClass;
  /** The client's address, for the per-address sign-up limit; none for accounts made by the system (demo, CLI). */
  address?: string | undefined;
}): Promise<SignedIn> {
  const { ctx } = props;
  const handle = props.handle.trim().toLowerCase();
  if (!handlePattern.test(handle)) {
    throw new DomainError('VALIDATION_FAILED', 'a handle is 3–32 characters: a letter first, then letters, digits or "-"');
  }
  if (props.password.length < 8) throw new DomainError('VALIDATION_FAILED', 'the password needs at least 8 characters');
  if (!props.email && !props.phone && (props.kind ?? 'user') === 'user') {
    throw new DomainError('VALIDATION_FAILED', 'give an e-mail address or a phone number');
  }
  if (!ctx.cells.placement.homeCell(props.home)) {
    throw new DomainError('UNKNOWN_JURISDICTION', `Domicile does not serve ${props.home} yet; choose one of ${ctx.cells.jurisdictions().join(', ')}`);
  }
  const subject: Subject = { id: handle, kind: props.kind ?? 'user', home: props.home, class: props.class ?? 'consumer' };
  const phone = props.phone ? e164(props.phone) : null;
  if (props.phone && !phone) {
    throw new DomainError('VALIDATION_FAILED', 'write the phone number in international form, with "+" and the country code, e.g. +81 90 1234 5678');
  }
  const contactPoints = [
    ...(props.email ? [{ kind: 'email', value: props.email.normalize('NFKC').trim(), category: categories.email }] : []),
    ...(phone ? [{ kind: 'phone', value: phone, category: categories.phone }] : []),
  ];
  if (await ctx.directory.find(handle)) throw new DomainError('HANDLE_TAKEN', `the handle "${handle}" is taken; choose another`);
  await assertStrongPassword(props.password, [handle, props.displayName, props.email, props.phone]);
  if (props.address !== undefined) {
    const wait = ctx.signupLimiter.take(`addr:${props.address}`);
    if (wait > 0) throw new DomainError('RATE_LIMITED', `too many new accounts from your address; try again in ${Math.ceil(wait / 60_000)} minute(s)`, retryAfterDetails(wait));
  }
  const passwordHash = await hashPassword(props.password);

  await ctx.directory.register(subject, [handle, ...contactPoints.map((c) => c.value)]);
  const written: { cellId: string; table: 'account' | 'contact_point'; id: string }[] = [];
  try {
    const scope = scopeOf(subject);
    const accountCell = cellFor(ctx.cells, scope, categories.account);
    await accountCell.db
      .insertInto('account')
      .values({
        id: handle,
        handle,
        display_name: props.displayName.trim(),
        kind: subject.kind,
        class: subject.class,
        password_hash: passwordHash,
        avatar_media_id: null,
        created_at: now(),
        ...personalColumns({ subject, scope, category: categories.account, cell: accountCell }),
      })
      .execute();
    written.push({ cellId: accountCell.id, table: 'account', id: handle });
    for (const point of contactPoints) {
      const cell = cellFor(ctx.cells, scope, point.category);
      const id = newId();
      await cell.db
        .insertInto('contact_point')
        .values({
          id,
          kind: point.kind,
          value: point.value,
          created_at: now(),
          ...personalColumns({ subject, scope, category: point.category, cell }),
        })
        .execute();
      written.push({ cellId: cell.id, table: 'contact_point', id });
    }
  } catch (err) {
    // No partial sign-up: undo what was written and release the handle.
    for (const w of written.reverse()) {
      await ctx.cells.get(w.cellId).db.deleteFrom(w.table).where('id', '=', w.id).execute();
    }
    await ctx.directory.unregister(handle);
    throw err;
  }
  const session = await createSession(ctx, subject);
  return { token: session.token, session: { id: session.sessionId }, user: await getUser({ ctx, userId: handle }) };
}

export async function signIn(props: { ctx: MessagingContext; login: string; password: string; address: string }): Promise<SignedIn> {
  const { ctx } = props;
  const subject = await ctx.directory.findByLogin(props.login);
  // Failures count per account, whichever alias was typed; an unknown login counts on its own key.
  const attempt = { accountKey: subject ? `subject:${subject.id}` : `login:${ctx.directory.loginKey(props.login)}`, address: props.address };
  ctx.signInGuard.check(attempt);
  const account = subject ? await findAccount(ctx.cells, subject).catch(() => null) : null;
  const ok = await verifyPassword(props.password, account?.password_hash ?? (await decoyHash));
  if (!subject || !account || !ok) {
    ctx.signInGuard.failed(attempt);
    throw new DomainError('INVALID_CREDENTIALS', 'that login and password do not match an account');
  }
  ctx.signInGuard.succeeded(attempt);
  const session = await createSession(ctx, subject);
  return { token: session.token, session: { id: session.sessionId }, user: presentUser(account) };
}

export async function authenticate(props: { ctx: MessagingContext; token: string }): Promise<Authenticated> {
  const { ctx } = props;
  const [sessionId, secret, ...rest] = props.token.split('.');
  if (!sessionId || !secret || rest.length > 0 || !isRecordId(sessionId)) {
    throw new DomainError('UNAUTHENTICATED', 'sign in first: the session token is missing or malformed');
  }
  const cellId = await ctx.directory.locations.find('session', sessionId);
  if (!cellId || !ctx.cells.has(cellId)) throw new DomainError('UNAUTHENTICATED', 'this session does not exist; sign in again');
  let cached = ctx.sessions.get(sessionId);
  if (!cached) {
    const row = await ctx.cells
      .get(cellId)
      .db.selectFrom('session')
      .select(['subject_id', 'token_hash', 'revoked_at', 'created_at', 'last_seen_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row) throw new DomainError('UNAUTHENTICATED', 'this session does not exist; sign in again');
    const seen = Date.parse(row.last_seen_at);
    cached = { subjectId: row.subject_id, tokenHash: Buffer.from(row.token_hash, 'base64'), revoked: row.revoked_at !== null, createdAt: Date.parse(row.created_at), usedAt: seen, persistedAt: seen };
    if (ctx.sessions.size > 200_000) ctx.sessions.delete(ctx.sessions.keys().next().value as string);
    ctx.sessions.set(sessionId, cached);
  }
  if (!crypto.timingSafeEqual(cached.tokenHash, sha256(secret))) {
    throw new DomainError('UNAUTHENTICATED', 'this session token is not valid; sign in again');
  }
  if (cached.revoked) throw new DomainError('SESSION_REVOKED', 'this session was signed out; sign in again');
  const at = Date.now();
  const expired = sessionExpiry(ctx, cached, at);
  if (expired) throw new DomainError('SESSION_EXPIRED', `this session ${expired}; sign in again`);
  const subject = await ctx.directory.get(cached.subjectId);
  cached.usedAt = at;
  if (at - cached.persistedAt > 60_000) {
    cached.persistedAt = at;
    await ctx.cells.get(cellId).db.updateTable('session').set({ last_seen_at: new Date(at).toISOString() }).where('id', '=', sessionId).execute();
  }
  return { subject, sessionId };
}

/** Why a session is over (idle too long, or past its absolute lifetime), or null while it lives. */
function sessionExpiry(ctx: MessagingContext, session: Pick<CachedSession, 'createdAt' | 'usedAt'>, at: number): string | null {
  if (at - session.createdAt >= ctx.limits.sessionMaxSeconds * 1000) return `reached its maximum lifetime of ${describeSeconds(ctx.limits.sessionMaxSeconds)}`;
  if (at - session.usedAt >= ctx.limits.sessionIdleSeconds * 1000) return `was unused for ${describeSeconds(ctx.limits.sessionIdleSeconds)}`;
  return null;
}

/** When a live session ends at the latest, if used no more (ms since the epoch). */
export function sessionEndsAt(ctx: MessagingContext, sessionId: string): number | null {
  const cached = ctx.sessions.get(sessionId);
  return cached ? cached.createdAt + ctx.limits.sessionMaxSeconds * 1000 : null;
}

function describeSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  return `${seconds} s`;
}

export async function listSessions(props: { ctx: MessagingContext; subject: Subject; currentSessionId: string }) {
  const cell = cellFor(props.ctx.cells, scopeOf(props.subject), categories.session);
  const rows = await cell.db
    .selectFrom('session')
    .select(['id', 'created_at', 'last_seen_at'])
    .where('subject_id', '=', props.subject.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  const at = Date.now();
  return rows
    .filter((r) => !sessionExpiry(props.ctx, { createdAt: Date.parse(r.created_at), usedAt: props.ctx.sessions.get(r.id)?.usedAt ?? Date.parse(r.last_seen_at) }, at))
    .map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, current: r.id === props.currentSessionId }));
}

export async function revokeSession(props: { ctx: MessagingContext; subject: Subject; sessionId: string; reason?: string }): Promise<void> {
  const cellId = isRecordId(props.sessionId) ? await props.ctx.directory.locations.find('session', props.sessionId) : null;
  if (!cellId || !props.ctx.cells.has(cellId)) throw new DomainError('NOT_FOUND', 'no such session of yours');
  const result = await props.ctx.cells
    .get(cellId)
    .db.updateTable('session')
    .set({ revoked_at: now() })
    .where('id', '=', props.sessionId)
    .where('subject_id', '=', props.subject.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new DomainError('NOT_FOUND', 'no such session of yours');
  props.ctx.sessionEvents.publish({ type: 'session-revoked', subjectId: props.subject.id, sessionIds: [props.sessionId], reason: props.reason ?? 'this session was signed out' });
}

/** Revokes every live session of the subject except `keep` ("sign out everywhere" keeps none); returns how many. */
export async function revokeSessions(props: { ctx: MessagingContext; subject: Subject; keep?: string | undefined; reason: string }): Promise<number> {
  const cell = cellFor(props.ctx.cells, scopeOf(props.subject), categories.session);
  let query = cell.db.updateTable('session').set({ revoked_at: now() }).where('subject_id', '=', props.subject.id).where('revoked_at', 'is', null);
  if (props.keep) query = query.where('id', '!=', props.keep);
  const revoked = await query.returning('id').execute();
  const sessionIds = revoked.map((r) => r.id);
  if (sessionIds.length > 0) props.ctx.sessionEvents.publish({ type: 'session-revoked', subjectId: props.subject.id, sessionIds, reason: props.reason });
  return sessionIds.length;
}

/**
 * Changes the password after checking the current one: refuses a weak one, signs out every other
 * session, and lifts a sign-in protection of the account (the owner has shown the password).
 */
export async function changePassword(props: { ctx: MessagingContext; subject: Subject; sessionId: string; currentPassword: string; newPassword: string }): Promise<{ revokedSessions: number }> {
  const { ctx, subject } = props;
  const account = await findAccount(ctx.cells, subject);
  if (!(await verifyPassword(props.currentPassword, account.password_hash))) {
    throw new DomainError('INVALID_CREDENTIALS', 'the current password is not right; nothing was changed');
  }
  if (props.newPassword === props.currentPassword) throw new DomainError('VALIDATION_FAILED', 'the new password is the same as the current one');
  const contacts = await contactValues(ctx, subject);
  await assertStrongPassword(props.newPassword, [subject.id, account.display_name, ...contacts]);
  const cell = cellFor(ctx.cells, scopeOf(subject), categories.account);
  await cell.db.updateTable('account').set({ password_hash: await hashPassword(props.newPassword) }).where('id', '=', subject.id).execute();
  ctx.signInGuard.lift(`subject:${subject.id}`);
  const revokedSessions = await revokeSessions({ ctx, subject, keep: props.sessionId, reason: 'the password was changed; sign in again' });
  return { revokedSessions };
}

async function contactValues(ctx: MessagingContext, subject: Subject): Promise<string[]> {
  const values: string[] = [];
  for (const category of [categories.email, categories.phone]) {
    const cell = cellFor(ctx.cells, scopeOf(subject), category);
    const rows = await cell.db.selectFrom('contact_point').select('value').where('subject_id', '=', subject.id).execute();
    values.push(...rows.map((r) => r.value));
  }
  return [...new Set(values)];
}

export async function updateProfile(props: { ctx: MessagingContext; subject: Subject; displayName: string }): Promise<UserView> {
  const displayName = props.displayName.trim();
  if (displayName.length === 0) throw new DomainError('VALIDATION_FAILED', 'the display name cannot be empty');
  const cell = cellFor(props.ctx.cells, scopeOf(props.subject), categories.account);
  await cell.db.updateTable('account').set({ display_name: displayName }).where('id', '=', props.subject.id).execute();
  nameCache.get(props.ctx)?.delete(props.subject.id);
  return getUser({ ctx: props.ctx, userId: props.subject.id });
}
