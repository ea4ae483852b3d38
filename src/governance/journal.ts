// The governance journal: blocks, unblocks, operator additions, role changes and disables, every
// step of a grant (request, refusal, approval, denial, revocation, expiry) and of a case (opening,
// confirmation, approval, closing) and of a migration's two-person approval (request, approval,
// denial, start; to the home's log) are stored as events in the directory in the same transaction
// as the change they describe, then written to the access logs (the cells' tamper-evident record):
// grant and case events to the log of each subject's home, cut-offs and operator changes to every
// jurisdiction's log (and so do policy sets applied from the console). A process without the logs open (the CLI) leaves its events for the server,
// which writes pending events within a poll interval and again at start. Blocks and unblocks are
// the exception: the serving process's cut-off writes each one when it applies it, timed when it
// took effect there, so a block in the log is a block that held for its whole span (see cutoff.ts).
import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DirectoryDatabase } from '../cells/cell.database.js';
import type { AccessRecorder } from './log/access-logs.js';
import type { AccessEntry } from './log/entry.js';

export interface EventActor {
  readonly id: string;
  readonly employer: string | null;
  readonly employerCountry: string | null;
  readonly officeCountry: string | null;
  readonly physicalCountry: string | null;
}

export interface BlockEvent {
  readonly kind: 'block' | 'unblock';
  readonly actor: EventActor;
  readonly country: string;
  readonly jurisdictions: readonly string[];
}

export interface GrantEvent {
  /** `grant-refuse`: a request refused before it became a grant (so it has no grant id). */
  readonly kind: 'grant-request' | 'grant-refuse' | 'grant-approve' | 'grant-deny' | 'grant-revoke' | 'grant-expire';
  readonly actor: EventActor;
  readonly grantId: string | null;
  /** Subjects by home jurisdiction. */
  readonly subjects: Readonly<Record<string, readonly string[]>>;
  readonly categories: readonly string[];
  readonly fields: readonly string[];
  readonly purpose: string;
  readonly caseRef: string;
}

export interface OperatorEvent {
  readonly kind: 'operator-add' | 'operator-roles' | 'operator-disable';
  readonly actor: EventActor;
  /** The operator added, changed or disabled (its id only). */
  readonly operatorId: string;
  /** Its roles after an addition or a role change (codes, e.g. `approver`). */
  readonly roles?: readonly string[];
  readonly jurisdictions: readonly string[];
}

export interface CaseEvent {
  readonly kind: 'case-open' | 'case-confirm' | 'case-approve' | 'case-close';
  readonly actor: EventActor;
  readonly caseRef: string;
  /** The purpose the case serves (its kind's: SUPPORT_CASE, ABUSE_REPORT…). */
  readonly purpose: string;
  /** Subjects by home jurisdiction. */
  readonly subjects: Readonly<Record<string, readonly string[]>>;
  readonly categories: readonly string[];
}

export interface MigrationEvent {
  /**
   * An admin asks for a move that needs a second admin, who approves or denies it; a move starts;
   * an approval left without a job by older code that cannot start now goes back to pending
   * (`migration-reopen`, by the system).
   */
  readonly kind: 'migration-request' | 'migration-approve' | 'migration-deny' | 'migration-start' | 'migration-reopen';
  readonly actor: EventActor;
  /** The request's id (`mreq-…`), or the job's for a start. */
  readonly ref: string;
  /** Whose data would move: the entry goes to that jurisdiction's log. */
  readonly home: string;
  readonly categories: readonly string[];
}

/** A policy set put in force from the console: its digest and the policies it added, changed or removed. */
export interface PolicyEvent {
  readonly kind: 'policy-apply';
  readonly actor: EventActor;
  readonly digest: string;
  readonly changedPolicyIds: readonly string[];
  readonly jurisdictions: readonly string[];
}

export type GovernanceEvent = BlockEvent | GrantEvent | OperatorEvent | CaseEvent | MigrationEvent | PolicyEvent;

function isBlockEvent(event: GovernanceEvent): event is BlockEvent {
  return event.kind === 'block' || event.kind === 'unblock';
}

function isOperatorEvent(event: GovernanceEvent): event is OperatorEvent {
  return event.kind === 'operator-add' || event.kind === 'operator-roles' || event.kind === 'operator-disable';
}

