// Cases: support tickets and abuse reports, the "why" an operator names for every access. A
// case is personal data about its subjects, so it lives in a cell under the residency guard —
// a ticket in its customer's cell, a report beside the conversation it is about — and the
// directory keeps only a routing index (ref → cell, kind, status, reason code).
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { categories } from '../../cells/categories.js';
import type { CellRegistry } from '../../cells/cell.registry.js';
import { cellFor, personalColumns, type Scope } from '../../cells/records.js';
import type { CellDatabase, DirectoryDatabase } from '../../cells/cell.database.js';
import { DomainError } from '../../errors/catalogue.js';
import type { SubjectDataSource, SubjectRecord, SubjectRef } from '../broker/subject-data.js';

export type CaseKind = 'support' | 'abuse';
export type CaseRole = 'customer' | 'reporter' | 'reported';
export type CaseStatus = 'open' | 'closed';

export const SUPPORT_REASONS = ['account', 'login', 'billing', 'privacy', 'other'] as const;
export const ABUSE_REASONS = ['spam', 'harassment', 'illegal', 'other'] as const;
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
}

/** What the moderation queue shows: no subjects, no contents. */
export interface CaseSummary {
  readonly ref: string;
  readonly kind: CaseKind;
  readonly status: CaseStatus;
  readonly reason: string;
  readonly createdAt: string;
}

export type { Scope };

export interface Cases {
  openSupportTicket(props: { subjects: readonly SubjectRef[]; reason: SupportReason; openedBy: string; ref?: string }): Promise<Case>;
  /** Opens (or returns the already open) report of one message by one reporter. */
  openAbuseReport(props: {
    reporter: SubjectRef;
    reported: SubjectRef;
    conversation: { id: string; scope: Scope };
    messageId: string;
    reason: AbuseReason;
  }): Promise<{ case: Case; created: boolean }>;
  find(ref: string): Promise<Case | null>;
  close(ref: string): Promise<Case>;
  list(props: { kind?: CaseKind; status?: CaseStatus; limit?: number }): Promise<CaseSummary[]>;
  /** The broker's source for category user.support.case (CASE_CATEGORY). */
  readonly source: SubjectDataSource;
}

export const CASE_REF = /^[TR]-[0-9]{4,8}$/;

