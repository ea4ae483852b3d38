// Region migrations from the operator console (issues 10 and 11): the placement in force and its
// versions, plans, jobs with their progress per step, and starting a move — at once when it moves
// at most `approvalSubjects` people, else as a request a second admin approves or denies (the
// two-person rule; the requester never decides their own). Requests, decisions and starts are
// governance journal events, so they reach the home's access log like grants and cases do. The
// job itself runs through `beginMigration`, the one place that decides where the engine runs.
// Requests older code left approved without a job are recovered at start (`recoverApprovedRequests`).
import crypto from 'node:crypto';
import { listPlacementVersions, type PlacementVersion } from '../../cells/placement-version.repository.js';
import { DomainError } from '../../errors/catalogue.js';
import { systemActor, type EventActor, type GovernanceJournal, type MigrationEvent } from '../journal.js';
import type { Operator } from '../operators/operators.js';
import { approvedWithoutJob, decideIn, decideRequest, insertRequest, journalOnly, linkJobIn, listRequests, readRequest, reopenUnstarted, type MigrationRequestRow } from './approval.repository.js';
import {
  listJobs,
  manifestOf,
  planMigration,
  readJob,
  receiptOf,
  enqueueMigration,
  unfinished,
  type MigrationContext,
  type MigrationJob,
  type MigrationJobView as EngineJobView,
  type MigrationPlan,
  type MigrationRequest,
  type WithJob,
} from './migration.service.js';
import { manifestLines, type SignedReceipt } from './receipt.js';

export type MigrationRequestStatus = 'pending' | 'approved' | 'denied';

export interface MigrationRequestView {
  readonly id: string;
  readonly home: string;
  readonly categories: readonly string[];
  readonly to: string;
  readonly subjects: number;
  readonly records: number;
  readonly bytes: number;
  readonly graceSeconds: number;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly status: MigrationRequestStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly job: string | null;
}

export interface StepCount {
  readonly records: number;
  readonly bytes: number;
}

export interface MigrationJobView {
  readonly job: MigrationJob;
  /** The job's records by step: each goes pending → copied → verified → shredded. */
  readonly progress: { readonly total: number; readonly bytes: number; readonly steps: Readonly<Record<'pending' | 'copied' | 'verified' | 'shredded', StepCount>> };
  /** The signed receipt and the manifest exist once the job is done. */
  readonly receipt: boolean;
}

export interface PlacementView {
  /** The deployment's cells, the destinations a move may name. */
  readonly cells: readonly { readonly id: string; readonly jurisdiction: string }[];
  readonly current: PlacementVersion;
  readonly versions: readonly PlacementVersion[];
}

export type StartOutcome = { readonly status: 'started'; readonly job: MigrationJob } | { readonly status: 'pending'; readonly request: MigrationRequestView };

export interface StartProps {
  readonly request: MigrationRequest;
  readonly graceSeconds: number;
  readonly by: Operator;
  readonly actor: EventActor;
}

export interface MigrationDesk {
  placement(): Promise<PlacementView>;
  jobs(): Promise<MigrationJobView[]>;
  job(id: string): Promise<MigrationJobView>;
  plan(request: MigrationRequest): Promise<MigrationPlan>;
  start(props: StartProps): Promise<StartOutcome>;
  requests(): Promise<MigrationRequestView[]>;
  approve(props: { id: string; by: Operator; actor: EventActor }): Promise<{ request: MigrationRequestView; job: MigrationJob }>;
  deny(props: { id: string; by: Operator; actor: EventActor }): Promise<MigrationRequestView>;
  receipt(id: string): Promise<SignedReceipt>;
  /** The manifest's lines (RFC 8785 JSON, one per moved record, sorted by id). */
  manifest(id: string): Promise<string>;
}

/** Queues a job: a serving process claims and runs it (the one that answered, or another node). */
export async function beginMigration(props: { ctx: MigrationContext; request: MigrationRequest; actor: string; graceSeconds: number; also?: WithJob }): Promise<MigrationJob> {
  return enqueueMigration(props);
}

const EMPTY: StepCount = { records: 0, bytes: 0 };

const requestOf = (row: MigrationRequestRow): MigrationRequest => ({ home: row.home, categories: JSON.parse(row.categories) as string[], to: row.to_cell });
const migrationEvent = (kind: MigrationEvent['kind'], actor: EventActor, ref: string, request: MigrationRequest): MigrationEvent => ({ kind, actor, ref, home: request.home, categories: [...request.categories] });

export interface RecoveredRequests {
  /** Request id → the job started for it. */
  readonly started: readonly { readonly request: string; readonly job: string }[];
  /** Requests put back to pending: their move could not start now; a second admin approves again. */
  readonly reopened: readonly { readonly request: string; readonly reason: string }[];
}

