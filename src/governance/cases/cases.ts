// Cases: support tickets and abuse reports, the "why" an operator names for every access. A
// case is personal data about its subjects, so it lives in cells under the residency guard and
// never abroad (issue 16.3): the case row in the home cell of the person it was opened for or by
// (the customer, the reporter), and the row naming each subject in that subject's own home cell.
// The directory keeps only a routing index (ref → cell, kind, status, reason code).
//
// No operator can open a case and read at once: a ticket the person opens (or a report they
// file) is open at once, but a case an operator opens is pending until the person confirms it
// or a second operator approves it (two approvers beyond 100 subjects). Opening, confirming,
// approving and closing are journalled into the access logs of the subjects' jurisdictions.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { categories } from '../../cells/categories.js';
import type { CellRegistry } from '../../cells/cell.registry.js';
import { cellFor, personalColumns, scopeOf, type Scope } from '../../cells/records.js';
import type { CellDatabase, DirectoryDatabase } from '../../cells/cell.database.js';
import { DomainError } from '../../errors/catalogue.js';
import type { SubjectDataSource, SubjectRecord, SubjectRef } from '../broker/subject-data.js';
import { systemActor, type CaseEvent, type EventActor, type GovernanceJournal } from '../journal.js';
import type { Operator } from '../operators/operators.js';
import type { OperatorRole, Purpose } from '../policy/policy.request.js';

export type CaseKind = 'support' | 'abuse' | 'incident' | 'legal';
/** The kinds an operator may open (an abuse report comes only from a person). */
export type StaffCaseKind = Exclude<CaseKind, 'abuse'>;
export const STAFF_CASE_KINDS: readonly StaffCaseKind[] = ['support', 'incident', 'legal'];
export type CaseRole = 'customer' | 'reporter' | 'reported';
/** `pending`: opened by staff, awaiting the person's confirmation or a second operator. */
export type CaseStatus = 'pending' | 'open' | 'closed';

export const SUPPORT_REASONS = ['account', 'login', 'billing', 'privacy', 'other'] as const;
export const ABUSE_REASONS = ['spam', 'harassment', 'illegal', 'other'] as const;
export const INCIDENT_REASONS = ['breach', 'outage', 'misuse', 'other'] as const;
export const LEGAL_REASONS = ['court-order', 'police-request', 'regulator', 'other'] as const;
export const CASE_REASONS: Readonly<Record<CaseKind, readonly string[]>> = { support: SUPPORT_REASONS, abuse: ABUSE_REASONS, incident: INCIDENT_REASONS, legal: LEGAL_REASONS };

/** The purpose each kind of case serves, as its journal entries name it. */
export const CASE_PURPOSE: Readonly<Record<CaseKind, Purpose>> = { support: 'SUPPORT_CASE', abuse: 'ABUSE_REPORT', incident: 'INCIDENT_RESPONSE', legal: 'LEGAL_REQUEST' };

/** Which kinds of case each purpose must cite. */
export const PURPOSE_CASE_KINDS: Readonly<Record<Purpose, readonly CaseKind[]>> = {
  SUPPORT_CASE: ['support'],
  PAYMENT_SUPPORT: ['support'],
  ABUSE_REPORT: ['abuse'],
  // An incident or a lawful request is its own case, opened and approved as such: a support
  // ticket does not stretch to cover either.
  INCIDENT_RESPONSE: ['incident'],
  LEGAL_REQUEST: ['legal'],
  SERVICE_OPERATION: ['support', 'abuse', 'incident'],
  DATA_SUBJECT_REQUEST: ['support'],
};

/** Who may open each kind of case. */
export const CASE_OPENERS: Readonly<Record<StaffCaseKind, readonly OperatorRole[]>> = { support: ['support', 'admin'], incident: ['security', 'engineer'], legal: ['security'] };

