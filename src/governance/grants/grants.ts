// Just-in-time grants: an operator asks for a scope (subjects, categories, fields) for a purpose
// and a real case, for a while, from a stated location; an approver who is not the requester
// approves (two distinct approvers beyond 100 subjects) or denies; the grant ends when it
// expires or is revoked. Expiry takes effect at the instant it passes, whatever the sweeper
// has written yet. Every step is journalled, so it reaches the subjects' access logs — a refused
// request too, refused without saying which of the people named the case does not concern.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryAccessGrantTable } from '../governance.tables.js';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import { isCategory, unknownCategoryMessage } from '../../cells/categories.js';
import { DomainError } from '../../errors/catalogue.js';
import { PURPOSE_CASE_KINDS, type Case } from '../cases/cases.js';
import type { EventActor, GovernanceJournal } from '../journal.js';
import type { Operator } from '../operators/operators.js';
import { PURPOSES, type Purpose } from '../policy/policy.request.js';

export type GrantStatus = 'pending' | 'approved' | 'denied' | 'revoked' | 'expired';

export interface GrantApproval {
  readonly approverId: string;
  readonly decision: 'approve' | 'deny';
  readonly at: string;
}

export interface Grant {
  readonly id: string;
  readonly requesterId: string;
  readonly subjects: readonly string[];
  readonly categories: readonly string[];
  /** Fields released in clear; empty means every field of the categories. */
  readonly fields: readonly string[];
  readonly purpose: Purpose;
  readonly caseRef: string;
  readonly durationSeconds: number;
  readonly requestedLocation: string;
  readonly requiredApprovals: number;
  /** As of now: an approved grant past its expiry reads as expired even before the sweep. */
  readonly status: GrantStatus;
  readonly createdAt: string;
  readonly approvedAt: string | null;
  readonly expiresAt: string | null;
  readonly endedAt: string | null;
  readonly endedBy: string | null;
  readonly approvals: readonly GrantApproval[];
}

/** More subjects than this need two distinct approvers. */
export const TWO_APPROVER_THRESHOLD = 100;
export const MAX_GRANT_SUBJECTS = 10_000;
export const MAX_GRANT_MINUTES = 8 * 60;

export interface RequestGrantProps {
  requester: Operator;
  actor: EventActor;
  /** Subject ids as asked for (ids nobody holds are refused like people outside the case). */
  subjects: readonly string[];
  categories: readonly string[];
  fields: readonly string[];
  purpose: Purpose;
  /** The case cited; null when there is none of that ref. */
  case: Case | null;
  caseRef: string;
  durationMinutes: number;
  requestedLocation: string;
}

export interface Grants {
  request(props: RequestGrantProps): Promise<Grant>;
  approve(props: { grantId: string; approver: Operator; actor: EventActor }): Promise<Grant>;
  deny(props: { grantId: string; approver: Operator; actor: EventActor }): Promise<Grant>;
  revoke(props: { grantId: string; by: Operator; actor: EventActor }): Promise<Grant>;
  get(id: string): Promise<Grant | null>;
  list(props: { requesterId?: string; status?: GrantStatus; limit?: number }): Promise<Grant[]>;
  /** Approved, unexpired grants of an operator for one purpose and case. */
  usable(props: { operatorId: string; purpose: string; caseRef: string }): Promise<Grant[]>;
  /** Marks grants past their expiry as expired and journals it; returns how many. */
  expireDue(): Promise<number>;
  /** When the first approved grant expires (ISO time), or null when none will. */
  nextExpiry(): Promise<string | null>;
}

type Row = DirectoryAccessGrantTable;

const parseList = (text: string): string[] => JSON.parse(text) as string[];