/**
 * Requests older code left approved without a job: it committed the decision, then started the
 * job, and a crash in between left the approval with nothing moving (the approval and its job now
 * commit together). Run at start by every serving process and by `domicile migrate resume`.
 *
 * Both admins agreed to the move and the approver was told it started, so each one's job is
 * started now, as the approval would have — what its job would do after a crash too. A move that
 * cannot start now (another migration is unfinished, the approver's operator is gone, the
 * destination no longer fits) goes back to pending, where the console lists it for a second admin
 * to approve again, instead of staying "approved" with nothing behind it, or starting later under
 * conditions no one approved; the reopen is a journal event (`migration-reopen`, by the system,
 * committed with it), so the home's log shows the approval it holds no longer stands. The job and
 * its link to the request commit in one transaction, so two processes recovering at once start it once.
 */
export async function recoverApprovedRequests(props: { ctx: MigrationContext; journal: Pick<GovernanceJournal, 'add' | 'flush'> }): Promise<RecoveredRequests> {
  const { ctx, journal } = props;
  const started: { request: string; job: string }[] = [];
  const reopened: { request: string; reason: string }[] = [];
  for (const row of await approvedWithoutJob(ctx.directoryDb)) {
    const request = requestOf(row);
    const approver = row.decided_by ? await ctx.operator(row.decided_by) : null;
    try {
      if (!row.decided_by || !approver) throw new DomainError('VALIDATION_FAILED', `its approver ${row.decided_by ?? '(none)'} is no enabled operator`);
      const actor: EventActor = { id: row.decided_by, employer: approver.employer, employerCountry: approver.employerCountry, officeCountry: approver.officeCountry, physicalCountry: null };
      const job = await beginMigration({
        ctx,
        request,
        actor: row.requested_by,
        graceSeconds: row.grace_seconds,
        also: async (trx, job) => {
          if (!(await linkJobIn(trx, { id: row.id, jobId: job.id }))) throw new DomainError('MIGRATION_CONFLICT', `migration request ${row.id} got its job meanwhile`);
          await journal.add(trx, migrationEvent('migration-start', actor, job.id, request), job.startedAt);
        },
      });
      started.push({ request: row.id, job: job.id });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Another process started it meanwhile: nothing to do.
      if ((await readRequest(ctx.directoryDb, row.id))?.job_id) continue;
      // Journalled in the reopen's transaction: the approval in the home's log no longer stands.
      const reopen = migrationEvent('migration-reopen', systemActor('system:migrations'), row.id, request);
      if (await reopenUnstarted(ctx.directoryDb, row.id, (trx) => journal.add(trx, reopen, new Date().toISOString()))) reopened.push({ request: row.id, reason: err.message });
    }
  }
  if (started.length > 0 || reopened.length > 0) await journal.flush().catch(() => undefined);
  return { started, reopened };
}

function requestView(row: MigrationRequestRow): MigrationRequestView {
  return {
    id: row.id,
    home: row.home,
    categories: JSON.parse(row.categories) as string[],
    to: row.to_cell,
    subjects: row.subjects,
    records: row.records,
    bytes: row.bytes,
    graceSeconds: row.grace_seconds,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    status: row.status as MigrationRequestStatus,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    job: row.job_id,
  };
}