function isMigrationEvent(event: GovernanceEvent): event is MigrationEvent {
  return event.kind.startsWith('migration-');
}

function isPolicyEvent(event: GovernanceEvent): event is PolicyEvent {
  return event.kind === 'policy-apply';
}

const BLOCK_KINDS = ['block', 'unblock'] as const;

/** A block or unblock waiting in the journal for the serving process to apply and log it. */
export interface PendingBlock {
  readonly id: string;
  /** When it was committed (by the CLI or an API call). */
  readonly at: string;
  readonly event: BlockEvent;
}

/** The system itself (expiry sweeps) or the command line, which have no operator record. */
export function systemActor(id: string): EventActor {
  return { id, employer: null, employerCountry: null, officeCountry: null, physicalCountry: null };
}

const MAX_SUBJECTS_PER_ENTRY = 1000;

/** The access-log entries one event becomes. */
export function entriesOf(eventId: string, at: string, event: GovernanceEvent): AccessEntry[] {
  const actor = {
    actor: event.actor.id,
    actorEmployer: event.actor.employer,
    actorEmployerCountry: event.actor.employerCountry,
    actorOfficeCountry: event.actor.officeCountry,
    actorPhysicalCountry: event.actor.physicalCountry,
  };
  if (isBlockEvent(event) || isOperatorEvent(event) || isPolicyEvent(event)) {
    const kind = event.kind;
    const [purpose, caseRef] = isBlockEvent(event)
      ? ['CUTOFF', `cutoff:${event.country}`]
      : isPolicyEvent(event)
        ? ['POLICY_ADMIN', `policy:${event.digest.slice(0, 16)}`]
        : ['OPERATOR_ADMIN', `operator:${event.operatorId}`];
    // An operator's roles are logged as `fields` (codes only), so a new approver is visible; a
    // field name has no hyphen, so `privacy-officer` is logged as `privacy_officer`.
    const fields = isOperatorEvent(event) ? (event.roles ?? []).map((role) => role.replaceAll('-', '_')) : [];
    return event.jurisdictions.map((jurisdiction, i) => ({
      eventId: `${eventId}-${i}`,
      time: at,
      ...actor,
      subjectJurisdiction: jurisdiction,
      subjects: [],
      categories: [],
      fields,
      action: kind,
      purpose,
      caseRef,
      grantId: null,
      decision: 'allow',
      // A policy change names the policies it added, changed or removed (ids only, at most 64).
      policyIds: isPolicyEvent(event) ? event.changedPolicyIds.slice(0, 64) : [],
      released: 0,
    }));
  }
  if (isMigrationEvent(event)) {
    // Names nobody: the move's own steps name each subject as they happen (action `migrate`).
    const entry: AccessEntry = {
      eventId: `${eventId}-0`,
      time: at,
      ...actor,
      subjectJurisdiction: event.home,
      subjects: [],
      categories: [...event.categories],
      fields: [],
      action: event.kind,
      purpose: 'DATA_RELOCATION',
      caseRef: event.ref,
      grantId: null,
      decision: event.kind === 'migration-deny' ? 'deny' : 'allow',
      policyIds: [],
      released: 0,
    };
    return [entry];
  }
  const entries: AccessEntry[] = [];
  for (const [jurisdiction, subjects] of Object.entries(event.subjects).sort(([a], [b]) => a.localeCompare(b))) {
    // An empty list is one entry naming nobody (a refused request for ids nobody holds).
    for (let i = 0; i < Math.max(subjects.length, 1); i += MAX_SUBJECTS_PER_ENTRY) {
      entries.push({
        eventId: `${eventId}-${entries.length}`,
        time: at,
        ...actor,
        subjectJurisdiction: jurisdiction,
        subjects: subjects.slice(i, i + MAX_SUBJECTS_PER_ENTRY),
        categories: [...event.categories],
        fields: 'fields' in event ? [...event.fields] : [],
        action: event.kind,
        purpose: event.purpose,
        caseRef: event.caseRef,
        grantId: 'grantId' in event ? event.grantId : null,
        decision: event.kind === 'grant-deny' || event.kind === 'grant-refuse' ? 'deny' : 'allow',
        policyIds: [],
        released: 0,
      });
    }
  }
  return entries;
}