/** Most subjects of one case: a support ticket is about a few people, an incident may be about many. */
export const MAX_CASE_SUBJECTS: Readonly<Record<StaffCaseKind, number>> = { support: 100, incident: 10_000, legal: 1_000 };

/** More subjects than this need two approvers before the case opens (as for grants). */
export const CASE_TWO_APPROVER_THRESHOLD = 100;
export type SupportReason = (typeof SUPPORT_REASONS)[number];
export type AbuseReason = (typeof ABUSE_REASONS)[number];

/** The data category of case rows (not message content: a report holds only references). */
export const CASE_CATEGORY = categories.supportCase;

export interface CaseSubject {
  readonly id: string;
  readonly role: CaseRole;
}

export interface Case {
  readonly ref: string;
  readonly kind: CaseKind;
  readonly status: CaseStatus;
  readonly reason: string;
  readonly cellId: string;
  readonly conversationId: string | null;
  /** Record ids the case is about; for an abuse report, the reported message. */
  readonly records: readonly string[];
  readonly subjects: readonly CaseSubject[];
  readonly openedBy: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
  /** Second-operator approvals needed to open it (0 when the person opened or confirmed it). */
  readonly requiredApprovals: number;
  readonly approvals: readonly { readonly approverId: string; readonly at: string }[];
}

/** What the moderation queue shows: no subjects, no contents. */
export interface CaseSummary {
  readonly ref: string;
  readonly kind: CaseKind;
  readonly status: CaseStatus;
  readonly reason: string;
  readonly createdAt: string;
  /** Approvals a staff-opened case needs (0 when the person opened it). */
  readonly requiredApprovals: number;
}

export type { Scope };

export interface Cases {
  /** A ticket the person opens about themselves: open at once. */
  openSupportTicket(props: { subject: SubjectRef; reason: SupportReason; ref?: string }): Promise<Case>;
  /** A case an operator opens: pending until the person confirms it or other operators approve it. */
  openCase(props: { kind: StaffCaseKind; subjects: readonly SubjectRef[]; unknownIds?: readonly string[]; reason: string; opener: Operator; actor: EventActor }): Promise<Case>;
  /** A second operator (an approver, not the opener) approves a pending case. */
  approve(props: { ref: string; approver: Operator; actor: EventActor }): Promise<Case>;
  /** The person a pending support ticket is about confirms it. */
  confirm(props: { ref: string; subject: SubjectRef }): Promise<Case>;
  /** Opens (or returns the already open) report of one message by one reporter. */
  openAbuseReport(props: {
    reporter: SubjectRef;
    reported: SubjectRef;
    conversation: { id: string; scope: Scope };
    messageId: string;
    reason: AbuseReason;
  }): Promise<{ case: Case; created: boolean }>;
  find(ref: string): Promise<Case | null>;
  close(props: { ref: string; actor: EventActor }): Promise<Case>;
  list(props: { kind?: CaseKind; status?: CaseStatus; limit?: number }): Promise<CaseSummary[]>;
  /** The broker's source for category user.support.case (CASE_CATEGORY). */
  readonly source: SubjectDataSource;
}

export const CASE_REF = /^[TR]-[0-9]{4,8}$/;