export function openGrants(props: {
  db: Kysely<DirectoryDatabase>;
  journal: GovernanceJournal;
  /** Home jurisdictions of the grant's subjects, for the journal. */
  homesOf: (ids: readonly string[]) => Promise<Map<string, string>>;
  /** Every jurisdiction: a refused request naming ids nobody holds is logged in each. */
  jurisdictions: readonly string[];
  /** Called after any change, so cached decisions can be dropped. */
  onChange?: () => void;
  now?: () => Date;
}): Grants {
  const { db, journal } = props;
  const now = props.now ?? (() => new Date());

  function toGrant(row: Row, approvals: readonly GrantApproval[]): Grant {
    const expired = row.status === 'approved' && row.expires_at !== null && row.expires_at <= now().toISOString();
    return {
      id: row.id,
      requesterId: row.requester_id,
      subjects: parseList(row.subjects),
      categories: parseList(row.categories),
      fields: parseList(row.fields),
      purpose: row.purpose as Purpose,
      caseRef: row.case_ref,
      durationSeconds: Number(row.duration_seconds),
      requestedLocation: row.requested_location,
      requiredApprovals: Number(row.required_approvals),
      status: expired ? 'expired' : (row.status as GrantStatus),
      createdAt: row.created_at,
      approvedAt: row.approved_at,
      expiresAt: row.expires_at,
      endedAt: row.ended_at ?? (expired ? row.expires_at : null),
      endedBy: row.ended_by,
      approvals,
    };
  }

  async function approvalsOf(ids: readonly string[]): Promise<Map<string, GrantApproval[]>> {
    const out = new Map<string, GrantApproval[]>();
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('grant_approval').selectAll().where('grant_id', 'in', [...ids]).orderBy('at').execute();
    for (const row of rows) {
      const list = out.get(row.grant_id) ?? [];
      list.push({ approverId: row.approver_id, decision: row.decision as GrantApproval['decision'], at: row.at });
      out.set(row.grant_id, list);
    }
    return out;
  }

  async function load(rows: Row[]): Promise<Grant[]> {
    const approvals = await approvalsOf(rows.map((r) => r.id));
    return rows.map((r) => toGrant(r, approvals.get(r.id) ?? []));
  }

  async function get(id: string): Promise<Grant | null> {
    const row = await db.selectFrom('access_grant').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? ((await load([row]))[0] ?? null) : null;
  }

  async function mustGet(id: string): Promise<Grant> {
    const grant = await get(id);
    if (!grant) throw new DomainError('NOT_FOUND', `no grant ${id}`);
    return grant;
  }

  async function eventFor(grant: Grant, kind: 'grant-request' | 'grant-approve' | 'grant-deny' | 'grant-revoke' | 'grant-expire', actor: EventActor) {
    const homes = await props.homesOf(grant.subjects);
    const subjects: Record<string, string[]> = {};
    for (const id of grant.subjects) {
      const home = homes.get(id);
      if (!home) continue;
      (subjects[home] ??= []).push(id);
    }
    return { kind, actor, grantId: grant.id, subjects, categories: grant.categories, fields: grant.fields, purpose: grant.purpose, caseRef: grant.caseRef };
  }

  async function afterChange(): Promise<void> {
    props.onChange?.();
    // Written now when this process holds the logs; otherwise the server picks it up.
    await journal.flush().catch(() => undefined);
  }

  /** Logs a refused request in the subjects' logs (ids nobody holds: in every log, unnamed), then refuses. */
  async function refuse(r: { input: RequestGrantProps; subjects: readonly string[]; homes: Map<string, string>; why: string }): Promise<never> {
    const bySubjectHome: Record<string, string[]> = {};
    for (const id of r.subjects) {
      const home = r.homes.get(id);
      if (home) (bySubjectHome[home] ??= []).push(id);
    }
    if (r.subjects.some((id) => !r.homes.has(id))) for (const j of props.jurisdictions) bySubjectHome[j] ??= [];
    const at = now().toISOString();
    const categories = [...new Set(r.input.categories)].sort();
    const event = { kind: 'grant-refuse' as const, actor: r.input.actor, grantId: null, subjects: bySubjectHome, categories, fields: [...new Set(r.input.fields)].sort(), purpose: r.input.purpose, caseRef: r.input.caseRef };
    const eventId = await db.transaction().execute((trx) => journal.add(trx, event, at));
    await journal.flush().catch(() => undefined);
    throw new DomainError('UNKNOWN_CASE', `grant refused: ${r.why}; the refusal is logged as ${eventId}`, { refusalId: eventId });
  }

  function requirePending(grant: Grant): void {
    if (grant.status !== 'pending') throw new DomainError('GRANT_NOT_PENDING', `grant ${grant.id} is ${grant.status}, not pending`);
  }

  function requireApprover(grant: Grant, approver: Operator): void {
    if (!approver.roles.includes('approver')) throw new DomainError('FORBIDDEN', 'only operators with the approver role can decide on grants');
    if (approver.id === grant.requesterId) throw new DomainError('SELF_APPROVAL', 'you cannot decide on your own grant request; ask another approver');
  }

  return {
    async request(input) {
      const subjects = [...new Set(input.subjects)];
      if (subjects.length === 0 || subjects.length > MAX_GRANT_SUBJECTS) {
        throw new DomainError('VALIDATION_FAILED', `a grant names 1–${MAX_GRANT_SUBJECTS} subjects`);
      }
      if (!PURPOSES.includes(input.purpose)) throw new DomainError('VALIDATION_FAILED', `purpose must be one of ${PURPOSES.join(', ')}`);
      const unknownCategory = input.categories.find((c) => !isCategory(c));
      if (unknownCategory !== undefined) {
        throw new DomainError('UNKNOWN_CATEGORY', unknownCategoryMessage(unknownCategory));
      }
      if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 1 || input.durationMinutes > MAX_GRANT_MINUTES) {
        throw new DomainError('VALIDATION_FAILED', `a grant lasts 1–${MAX_GRANT_MINUTES} minutes`);
      }
      if (!/^[A-Z]{2}$/.test(input.requestedLocation)) throw new DomainError('VALIDATION_FAILED', 'requestedLocation is the ISO 3166-1 alpha-2 country you will work from');
      const homes = await props.homesOf(subjects);
      const cited = input.case;
      const why =
        cited === null
          ? `no case ${input.caseRef}; a grant must cite a real support ticket, abuse report, incident or legal case`
          : cited.status !== 'open'
            ? `case ${cited.ref} is ${cited.status === 'pending' ? 'not yet confirmed or approved' : 'closed'}`
            : !PURPOSE_CASE_KINDS[input.purpose].includes(cited.kind)
              ? `purpose ${input.purpose} needs a ${PURPOSE_CASE_KINDS[input.purpose].join(' or ')} case; ${cited.ref} is a ${cited.kind} case`
              : subjects.some((s) => !homes.has(s) || !cited.subjects.some((c) => c.id === s))
                ? `case ${cited.ref} does not concern every subject named`
                : null;
      if (cited === null || why !== null) return refuse({ input, subjects, homes, why: why ?? `no case ${input.caseRef}` });
      const at = now().toISOString();
      const row: Row = {
        id: `gr-${crypto.randomBytes(8).toString('hex')}`,
        requester_id: input.requester.id,
        subjects: JSON.stringify(subjects),
        categories: JSON.stringify([...new Set(input.categories)].sort()),
        fields: JSON.stringify([...new Set(input.fields)].sort()),
        purpose: input.purpose,
        case_ref: cited.ref,
        duration_seconds: input.durationMinutes * 60,
        requested_location: input.requestedLocation,
        required_approvals: subjects.length > TWO_APPROVER_THRESHOLD ? 2 : 1,
        status: 'pending',
        created_at: at,
        approved_at: null,
        expires_at: null,
        ended_at: null,
        ended_by: null,
      };
      const grant = toGrant(row, []);
      const event = await eventFor(grant, 'grant-request', input.actor);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('access_grant').values(row).execute();
        await journal.add(trx, event, at);
      });
      await afterChange();
      return grant;
    },

    async approve({ grantId, approver, actor }) {
      const grant = await mustGet(grantId);
      requireApprover(grant, approver);
      requirePending(grant);
      if (grant.approvals.some((a) => a.approverId === approver.id)) {
        throw new DomainError('GRANT_NOT_PENDING', `you already approved grant ${grantId}; it needs another approver`);
      }
      const at = now();
      const event = await eventFor(grant, 'grant-approve', actor);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('grant_approval').values({ grant_id: grantId, approver_id: approver.id, decision: 'approve', at: at.toISOString() }).execute();
        const approvals = grant.approvals.filter((a) => a.decision === 'approve').length + 1;
        if (approvals >= grant.requiredApprovals) {
          const updated = await trx
            .updateTable('access_grant')
            .set({ status: 'approved', approved_at: at.toISOString(), expires_at: new Date(at.getTime() + grant.durationSeconds * 1000).toISOString() })
            .where('id', '=', grantId)
            .where('status', '=', 'pending')
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw new DomainError('GRANT_NOT_PENDING', `grant ${grantId} is no longer pending`);
        }
        await journal.add(trx, event, at.toISOString());
      });
      await afterChange();
      return mustGet(grantId);
    },

    async deny({ grantId, approver, actor }) {
      const grant = await mustGet(grantId);
      requireApprover(grant, approver);
      requirePending(grant);
      const at = now().toISOString();
      const event = await eventFor(grant, 'grant-deny', actor);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('grant_approval').values({ grant_id: grantId, approver_id: approver.id, decision: 'deny', at }).execute();
        await trx.updateTable('access_grant').set({ status: 'denied', ended_at: at, ended_by: approver.id }).where('id', '=', grantId).execute();
        await journal.add(trx, event, at);
      });
      await afterChange();
      return mustGet(grantId);
    },

    async revoke({ grantId, by, actor }) {
      const grant = await mustGet(grantId);
      const allowed = by.id === grant.requesterId || by.roles.some((r) => r === 'approver' || r === 'admin' || r === 'security');
      if (!allowed) throw new DomainError('FORBIDDEN', 'a grant can be revoked by its requester, an approver, security or an admin');
      if (grant.status !== 'pending' && grant.status !== 'approved') {
        throw new DomainError('GRANT_NOT_PENDING', `grant ${grantId} is already ${grant.status}`);
      }
      const at = now().toISOString();
      const event = await eventFor(grant, 'grant-revoke', actor);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('access_grant').set({ status: 'revoked', ended_at: at, ended_by: by.id }).where('id', '=', grantId).execute();
        await journal.add(trx, event, at);
      });
      await afterChange();
      return mustGet(grantId);
    },

    get,

    async list({ requesterId, status, limit = 200 }) {
      let query = db.selectFrom('access_grant').selectAll().orderBy('created_at', 'desc').limit(Math.min(limit, 1000));
      if (requesterId) query = query.where('requester_id', '=', requesterId);
      const at = now().toISOString();
      if (status === 'expired') {
        query = query.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'approved'), eb('expires_at', '<=', at)])]));
      } else if (status === 'approved') {
        query = query.where('status', '=', 'approved').where('expires_at', '>', at);
      } else if (status) {
        query = query.where('status', '=', status);
      }
      return load(await query.execute());
    },

    async usable({ operatorId, purpose, caseRef }) {
      const rows = await db
        .selectFrom('access_grant')
        .selectAll()
        .where('requester_id', '=', operatorId)
        .where('purpose', '=', purpose)
        .where('case_ref', '=', caseRef)
        .where('status', '=', 'approved')
        .where('expires_at', '>', now().toISOString())
        .execute();
      return load(rows);
    },

    async nextExpiry() {
      const row = await db
        .selectFrom('access_grant')
        .select((eb) => eb.fn.min('expires_at').as('at'))
        .where('status', '=', 'approved')
        .executeTakeFirst();
      return row?.at ?? null;
    },
    async expireDue() {
      const at = now().toISOString();
      const rows = await db.selectFrom('access_grant').selectAll().where('status', '=', 'approved').where('expires_at', '<=', at).limit(100).execute();
      let expired = 0;
      for (const grant of await load(rows)) {
        const event = await eventFor(grant, 'grant-expire', { id: 'system:grants', employer: null, employerCountry: null, officeCountry: null, physicalCountry: null });
        const changed = await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('access_grant')
            .set({ status: 'expired', ended_at: grant.expiresAt, ended_by: 'system:grants' })
            .where('id', '=', grant.id)
            .where('status', '=', 'approved')
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) return false;
          await journal.add(trx, event, at);
          return true;
        });
        if (changed) expired += 1;
      }
      if (expired > 0) await afterChange();
      return expired;
    },
  };
}
