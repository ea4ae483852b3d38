// The operator directory and operator sign-in: who operators are (employer and its country,
// declared office, roles), password + TOTP sign-in that also checks where the operator really
// is, and short sessions that a cut-off can end at once.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import { decoyHash, hashPassword, verifyPassword } from '../../crypto/password.js';
import { createSignInGuard } from '../../crypto/sign-in.guard.js';
import { DomainError } from '../../errors/catalogue.js';
import { OPERATOR_ROLES, type OperatorRole } from '../policy/policy.request.js';
import type { EventActor, GovernanceJournal } from '../journal.js';
import { base32Decode, verifyTotp } from '../totp.js';
import {
  allOperators,
  claimTotpStep,
  disableOperatorRow,
  endedSessionIds,
  insertOperator,
  insertSession,
  operatorById,
  revokeSessionRow,
  revokeSessionsFrom,
  sessionById,
  updateOperatorRoles,
  type OperatorRow,
} from './operator.repository.js';
import type { RequestOrigin } from './origin.js';

// The tiers of the recipients registry, so an employer registered there can be used as is.
export type EmployerTier = 'own' | 'group' | 'contractor' | 'subcontractor';

export interface Employer {
  /** Recipient id in registries/recipients.json, e.g. `shanghai-dev`. */
  readonly id: string;
  /** Registered name of the legal entity, e.g. `Shanghai Dev Ltd.`. */
  readonly entity: string;
  readonly country: string;
  readonly tier: EmployerTier;
}

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly employer: Employer;
  readonly officeCountry: string;
  /** As stored; an unknown role makes every decision for this operator fail closed. */
  readonly roles: readonly OperatorRole[];
  readonly disabled: boolean;
}