export interface GovernanceJournal {
  /** Adds an event inside the transaction that makes the change it describes. */
  add(trx: Transaction<DirectoryDatabase>, event: GovernanceEvent, at: string): Promise<string>;
  /** Adds an event that has no directory change of its own to share a transaction with. */
  record(event: GovernanceEvent, at: string): Promise<string>;
  /**
   * Writes pending events to the access logs; a no-op without them. Failures stay pending.
   * Blocks and unblocks are left to the cut-off, which writes them as it applies them.
   */
  flush(): Promise<void>;
  pending(): Promise<number>;
  /** True when this process writes the access logs (a serving process). */
  readonly recording: boolean;
  /** Blocks and unblocks not yet written to the logs, oldest first. */
  pendingBlocks(): Promise<PendingBlock[]>;
  /** Writes a block or unblock to the logs, timed `appliedAt` (when it took effect), and marks it written. */
  recordApplied(block: PendingBlock, appliedAt: string): Promise<void>;
}

export function createGovernanceJournal(props: {
  db: Kysely<DirectoryDatabase>;
  recorder: AccessRecorder | null;
  /**
   * With several app nodes on one directory, only the node holding the journal lease writes the
   * journal into the logs (else two nodes would log one event twice); true when absent.
   */
  holdsLease?: () => boolean;
  now?: () => Date;
}): GovernanceJournal {
  const { db } = props;
  const holdsLease = props.holdsLease ?? (() => true);
  /** The recorder while this process is the journal's writer, else null. */
  const writer = (): AccessRecorder | null => (props.recorder && holdsLease() ? props.recorder : null);
  const now = props.now ?? (() => new Date());
  let chain: Promise<void> = Promise.resolve();
  let added = 0;

  async function flushNow(): Promise<void> {
    const recorder = writer();
    if (!recorder) return;
    for (;;) {
      const rows = await db
        .selectFrom('governance_event')
        .selectAll()
        .where('logged_at', 'is', null)
        .where('kind', 'not in', BLOCK_KINDS)
        .orderBy('at')
        .orderBy('id')
        .limit(100)
        .execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        const event = JSON.parse(row.entry) as GovernanceEvent;
        await Promise.all(entriesOf(row.id, row.at, event).map((entry) => recorder.recordAccess(entry)));
        await db.updateTable('governance_event').set({ logged_at: now().toISOString() }).where('id', '=', row.id).execute();
      }
    }
  }

  function serialised(work: () => Promise<void>): Promise<void> {
    // One write at a time, so an event is never written to the logs twice.
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    get recording() {
      return writer() !== null;
    },
    async add(trx, event, at) {
      // Events are written to the logs in the order of `at`, then of id: ids that grow as they are made keep two events of
      // one decision, stamped in the same millisecond, in the order they were added (an approval before the start it makes).
      const id = `ge-${Date.now().toString(16).padStart(12, '0')}${(added++ & 0xffff).toString(16).padStart(4, '0')}${crypto.randomBytes(4).toString('hex')}`;
      await trx.insertInto('governance_event').values({ id, at, kind: event.kind, actor: event.actor.id, entry: JSON.stringify(event), logged_at: null }).execute();
      return id;
    },
    async record(event, at) {
      return db.transaction().execute((trx) => this.add(trx, event, at));
    },
    flush: () => serialised(flushNow),
    async pendingBlocks() {
      const rows = await db
        .selectFrom('governance_event')
        .select(['id', 'at', 'entry'])
        .where('logged_at', 'is', null)
        .where('kind', 'in', BLOCK_KINDS)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ id: row.id, at: row.at, event: JSON.parse(row.entry) as BlockEvent }));
    },
    recordApplied(block, appliedAt) {
      return serialised(async () => {
        const recorder = writer();
        if (!recorder) return;
        // In order, one jurisdiction after another: the caller awaits each block before the next.
        for (const entry of entriesOf(block.id, appliedAt, block.event)) await recorder.recordAccess(entry);
        await db.updateTable('governance_event').set({ logged_at: now().toISOString() }).where('id', '=', block.id).execute();
      });
    },
    async pending() {
      const row = await db
        .selectFrom('governance_event')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('logged_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