export function migrationDesk(props: {
  ctx: MigrationContext;
  journal: Pick<GovernanceJournal, 'add' | 'flush'>;
  dataDir: string;
  /** More subjects than this need a second admin's approval (config `limits.migrationApprovalSubjects`, default 1,000). */
  approvalSubjects: number;
  now?: () => Date;
}): MigrationDesk {
  const { ctx, journal } = props;
  const db = ctx.directoryDb;
  const now = props.now ?? (() => new Date());

  const flush = () => journal.flush().catch(() => undefined);

  /** The console's shape of the engine's view: its progress, read in the same one query. */
  function view({ progress, ...job }: EngineJobView): MigrationJobView {
    const step = (name: string): StepCount => progress.steps[name] ?? EMPTY;
    return {
      job,
      progress: { total: progress.total, bytes: progress.bytes, steps: { pending: step('pending'), copied: step('copied'), verified: step('verified'), shredded: step('shredded') } },
      receipt: job.phase === 'done',
    };
  }

  async function mustRequest(id: string): Promise<MigrationRequestRow> {
    const row = await readRequest(db, id);
    if (!row) throw new DomainError('NOT_FOUND', `no migration request "${id}"`);
    return row;
  }

  /** The requester may not decide; only a pending request is decided. */
  function decidable(row: MigrationRequestRow, by: Operator): void {
    if (row.requested_by === by.id) throw new DomainError('SELF_APPROVAL', 'you cannot decide on your own migration request; ask another admin');
    if (row.status !== 'pending') throw new DomainError('MIGRATION_REQUEST_NOT_PENDING', `migration request ${row.id} is ${row.status}, not pending`);
  }

  async function begin(request: MigrationRequest, actor: string, graceSeconds: number, also?: WithJob): Promise<MigrationJob> {
    return beginMigration({ ctx, request, actor, graceSeconds, also });
  }

  /** Refuses up front what `startMigration` would refuse, so a decision is not recorded for a move that cannot start. */
  async function startable(request: MigrationRequest, graceSeconds: number): Promise<MigrationPlan> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new DomainError('VALIDATION_FAILED', 'graceSeconds is a whole number of seconds, 0 or more');
    const plan = await planMigration({ ctx, request });
    const running = (await listJobs(ctx)).find(unfinished);
    if (running) throw new DomainError('MIGRATION_CONFLICT', `migration ${running.id} is not finished (${running.phase}); wait for it, or resume or abort it first`);
    return plan;
  }

  return {
    async placement() {
      const versions = await listPlacementVersions(db);
      const current = versions.at(-1);
      if (!current) throw new DomainError('NOT_FOUND', 'the directory holds no placement version yet');
      return { cells: ctx.cells.all().map((c) => ({ id: c.id, jurisdiction: c.jurisdiction })), current, versions: versions.reverse() };
    },
    async jobs() {
      return (await listJobs(ctx)).map(view);
    },
    async job(id) {
      return view(await readJob(ctx, id));
    },
    plan: (request) => planMigration({ ctx, request }),
    async start({ request, graceSeconds, by, actor }) {
      const plan = await startable(request, graceSeconds);
      if (plan.subjects > props.approvalSubjects) {
        const row: MigrationRequestRow = {
          id: `mreq-${crypto.randomBytes(8).toString('hex')}`,
          home: request.home,
          categories: JSON.stringify(request.categories),
          to_cell: request.to,
          subjects: plan.subjects,
          records: plan.records,
          bytes: plan.bytes,
          grace_seconds: graceSeconds,
          requested_by: by.id,
          requested_at: now().toISOString(),
          status: 'pending',
          decided_by: null,
          decided_at: null,
          job_id: null,
        };
        await insertRequest(db, row, (trx) => journal.add(trx, migrationEvent('migration-request', actor, row.id, request), row.requested_at));
        await flush();
        return { status: 'pending', request: requestView(row) };
      }
      const job = await begin(request, by.id, graceSeconds);
      await journalOnly(db, (trx) => journal.add(trx, migrationEvent('migration-start', actor, job.id, request), job.startedAt));
      await flush();
      return { status: 'started', job };
    },
    async requests() {
      return (await listRequests(db, 100)).map(requestView);
    },
    async approve({ id, by, actor }) {
      const row = await mustRequest(id);
      decidable(row, by);
      const request = requestOf(row);
      try {
        await startable(request, 0);
      } catch (err) {
        // Another admin's approval of this very request started the job in the way.
        if ((await mustRequest(id)).status !== 'pending') throw new DomainError('MIGRATION_REQUEST_NOT_PENDING', `migration request ${id} was decided meanwhile`);
        throw err;
      }
      const at = now().toISOString();
      // The decision, its journal events and the job commit in one directory transaction: a
      // process that dies in between leaves the request pending with nothing logged, never an
      // approval without its job.
      let job: MigrationJob;
      try {
        // Logged as the requester's move: the approver's decision is its own entry.
        job = await begin(request, row.requested_by, row.grace_seconds, async (trx, started) => {
          if (!(await decideIn(trx, { id, from: 'pending', status: 'approved', by: by.id, at, jobId: started.id }))) {
            throw new DomainError('MIGRATION_REQUEST_NOT_PENDING', `migration request ${id} was decided meanwhile`);
          }
          await journal.add(trx, migrationEvent('migration-approve', actor, id, request), at);
          await journal.add(trx, migrationEvent('migration-start', actor, started.id, request), started.startedAt);
        });
      } catch (err) {
        // Another admin's approval of this very request started the job in the way.
        if ((await mustRequest(id)).status !== 'pending') throw new DomainError('MIGRATION_REQUEST_NOT_PENDING', `migration request ${id} was decided meanwhile`);
        throw err;
      }
      await flush();
      return { request: requestView(await mustRequest(id)), job };
    },
    async deny({ id, by, actor }) {
      const row = await mustRequest(id);
      decidable(row, by);
      const request = requestOf(row);
      const at = now().toISOString();
      if (!(await decideRequest(db, { id, from: 'pending', status: 'denied', by: by.id, at, jobId: null }, (trx) => journal.add(trx, migrationEvent('migration-deny', actor, id, request), at)))) {
        throw new DomainError('MIGRATION_REQUEST_NOT_PENDING', `migration request ${id} was decided meanwhile`);
      }
      await flush();
      return requestView(await mustRequest(id));
    },
    receipt: (id) => receiptOf({ ctx, id, dataDir: props.dataDir }),
    async manifest(id) {
      const job = await readJob(ctx, id);
      if (job.phase !== 'done') throw new DomainError('MIGRATION_CONFLICT', `migration ${job.id} is ${job.phase}; its manifest exists once it is done`);
      const lines = manifestLines(await manifestOf({ ctx, id }));
      return lines.map((l) => `${l}\n`).join('');
    },
  };
}