export interface OperatorSession {
  readonly id: string;
  readonly operatorId: string;
  readonly country: string;
  readonly simulated: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface OperatorSignedIn {
  token: string;
  session: OperatorSession;
  operator: Operator;
}

export interface NewOperator {
  id: string;
  name: string;
  employer: Employer;
  officeCountry: string;
  roles: readonly OperatorRole[];
  password: string;
  /** Base32 TOTP secret. */
  totpSecret: string;
  /** Who adds it: the addition is journaled into every jurisdiction's access log. */
  actor: EventActor;
}

export interface Operators {
  /** Adds an operator; journaled (kind `operator-add`, with its roles) in the same transaction. */
  create(props: NewOperator): Promise<Operator>;
  /**
   * Replaces an operator's roles; a change is journaled (kind `operator-roles`) in the same
   * transaction, so no one gains approver rights silently. Null when there is no such operator.
   */
  setRoles(props: { id: string; roles: readonly OperatorRole[]; actor: EventActor }): Promise<{ operator: Operator; changed: boolean } | null>;
  find(id: string): Promise<Operator | null>;
  list(): Promise<Operator[]>;
  signIn(props: { operatorId: string; password: string; code: string; origin: RequestOrigin; isBlocked: (country: string) => boolean }): Promise<OperatorSignedIn>;
  /** The operator and session behind a token; refuses a malformed, unknown, expired or revoked one. */
  authenticate(token: string): Promise<{ operator: Operator; session: OperatorSession }>;
  signOut(sessionId: string): Promise<void>;
  /**
   * Refuses every further sign-in of the operator and ends its live sessions; null when there is
   * no such operator. Disabling a disabled operator changes nothing but ends any session left.
   * A new disable is journaled (kind `operator-disable`, by `actor`) in the same transaction, for
   * the serving process to write to every jurisdiction's access log.
   */
  disable(props: { id: string; reason: string; actor: EventActor }): Promise<{ operator: Operator; alreadyDisabled: boolean; revokedSessions: number } | null>;
  /** Of these session ids, those that are over (revoked, expired, operator disabled), by any process. */
  endedSessions(sessionIds: readonly string[]): Promise<string[]>;
  /** Ends every live session from, or of operators established in, these countries. */
  revokeFrom(countries: readonly string[], reason: string): Promise<{ id: string; operator_id: string }[]>;
}

const OPERATOR_ID = /^[a-z][a-z0-9-]{2,63}$/;
const COUNTRY = /^[A-Z]{2}$/;
const TOKEN = /^ops-(os[0-9a-f]{24})\.([A-Za-z0-9_-]{32})$/;
const roleSet: ReadonlySet<string> = new Set(OPERATOR_ROLES);

function parseRoles(text: string): OperatorRole[] {
  try {
    const value: unknown = JSON.parse(text);
    // Unknown roles are kept, not dropped: the policy engine refuses a request that carries one,
    // so a damaged row denies instead of silently losing or gaining a role.
    return Array.isArray(value) ? (value.filter((r) => typeof r === 'string') as OperatorRole[]) : [];
  } catch {
    return [];
  }
}

export function operatorFromRow(row: OperatorRow): Operator {
  return {
    id: row.id,
    name: row.name,
    employer: { id: row.employer_id, entity: row.employer_entity, country: row.employer_country, tier: row.employer_tier as EmployerTier },
    officeCountry: row.office_country,
    roles: parseRoles(row.roles),
    disabled: row.disabled_at !== null,
  };
}

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('base64');

export interface OpenOperatorsProps {
  db: Kysely<DirectoryDatabase>;
  /** Where additions, role changes and disables are journaled, and the jurisdictions whose logs record them; those refuse to run without them. */
  journal?: GovernanceJournal;
  jurisdictions?: readonly string[];
  /** Session lifetime; operator sessions are short on purpose. */
  sessionTtlMs?: number;
  now?: () => Date;
}

export const DEFAULT_OPERATOR_SESSION_TTL_MS = 30 * 60_000;

export function createOperators(props: OpenOperatorsProps): Operators {
  const { db } = props;
  const now = props.now ?? (() => new Date());
  const ttl = props.sessionTtlMs ?? DEFAULT_OPERATOR_SESSION_TTL_MS;
  // Failures count per operator id and per address; strangers cannot lock an operator out of the
  // console (the office address that signed in before still gets in).
  const guard = createSignInGuard({ now: () => now().getTime() });

  function journaled(): { journal: GovernanceJournal; jurisdictions: readonly string[] } {
    const { journal, jurisdictions } = props;
    // Never a change of who may access data that leaves no trace in the logs.
    if (!journal || !jurisdictions) throw new Error('operators: adding, changing or disabling an operator needs the governance journal and the jurisdictions');
    return { journal, jurisdictions };
  }

  function checkRoles(roles: readonly string[]): void {
    const unknown = roles.filter((r) => !roleSet.has(r));
    if (unknown.length > 0 || roles.length === 0) {
      throw new DomainError('VALIDATION_FAILED', `roles must be one or more of ${OPERATOR_ROLES.join(', ')}`);
    }
  }

  const roleText = (roles: readonly OperatorRole[]): string => JSON.stringify([...new Set(roles)].sort());

  async function find(id: string): Promise<Operator | null> {
    if (!OPERATOR_ID.test(id)) return null;
    const row = await operatorById(db, id);
    return row ? operatorFromRow(row) : null;
  }

  return {
    async create(input) {
      if (!OPERATOR_ID.test(input.id)) throw new DomainError('VALIDATION_FAILED', 'an operator id is 3–64 lower-case letters, digits and "-", starting with a letter');
      for (const country of [input.employer.country, input.officeCountry]) {
        if (!COUNTRY.test(country)) throw new DomainError('VALIDATION_FAILED', `"${country}" is not an ISO 3166-1 alpha-2 country code`);
      }
      checkRoles(input.roles);
      const { journal, jurisdictions } = journaled();
      if (input.password.length < 12) throw new DomainError('VALIDATION_FAILED', 'an operator password needs at least 12 characters');
      const secret = base32Decode(input.totpSecret);
      // RFC 4226 §4 R6: the shared secret is at least 128 bits (160 recommended, as newTotpSecret makes).
      if (!secret || secret.length < 16) throw new DomainError('VALIDATION_FAILED', 'the TOTP secret must be base32 of at least 128 bits (26 or more characters)');
      if (await operatorById(db, input.id)) throw new DomainError('ALREADY_EXISTS', `an operator "${input.id}" already exists`);
      const row: OperatorRow = {
        id: input.id,
        name: input.name,
        employer_id: input.employer.id,
        employer_entity: input.employer.entity,
        employer_country: input.employer.country,
        employer_tier: input.employer.tier,
        office_country: input.officeCountry,
        roles: roleText(input.roles),
        password_hash: await hashPassword(input.password),
        totp_secret: input.totpSecret.replace(/[\s=]/g, '').toUpperCase(),
        totp_last_step: -1,
        created_at: now().toISOString(),
        disabled_at: null,
      };
      const operator = operatorFromRow(row);
      await insertOperator(db, row, (trx) =>
        journal.add(trx, { kind: 'operator-add', actor: input.actor, operatorId: operator.id, roles: [...operator.roles], jurisdictions }, row.created_at),
      );
      return operator;
    },

    async setRoles({ id, roles, actor }) {
      checkRoles(roles);
      const { journal, jurisdictions } = journaled();
      if (!OPERATOR_ID.test(id)) return null;
      const text = roleText(roles);
      const at = now().toISOString();
      const changed = await updateOperatorRoles(db, id, text, (trx) =>
        journal.add(trx, { kind: 'operator-roles', actor, operatorId: id, roles: JSON.parse(text) as string[], jurisdictions }, at),
      );
      const row = changed === null ? null : await operatorById(db, id);
      return row && changed !== null ? { operator: operatorFromRow(row), changed } : null;
    },

    find,
    list: async () => (await allOperators(db)).map(operatorFromRow),

    async signIn({ operatorId, password, code, origin, isBlocked }) {
      const attempt = { accountKey: `operator:${operatorId}`, address: origin.address ?? 'unknown' };
      guard.check(attempt);
      const row = OPERATOR_ID.test(operatorId) ? await operatorById(db, operatorId) : null;
      const passwordOk = await verifyPassword(password, row?.password_hash ?? (await decoyHash));
      const secret = row ? base32Decode(row.totp_secret) : null;
      const step = secret ? verifyTotp({ secret, code, unixSeconds: Math.floor(now().getTime() / 1000) }) : null;
      // A code is good once: claiming its step refuses a replay within its 90-second window.
      const fresh = row && passwordOk && step !== null ? await claimTotpStep(db, row.id, step) : false;
      if (!row || row.disabled_at !== null || !passwordOk || step === null || !fresh) {
        guard.failed(attempt);
        throw new DomainError('INVALID_CREDENTIALS', 'that operator id, password and one-time code do not match (each code works once)');
      }
      guard.succeeded(attempt);
      const operator = operatorFromRow(row);
      if (origin.country === null) {
        throw new DomainError('LOCATION_UNKNOWN', 'the country of your source address cannot be determined (private, loopback or unknown address); operator access needs a known country');
      }
      const blocked = [origin.country, operator.officeCountry, operator.employer.country].find((c) => isBlocked(c));
      if (blocked) throw new DomainError('JURISDICTION_BLOCKED', `operator access from or for ${blocked} is cut off`);
      if (origin.country !== operator.officeCountry) {
        throw new DomainError('LOCATION_MISMATCH', `you are connecting from ${origin.country} but your declared office is in ${operator.officeCountry}; sign in from your office country`);
      }
      const id = `os${crypto.randomBytes(12).toString('hex')}`;
      const secretPart = crypto.randomBytes(24).toString('base64url');
      const created = now();
      const session: OperatorSession = {
        id,
        operatorId: operator.id,
        country: origin.country,
        simulated: origin.simulated,
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + ttl).toISOString(),
      };
      await insertSession(db, {
        id,
        operator_id: operator.id,
        token_hash: sha256(secretPart),
        address: origin.address ?? '',
        country: origin.country,
        simulated: origin.simulated ? 1 : 0,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoke_reason: null,
      });
      return { token: `ops-${id}.${secretPart}`, session, operator };
    },

    async authenticate(token) {
      const match = TOKEN.exec(token);
      if (!match) throw new DomainError('UNAUTHENTICATED', 'sign in as an operator first: send Authorization: Bearer <operator token>');
      const [, id = '', secretPart = ''] = match;
      const row = await sessionById(db, id);
      if (!row || !crypto.timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(sha256(secretPart)))) {
        throw new DomainError('UNAUTHENTICATED', 'this operator session does not exist; sign in again');
      }
      if (row.revoked_at !== null) {
        throw new DomainError('SESSION_REVOKED', `this operator session was ended (${row.revoke_reason ?? 'signed out'}); sign in again`);
      }
      if (row.expires_at <= now().toISOString()) throw new DomainError('UNAUTHENTICATED', 'this operator session has expired; sign in again');
      const operatorRow = await operatorById(db, row.operator_id);
      if (!operatorRow || operatorRow.disabled_at !== null) throw new DomainError('UNAUTHENTICATED', 'this operator account is disabled');
      return {
        operator: operatorFromRow(operatorRow),
        session: {
          id: row.id,
          operatorId: row.operator_id,
          country: row.country,
          simulated: row.simulated === 1,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        },
      };
    },

    async signOut(sessionId) {
      await revokeSessionRow(db, sessionId, 'signed out', now().toISOString());
    },

    async disable({ id, reason, actor }) {
      const { journal, jurisdictions } = journaled();
      if (!OPERATOR_ID.test(id)) return null;
      const at = now().toISOString();
      const result = await disableOperatorRow(db, id, reason, at, (trx) => journal.add(trx, { kind: 'operator-disable', actor, operatorId: id, jurisdictions }, at));
      const row = result ? await operatorById(db, id) : null;
      return result && row ? { operator: operatorFromRow(row), ...result } : null;
    },

    endedSessions: (sessionIds) => endedSessionIds(db, sessionIds, now().toISOString()),

    revokeFrom: (countries, reason) => revokeSessionsFrom(db, countries, reason, now().toISOString()),
  };
}

/** What an operator's own console and admins see of an operator (no secrets). */
export function presentOperator(operator: Operator) {
  return {
    id: operator.id,
    name: operator.name,
    employer: operator.employer,
    officeCountry: operator.officeCountry,
    roles: [...operator.roles],
    disabled: operator.disabled,
  };
}