export function openCases(props: { cells: CellRegistry; directoryDb: Kysely<DirectoryDatabase>; now?: () => Date }): Cases {
  const { cells, directoryDb } = props;
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
  }): Promise<Case> {
    const cell = caseCell(props2.scope);
    const at = now().toISOString();
    // The index row first: it claims the ref, and a case without one cannot be found, so a
    // failure in between leaves nothing usable behind.
    await directoryDb.insertInto('case_index').values({ ref: props2.ref, kind: props2.kind, cell_id: cell.id, status: 'open', reason: props2.reason, created_at: at }).execute();
    try {
      await cell.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('case_record')
          .values({
            ref: props2.ref,
            kind: props2.kind,
            status: 'open',
            reason: props2.reason,
            conversation_id: props2.conversationId,
            records: JSON.stringify(props2.records),
            opened_by: props2.openedBy,
            created_at: at,
            closed_at: null,
            ...personalColumns({ subject: props2.primary, scope: props2.scope, category: CASE_CATEGORY, cell }),
          })
          .execute();
        const rows = props2.subjects.map((s) => ({ case_ref: props2.ref, role: s.role, ...personalColumns({ subject: s, scope: props2.scope, category: CASE_CATEGORY, cell }) }));
        // A few hundred rows per statement keeps far below SQLite's bound-parameter limit.
        for (let i = 0; i < rows.length; i += 500) await trx.insertInto('case_subject').values(rows.slice(i, i + 500)).execute();
      });
    } catch (err) {
      await directoryDb.deleteFrom('case_index').where('ref', '=', props2.ref).execute();
      throw err;
    }
    return {
      ref: props2.ref,
      kind: props2.kind,
      status: 'open',
      reason: props2.reason,
      cellId: cell.id,
      conversationId: props2.conversationId,
      records: [...props2.records],
      subjects: props2.subjects.map((s) => ({ id: s.id, role: s.role })),
      openedBy: props2.openedBy,
      createdAt: at,
      closedAt: null,
    };
  }

  async function find(ref: string): Promise<Case | null> {
    if (!CASE_REF.test(ref)) return null;
    const index = await directoryDb.selectFrom('case_index').selectAll().where('ref', '=', ref).executeTakeFirst();
    if (!index || !cells.has(index.cell_id)) return null;
    const db: Kysely<CellDatabase> = cells.get(index.cell_id).db;
    const row = await db.selectFrom('case_record').selectAll().where('ref', '=', ref).executeTakeFirst();
    if (!row) return null;
    const subjects = await db.selectFrom('case_subject').select(['subject_id', 'role']).where('case_ref', '=', ref).orderBy('subject_id').execute();
    return {
      ref: row.ref,
      kind: row.kind as CaseKind,
      status: row.status as CaseStatus,
      reason: row.reason,
      cellId: index.cell_id,
      conversationId: row.conversation_id,
      records: JSON.parse(row.records) as string[],
      subjects: subjects.map((s) => ({ id: s.subject_id, role: s.role as CaseRole })),
      openedBy: row.opened_by,
      createdAt: row.created_at,
      closedAt: row.closed_at,
    };
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
          .innerJoin('case_record', 'case_record.ref', 'case_subject.case_ref')
          .select([
            'case_subject.subject_id as subject_id',
            'case_subject.role as role',
            'case_record.ref as ref',
            'case_record.kind as kind',
            'case_record.status as status',
            'case_record.reason as reason',
            'case_record.records as records',
            'case_record.conversation_id as conversation_id',
            'case_record.created_at as created_at',
          ])
          .where('case_subject.subject_id', 'in', [...wanted])
          .orderBy('case_record.created_at')
          .limit(limit - out.length);
        if (records) query = query.where('case_record.ref', 'in', [...records]);
        for (const row of await query.execute()) {
          out.push({
            subjectId: row.subject_id,
            recordId: row.ref,
            values: {
              ref: row.ref,
              kind: row.kind,
              status: row.status,
              reason: row.reason,
              role: row.role,
              records: (JSON.parse(row.records) as string[]).join(','),
              conversationId: row.conversation_id,
              createdAt: row.created_at,
            },
          });
        }
        if (out.length >= limit) break;
      }
      return out;
    },
  };

  return {
    async openSupportTicket({ subjects, reason, openedBy, ref }) {
      const primary = subjects[0];
      if (!primary) throw new DomainError('VALIDATION_FAILED', 'a support ticket concerns at least one person');
      if (!(SUPPORT_REASONS as readonly string[]).includes(reason)) throw new DomainError('VALIDATION_FAILED', `reason must be one of ${SUPPORT_REASONS.join(', ')}`);
      if (ref !== undefined && !/^T-[0-9]{4,8}$/.test(ref)) throw new DomainError('VALIDATION_FAILED', 'a support ticket ref looks like T-1001');
      const unique = [...new Map(subjects.map((s) => [s.id, s])).values()];
      return insertCase({
        ref: ref ?? (await newRef('T')),
        kind: 'support',
        reason,
        scope: { home: primary.home, class: primary.class },
        primary,
        subjects: unique.map((s) => ({ ...s, role: 'customer' as const })),
        conversationId: null,
        records: [],
        openedBy,
      });
    },

    async openAbuseReport({ reporter, reported, conversation, messageId, reason }) {
      if (!(ABUSE_REASONS as readonly string[]).includes(reason)) throw new DomainError('VALIDATION_FAILED', `reason must be one of ${ABUSE_REASONS.join(', ')}`);
      if (reporter.id === reported.id) throw new DomainError('VALIDATION_FAILED', 'you cannot report your own message');
      const cell = caseCell(conversation.scope);
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
        scope: conversation.scope,
        primary: reporter,
        subjects: [
          { ...reporter, role: 'reporter' },
          { ...reported, role: 'reported' },
        ],
        conversationId: conversation.id,
        records: [messageId],
        openedBy: reporter.id,
      });
      return { case: created, created: true };
    },

    find,

    async close(ref) {
      const found = await find(ref);
      if (!found) throw new DomainError('UNKNOWN_CASE', `no case ${ref}`);
      if (found.status === 'closed') return found;
      const at = now().toISOString();
      await cells.get(found.cellId).db.updateTable('case_record').set({ status: 'closed', closed_at: at }).where('ref', '=', ref).execute();
      await directoryDb.updateTable('case_index').set({ status: 'closed' }).where('ref', '=', ref).execute();
      return { ...found, status: 'closed', closedAt: at };
    },

    async list({ kind, status, limit = 200 }) {
      let query = directoryDb.selectFrom('case_index').select(['ref', 'kind', 'status', 'reason', 'created_at']).orderBy('created_at', 'desc').limit(Math.min(limit, 1000));
      if (kind) query = query.where('kind', '=', kind);
      if (status) query = query.where('status', '=', status);
      return (await query.execute()).map((r) => ({ ref: r.ref, kind: r.kind as CaseKind, status: r.status as CaseStatus, reason: r.reason, createdAt: r.created_at }));
    },

    source,
  };
}