export function openCases(props: {
  cells: CellRegistry;
  directoryDb: Kysely<DirectoryDatabase>;
  journal: GovernanceJournal;
  /** Home jurisdictions of subjects, for the journal. */
  homesOf: (ids: readonly string[]) => Promise<Map<string, string>>;
  now?: () => Date;
}): Cases {
  const { cells, directoryDb, journal } = props;
  const now = props.now ?? (() => new Date());

  const caseCell = (scope: Scope) => cellFor(cells, scope, CASE_CATEGORY);

  async function newRef(prefix: 'T' | 'R'): Promise<string> {
    for (;;) {
      const ref = `${prefix}-${crypto.randomInt(100_000, 1_000_000)}`;
      const taken = await directoryDb.selectFrom('case_index').select('ref').where('ref', '=', ref).executeTakeFirst();
      if (!taken) return ref;
    }
  }

  async function insertCase(props2: {
    ref: string;
    kind: CaseKind;
    reason: string;
    scope: Scope;
    primary: SubjectRef;
    subjects: readonly (SubjectRef & { role: CaseRole })[];
    conversationId: string | null;
    records: readonly string[];
    openedBy: string;
    actor: EventActor;
    requiredApprovals: number;
  }): Promise<Case> {
    const cell = caseCell(props2.scope);
    const at = now().toISOString();
    const status: CaseStatus = props2.requiredApprovals > 0 ? 'pending' : 'open';
    // The cell rows first, then the index row with its journal event in one transaction: a case
    // exists (can be found, cited, and is in the log) only once both are written, and a crash in
    // between leaves cell rows nothing can find or cite, never a logged case without its rows.
    const event = eventFor({ kind: 'case-open', actor: props2.actor, ref: props2.ref, caseKind: props2.kind, subjects: props2.subjects });
    // Each subject's row goes to their own home cell first (ids only), then the case row: a crash
    // in between leaves subject rows that no case row or index entry makes findable.
    const byCell = new Map<string, { cell: ReturnType<typeof caseCell>; rows: ReturnType<typeof subjectRow>[] }>();
    for (const s of props2.subjects) {
      const home = caseCell(scopeOf(s));
      const entry = byCell.get(home.id) ?? { cell: home, rows: [] };
      entry.rows.push(subjectRow(props2.ref, s, home));
      byCell.set(home.id, entry);
    }
    for (const { cell: home, rows } of byCell.values()) {
      await home.db.transaction().execute(async (trx) => {
        // A few hundred rows per statement keeps far below SQLite's bound-parameter limit.
        for (let i = 0; i < rows.length; i += 500) await trx.insertInto('case_subject').values(rows.slice(i, i + 500)).execute();
      });
    }
    await cell.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('case_record')
        .values({
          ref: props2.ref,
          kind: props2.kind,
          status,
          reason: props2.reason,
          conversation_id: props2.conversationId,
          records: JSON.stringify(props2.records),
          opened_by: props2.openedBy,
          created_at: at,
          closed_at: null,
          ...personalColumns({ subject: props2.primary, scope: props2.scope, category: CASE_CATEGORY, cell }),
        })
        .execute();
    });
    try {
      await directoryDb.transaction().execute(async (trx) => {
        await trx
          .insertInto('case_index')
          .values({ ref: props2.ref, kind: props2.kind, cell_id: cell.id, status, reason: props2.reason, created_at: at, required_approvals: props2.requiredApprovals })
          .execute();
        await journal.add(trx, event, at);
      });
    } catch (err) {
      // The ref was taken meanwhile in another cell (in this one the insert above would have
      // failed), or the directory failed: the rows just written go.
      await cell.db.deleteFrom('case_record').where('ref', '=', props2.ref).execute();
      for (const { cell: home } of byCell.values()) await home.db.deleteFrom('case_subject').where('case_ref', '=', props2.ref).execute();
      throw err;
    }
    await journal.flush().catch(() => undefined);
    return {
      ref: props2.ref,
      kind: props2.kind,
      status,
      reason: props2.reason,
      cellId: cell.id,
      conversationId: props2.conversationId,
      records: [...props2.records],
      subjects: props2.subjects.map((s) => ({ id: s.id, role: s.role })),
      openedBy: props2.openedBy,
      createdAt: at,
      closedAt: null,
      requiredApprovals: props2.requiredApprovals,
      approvals: [],
    };
  }

  /** The row naming one subject of a case, in their own home cell (scope: the subject's own). */
  function subjectRow(ref: string, s: SubjectRef & { role: CaseRole }, home: ReturnType<typeof caseCell>) {
    return { case_ref: ref, role: s.role, ...personalColumns({ subject: s, scope: scopeOf(s), category: CASE_CATEGORY, cell: home }) };
  }

  // The people of each case found lately. A case's people are written before its index row and
  // never change after it (case_index rows are never deleted, so a ref names one case for good;
  // a region migration moves the rows between cells but keeps the set), so a case read again —
  // a bulk read cites one case per request — skips its thousands of rows. Status, approvals and
  // the case row itself are read afresh every time. Keyed by ref, checked against the index row's
  // cell and creation time; bounded by the people held.
  const peopleCache = new Map<string, { stamp: string; subjects: readonly CaseSubject[] }>();
  let peopleCached = 0;
  const PEOPLE_CACHED_AT_MOST = 100_000;

  async function peopleOf(ref: string, stamp: string): Promise<readonly CaseSubject[]> {
    const cached = peopleCache.get(ref);
    if (cached?.stamp === stamp) {
      // Most recently used last, so the oldest go first below.
      peopleCache.delete(ref);
      peopleCache.set(ref, cached);
      return cached.subjects;
    }
    const subjects = await subjectsOfCase(ref);
    if (cached) {
      peopleCache.delete(ref);
      peopleCached -= cached.subjects.length;
    }
    if (subjects.length <= PEOPLE_CACHED_AT_MOST) {
      for (const [oldest, entry] of peopleCache) {
        if (peopleCached + subjects.length <= PEOPLE_CACHED_AT_MOST) break;
        peopleCache.delete(oldest);
        peopleCached -= entry.subjects.length;
      }
      peopleCache.set(ref, { stamp, subjects });
      peopleCached += subjects.length;
    }
    return subjects;
  }

  /** The subjects of a case, from every cell (each is kept in its own home cell). */
  async function subjectsOfCase(ref: string): Promise<CaseSubject[]> {
    const out: CaseSubject[] = [];
    for (const c of cells.all()) {
      const rows = await c.db.selectFrom('case_subject').select(['subject_id', 'role']).where('case_ref', '=', ref).execute();
      out.push(...rows.map((r) => ({ id: r.subject_id, role: r.role as CaseRole })));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  function eventFor(e: { kind: CaseEvent['kind']; actor: EventActor; ref: string; caseKind: CaseKind; subjects: readonly SubjectRef[] }): CaseEvent {
    const subjects: Record<string, string[]> = {};
    for (const s of e.subjects) (subjects[s.home] ??= []).push(s.id);
    // No categories: a step of a case reads nothing, so it is not counted as an access (the
    // foreign-handling statement counts entries by category).
    return { kind: e.kind, actor: e.actor, caseRef: e.ref, purpose: CASE_PURPOSE[e.caseKind], subjects, categories: [] };
  }

  async function subjectRefsOf(found: Case): Promise<SubjectRef[]> {
    const homes = await props.homesOf(found.subjects.map((s) => s.id));
    // The class is not needed by the journal; the home decides which log an entry goes to.
    return found.subjects.flatMap((s) => {
      const home = homes.get(s.id);
      return home ? [{ id: s.id, home, class: 'consumer' as const }] : [];
    });
  }

  /**
   * Moves a case to a new status (for an approval: to open once enough approvals are in). The
   * case's cell is written first, then the index with its journal event (issue 16.12): a crash in
   * between leaves the index — what decides — claiming no more than the cell holds, and the step
   * is not acknowledged, so it is simply repeated. Two approvals at once: the later one finds the
   * count changed and is refused to be retried.
   */
  async function transition(found: Case, e: { to: CaseStatus; kind: CaseEvent['kind']; actor: EventActor; approverId?: string }): Promise<void> {
    const at = now().toISOString();
    const event = eventFor({ kind: e.kind, actor: e.actor, ref: found.ref, caseKind: found.kind, subjects: await subjectRefsOf(found) });
    const to: CaseStatus = e.approverId !== undefined ? (found.approvals.length + 1 >= found.requiredApprovals ? 'open' : 'pending') : e.to;
    const cellDb = cells.get(found.cellId).db;
    if (to !== found.status) {
      await cellDb.updateTable('case_record').set({ status: to, closed_at: to === 'closed' ? at : null }).where('ref', '=', found.ref).execute();
    }
    try {
      await directoryDb.transaction().execute(async (trx) => {
        if (e.approverId !== undefined) {
          await trx.insertInto('case_approval').values({ case_ref: found.ref, approver_id: e.approverId, at }).execute();
          const count = await trx.selectFrom('case_approval').select((eb) => eb.fn.countAll<number>().as('n')).where('case_ref', '=', found.ref).executeTakeFirstOrThrow();
          if (Number(count.n) !== found.approvals.length + 1) throw new DomainError('CASE_NOT_PENDING', `case ${found.ref} changed meanwhile; reload it`);
        }
        if (to !== found.status) {
          const changed = await trx.updateTable('case_index').set({ status: to }).where('ref', '=', found.ref).where('status', '=', found.status).executeTakeFirst();
          if (Number(changed.numUpdatedRows) !== 1) throw new DomainError('CASE_NOT_PENDING', `case ${found.ref} changed meanwhile; reload it`);
        }
        await journal.add(trx, event, at);
      });
    } catch (err) {
      // The index did not move: the cell goes back to what the index says, so neither claims more.
      if (to !== found.status) await cellDb.updateTable('case_record').set({ status: found.status, closed_at: found.closedAt }).where('ref', '=', found.ref).execute();
      throw err;
    }
    await journal.flush().catch(() => undefined);
  }

  async function find(ref: string): Promise<Case | null> {
    if (!CASE_REF.test(ref)) return null;
    const index = await directoryDb.selectFrom('case_index').selectAll().where('ref', '=', ref).executeTakeFirst();
    if (!index || !cells.has(index.cell_id)) return null;
    const db: Kysely<CellDatabase> = cells.get(index.cell_id).db;
    const row = await db.selectFrom('case_record').selectAll().where('ref', '=', ref).executeTakeFirst();
    if (!row) return null;
    const subjects = await peopleOf(ref, `${index.cell_id}\u0000${index.created_at}`);
    const approvals = await directoryDb.selectFrom('case_approval').select(['approver_id', 'at']).where('case_ref', '=', ref).orderBy('at').execute();
    return {
      ref: row.ref,
      kind: row.kind as CaseKind,
      // The index is changed first, in the transaction with the journal event: it decides.
      status: index.status as CaseStatus,
      reason: row.reason,
      cellId: index.cell_id,
      conversationId: row.conversation_id,
      records: JSON.parse(row.records) as string[],
      subjects,
      openedBy: row.opened_by,
      createdAt: row.created_at,
      closedAt: row.closed_at,
      requiredApprovals: Number(index.required_approvals),
      approvals: approvals.map((a) => ({ approverId: a.approver_id, at: a.at })),
    };
  }

  async function mustFind(ref: string): Promise<Case> {
    const found = await find(ref);
    if (!found) throw new DomainError('UNKNOWN_CASE', `no case ${ref}`);
    return found;
  }

  const source: SubjectDataSource = {
    category: CASE_CATEGORY,
    fields: ['ref', 'kind', 'status', 'reason', 'role', 'records', 'conversationId', 'createdAt'],
    async read({ subjects, records, limit }) {
      const wanted = new Set(subjects.map((s) => s.id));
      const out: SubjectRecord[] = [];
      for (const cell of cells.all()) {
        let query = cell.db
          .selectFrom('case_subject')
          .select(['subject_id', 'role', 'case_ref'])
          .where('subject_id', 'in', [...wanted])
          .orderBy('case_ref')
          .limit(limit - out.length);
        if (records) query = query.where('case_ref', 'in', [...records]);
        // Each subject's row is in their home cell; the case row where the index says.
        for (const row of await query.execute()) {
          const index = await directoryDb.selectFrom('case_index').select('cell_id').where('ref', '=', row.case_ref).executeTakeFirst();
          if (!index || !cells.has(index.cell_id)) continue;
          const c = await cells.get(index.cell_id).db.selectFrom('case_record').selectAll().where('ref', '=', row.case_ref).executeTakeFirst();
          if (!c) continue;
          out.push({
            subjectId: row.subject_id,
            recordId: c.ref,
            values: {
              ref: c.ref,
              kind: c.kind,
              status: c.status,
              reason: c.reason,
              role: row.role,
              records: (JSON.parse(c.records) as string[]).join(','),
              conversationId: c.conversation_id,
              createdAt: c.created_at,
            },
          });
        }
        if (out.length >= limit) break;
      }
      return out.sort((a, b) => String(a.values.createdAt).localeCompare(String(b.values.createdAt)));
    },
  };

  return {
    async openSupportTicket({ subject, reason, ref }) {
      if (!(SUPPORT_REASONS as readonly string[]).includes(reason)) throw new DomainError('VALIDATION_FAILED', `reason must be one of ${SUPPORT_REASONS.join(', ')}`);
      if (ref !== undefined && !/^T-[0-9]{4,8}$/.test(ref)) throw new DomainError('VALIDATION_FAILED', 'a support ticket ref looks like T-1001');
      return insertCase({
        ref: ref ?? (await newRef('T')),
        kind: 'support',
        reason,
        scope: { home: subject.home, class: subject.class },
        primary: subject,
        subjects: [{ ...subject, role: 'customer' }],
        conversationId: null,
        records: [],
        openedBy: subject.id,
        actor: systemActor('subject'),
        requiredApprovals: 0,
      });
    },

    async openCase({ kind, subjects: known, unknownIds = [], reason, opener, actor }) {
      if (!STAFF_CASE_KINDS.includes(kind)) throw new DomainError('VALIDATION_FAILED', `kind must be one of ${STAFF_CASE_KINDS.join(', ')}`);
      if (!opener.roles.some((r) => CASE_OPENERS[kind].includes(r))) {
        throw new DomainError('FORBIDDEN', `opening a ${kind} case needs the role ${CASE_OPENERS[kind].join(' or ')}`);
      }
      if (!CASE_REASONS[kind].includes(reason)) throw new DomainError('VALIDATION_FAILED', `reason of a ${kind} case must be one of ${CASE_REASONS[kind].join(', ')}`);
      // An id nobody holds is taken like anyone's (issue 16.12): the answer never tells the
      // operator whether a person exists. Its row goes where the case goes (the first known
      // person's home, else the opener's office country); it names no one, and the broker refuses
      // any access naming it as it refuses an outsider. Opening is logged either way.
      const fallback = known[0]?.home ?? (cells.all().some((c) => c.jurisdiction === opener.officeCountry) ? opener.officeCountry : (cells.all()[0]?.jurisdiction ?? opener.officeCountry));
      const subjects: SubjectRef[] = [...known, ...unknownIds.map((id) => ({ id, home: fallback, class: 'consumer' as const }))];
      const unique = [...new Map(subjects.map((s) => [s.id, s])).values()];
      const primary = unique[0];
      if (!primary || unique.length > MAX_CASE_SUBJECTS[kind]) throw new DomainError('VALIDATION_FAILED', `a ${kind} case concerns 1–${MAX_CASE_SUBJECTS[kind]} people`);
      return insertCase({
        ref: await newRef('T'),
        kind,
        reason,
        scope: { home: primary.home, class: primary.class },
        primary,
        subjects: unique.map((s) => ({ ...s, role: 'customer' as const })),
        conversationId: null,
        records: [],
        openedBy: opener.id,
        actor,
        requiredApprovals: unique.length > CASE_TWO_APPROVER_THRESHOLD ? 2 : 1,
      });
    },

    async approve({ ref, approver, actor }) {
      const found = await mustFind(ref);
      if (!approver.roles.includes('approver')) throw new DomainError('FORBIDDEN', 'only operators with the approver role can approve a case');
      if (approver.id === found.openedBy) throw new DomainError('SELF_APPROVAL', 'you cannot approve a case you opened; ask another approver');
      if (found.status !== 'pending') throw new DomainError('CASE_NOT_PENDING', `case ${ref} is ${found.status}, not pending`);
      if (found.approvals.some((a) => a.approverId === approver.id)) throw new DomainError('CASE_NOT_PENDING', `you already approved case ${ref}; it needs another approver`);
      await transition(found, { to: 'pending', kind: 'case-approve', actor, approverId: approver.id });
      return mustFind(ref);
    },

    async confirm({ ref, subject }) {
      const found = await find(ref);
      // The same answer for a case that does not exist and one about someone else.
      if (!found || found.kind !== 'support' || !found.subjects.some((s) => s.id === subject.id)) throw new DomainError('UNKNOWN_CASE', `you have no ticket ${ref}`);
      if (found.status !== 'pending') throw new DomainError('CASE_NOT_PENDING', `ticket ${ref} is ${found.status}, not awaiting your confirmation`);
      // Only a ticket about one person can be confirmed by that person alone.
      if (found.subjects.length !== 1) throw new DomainError('CASE_NOT_PENDING', `ticket ${ref} concerns several people; a second operator approves it`);
      await transition(found, { to: 'open', kind: 'case-confirm', actor: systemActor('subject') });
      return mustFind(ref);
    },

    async openAbuseReport({ reporter, reported, conversation, messageId, reason }) {
      if (!(ABUSE_REASONS as readonly string[]).includes(reason)) throw new DomainError('VALIDATION_FAILED', `reason must be one of ${ABUSE_REASONS.join(', ')}`);
      if (reporter.id === reported.id) throw new DomainError('VALIDATION_FAILED', 'you cannot report your own message');
      // Kept in the reporter's home cell, not beside the conversation: a report names its
      // reporter and the reported person, and neither is written abroad.
      const cell = caseCell(scopeOf(reporter));
      const existing = await cell.db
        .selectFrom('case_record')
        .select('ref')
        .where('kind', '=', 'abuse')
        .where('status', '=', 'open')
        .where('subject_id', '=', reporter.id)
        .where('records', '=', JSON.stringify([messageId]))
        .executeTakeFirst();
      if (existing) {
        const found = await find(existing.ref);
        if (found) return { case: found, created: false };
      }
      const created = await insertCase({
        ref: await newRef('R'),
        kind: 'abuse',
        reason,
        scope: scopeOf(reporter),
        primary: reporter,
        subjects: [
          { ...reporter, role: 'reporter' },
          { ...reported, role: 'reported' },
        ],
        conversationId: conversation.id,
        records: [messageId],
        openedBy: reporter.id,
        actor: systemActor('subject'),
        requiredApprovals: 0,
      });
      return { case: created, created: true };
    },

    find,

    async close({ ref, actor }) {
      const found = await mustFind(ref);
      if (found.status === 'closed') return found;
      await transition(found, { to: 'closed', kind: 'case-close', actor });
      return mustFind(ref);
    },

    async list({ kind, status, limit = 200 }) {
      let query = directoryDb.selectFrom('case_index').select(['ref', 'kind', 'status', 'reason', 'created_at', 'required_approvals']).orderBy('created_at', 'desc').limit(Math.min(limit, 1000));
      if (kind) query = query.where('kind', '=', kind);
      if (status) query = query.where('status', '=', status);
      return (await query.execute()).map((r) => ({ ref: r.ref, kind: r.kind as CaseKind, status: r.status as CaseStatus, reason: r.reason, createdAt: r.created_at, requiredApprovals: Number(r.required_approvals) }));
    },

    source,
  };
}
