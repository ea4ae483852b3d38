// Region migration: moves a jurisdiction's records of some data categories into another cell,
// online, as a state machine in the directory (migration_job), so every step can be resumed
// after a kill -9 and is idempotent. Phases: copy (re-sealed under the destination's keys,
// written under a staging placement version the residency guard accepts) → verify (SHA-256 of
// the plaintext on both sides) → switch (one directory transaction: the next placement version
// and the moved records' locations) → catch-up (rows written to the source before every process
// saw the switch, and rows changed meanwhile: what the change capture, triggers put on the source
// cells at the start, recorded since the pass before, so the fenced pass is as short as the writes
// that raced it) → shred (the source's data keys, then its rows and blobs) → done. Each step of each batch is an entry in the access log of the subjects'
// jurisdiction (action `migrate`, purpose DATA_RELOCATION), and the transfer gate is asked for
// every subject's move.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Cell, CellRegistry } from '../../cells/cell.registry.js';
import type { PersonalTable, SealedColumn } from '../../cells/cell.schema.js';
import { covers, isCategory, unknownCategoryMessage } from '../../cells/categories.js';
import { inFlight } from '../../cells/in-flight.js';
import { createPlacement, subjectClasses, type Placement, type PlacementRule } from '../../cells/placement.js';
import { appendPlacementVersion, latestPlacementVersion, syncPlacement } from '../../cells/placement-version.repository.js';
import type { RecordKind, RecordLocations } from '../../cells/record-location.repository.js';
import { personalColumnNames } from '../../cells/records.js';
import { asMigrationEngine, oldestWriteVersion } from '../../cells/moving.context.js';
import { fromSealedText, recordIdOf } from '../../cells/keys/sealing.js';
import { DomainError } from '../../errors/catalogue.js';
import type { AccessLogs } from '../log/access-logs.js';
import { canonicalJson } from '../log/canonical.js';
import { encodeBase64 } from '../log/base64.js';
import { logOrigin, readLogKey } from '../log/log-keys.js';
import type { TransferGate } from '../transfers/transfer.gate.js';
import {
  claimLease,
  forgetChanges,
  installChangeCapture,
  installSeal,
  itemsWithIds,
  readChanges,
  removeChangeCapture,
  removeSeal,
  deleteItems,
  deleteRow,
  deleteRows,
  pairsStaying,
  insertCopies,
  insertItems,
  insertJob,
  itemProgress,
  itemsOf,
  liftFence,
  listJobRows,
  readJobRow,
  readRows,
  releaseLease,
  renewLease,
  rowsToMove,
  servingProcesses,
  setItems,
  switchPlacement,
  unfinishedJobIds,
  updateJob,
  type CapturedTable,
  type SealedTable,
  type MigrationDirectoryDb,
  type MigrationDirectoryTrx,
  type NewItem,
  type Row,
} from './migration.repository.js';
import type { MigrationItemRow } from './migration.tables.js';
import { countsOf, manifestLines, manifestRoot, signReceipt, type LogCheckpointRef, type ManifestEntry, type SignedReceipt } from './receipt.js';

export const MIGRATION_PHASES = ['starting', 'queued', 'copying', 'switching', 'catching-up', 'shredding', 'done', 'aborted', 'failed'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

export interface MigrationJob {
  readonly id: string;
  readonly deployment: string;
  readonly home: string;
  readonly categories: readonly string[];
  readonly to: string;
  readonly toJurisdiction: string;
  readonly from: readonly string[];
  readonly actor: string;
  /** The operator's employer and office, as every log entry of the job names them. */
  readonly actorEmployer: string;
  readonly actorEmployerCountry: string;
  readonly actorOfficeCountry: string;
  /** Seconds the source copy stays readable after the switch (for roll-back) before it is shredded. */
  readonly graceSeconds: number;
  readonly batches: number;
  readonly phase: MigrationPhase;
  readonly rules: readonly PlacementRule[];
  readonly placementBefore: number;
  readonly placementStaging: number;
  /** The version that lifted the switch's fence: the placement in force after the move. */
  readonly placementAfter: number | null;
  readonly startedAt: string;
  readonly switchedAt: string | null;
  readonly finishedAt: string | null;
  readonly checkpoints: readonly LogCheckpointRef[];
  readonly error: string | null;
  /** Milliseconds from the switch to the fence lifted: the longest a write of the moved records waited here. */
  readonly pauseMs?: number | null;
  /** Whether the source cells' change capture has stood since the items were listed (false for a job of older code). */
  readonly changesCaptured?: boolean;
  /** The capture's version (`captureVersion`); absent for a job of older code, whose capture recorded no deletes. */
  readonly captureVersion?: number;
}

/** 2: the change capture records deletes too (the first one recorded inserts and updates only). */
const captureVersion = 2;

/** A job with its progress, read from its items in the directory (what `status` and `/ops` show). */
export interface MigrationJobView extends MigrationJob {
  readonly progress: {
    /** Records copied (or further) of `total`. */
    readonly records: number;
    readonly total: number;
    readonly bytes: number;
    /** Records per second since the start (to the finish, once finished). */
    readonly rate: number;
    readonly phase: MigrationPhase;
    /** Records and bytes by item step (pending, copied, verified, shredded, gone). */
    readonly steps: Readonly<Record<string, { readonly records: number; readonly bytes: number }>>;
  };
}

export interface MigrationContext {
  readonly cells: CellRegistry;
  readonly directoryDb: MigrationDirectoryDb;
  readonly locations: RecordLocations;
  readonly logs: AccessLogs;
  readonly gate: TransferGate;
  readonly deployment: string;
  /** The enabled operator of this id, or null. */
  readonly operator: (id: string) => Promise<MigrationActor | null>;
  readonly subjectsPerBatch?: number;
  /** The heartbeat id of the serving process running the engine, if it runs in one (its own writes are checked in memory). */
  readonly servingId?: string;
  /** Asked between steps: true when the process is shutting down (the job stops; every step is idempotent). */
  readonly stopping?: () => boolean;
  /** How long a claim on a job holds unless renewed (renewed every third of it while held); a minute by default. */
  readonly leaseMs?: number;
}

export interface MigrationActor {
  readonly employer: string;
  readonly employerCountry: string;
  readonly officeCountry: string;
}

export interface MigrationRequest {
  readonly home: string;
  readonly categories: readonly string[];
  readonly to: string;
}

export interface PlanLine {
  readonly category: string;
  readonly from: string;
  readonly records: number;
  readonly bytes: number;
  readonly subjects: number;
  /** What the moves rest on: `home` (a move home, no transfer), or the gate's basis abroad. */
  readonly basis: string;
}

export interface MigrationPlan {
  readonly home: string;
  readonly categories: readonly string[];
  readonly to: string;
  readonly toJurisdiction: string;
  readonly placementVersion: number;
  readonly lines: readonly PlanLine[];
  readonly records: number;
  readonly bytes: number;
  readonly subjects: number;
}

export interface MigrationProgress {
  readonly phase: string;
  readonly records: number;
  readonly total: number;
  readonly bytes: number;
}

const kindOfTable: Readonly<Record<string, RecordKind>> = { media: 'media', wallet: 'wallet', conversation: 'conversation', session: 'session' };
const sha256 = (bytes: Uint8Array | string) => crypto.createHash('sha256').update(bytes).digest('hex');
const defaultLeaseMs = 60_000;

/**
 * The leases this process holds, one token each (`<host>:<pid>:<random>`): two claims in one
 * process — the runner of a serving process and a start or an abort handled by the same process —
 * exclude each other as two processes do. (With one owner per process, the runner re-entered a
 * job a start still held, listed its rows again and emptied the change log under it.)
 */
const heldLeases = new Set<string>();

/**
 * Takes the job's lease under a fresh token of this process (`claim` writes it, or answers false
 * when another holds it), runs `fn` while renewing it, and releases it after. The lease is short and
 * renewed, so a job whose process died on another host (where its pid cannot be checked) is free
 * again within a minute, and a long run is never taken over while it lives. `fn` is told when a
 * renewal found the lease gone (the directory was out of reach past its end): it stops between
 * two steps, as at shutdown, and whoever holds the job now goes on.
 */
async function underLease<T>(
  ctx: MigrationContext,
  jobId: string,
  claim: (owner: string, untilMs: number) => Promise<boolean>,
  fn: (lost: () => boolean) => Promise<T>,
): Promise<T> {
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
  const ms = ctx.leaseMs ?? defaultLeaseMs;
  heldLeases.add(owner);
  try {
    if (!(await claim(owner, Date.now() + ms))) throw runningElsewhere(jobId);
    let lost = false;
    const renewal = setInterval(() => {
      renewLease(ctx.directoryDb, { id: jobId, owner, untilMs: Date.now() + ms }).then(
        (held) => (lost ||= !held),
        () => undefined,
      );
    }, ms / 3);
    renewal.unref();
    try {
      return await fn(() => lost);
    } finally {
      clearInterval(renewal);
    }
  } finally {
    try {
      await releaseLease(ctx.directoryDb, { id: jobId, owner });
    } finally {
      heldLeases.delete(owner);
    }
  }
}

/** Whether a job's lease holder is gone: its process, or (in this process) a claim that ended without releasing it. */
function leaseStale(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host === os.hostname() && Number(pid) === process.pid) return !heldLeases.has(owner);
  return stale(owner);
}

/** Whether `owner` (`<host>:<pid>[:…]`) names a process that is gone (only knowable on this host). */
export function stale(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== os.hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch {
    return true;
  }
}

/** The rules after the move: the old rules for the moved categories of `home` give way to one rule per category. */
export function rulesAfterMove(rules: readonly PlacementRule[], request: MigrationRequest): PlacementRule[] {
  const kept = rules.filter((r) => !(r.home === request.home && request.categories.some((c) => covers(c, r.category))));
  return [...kept, ...request.categories.map((category) => ({ home: request.home, category, cell: request.to }))];
}

function validate(ctx: MigrationContext, request: MigrationRequest): { toJurisdiction: string; rules: PlacementRule[] } {
  if (!ctx.cells.jurisdictions().includes(request.home)) {
    throw new DomainError('UNKNOWN_JURISDICTION', `no cell serves jurisdiction ${request.home}; this deployment serves ${ctx.cells.jurisdictions().join(', ')}`);
  }
  if (request.categories.length === 0) throw new DomainError('VALIDATION_FAILED', 'name the categories to move with --category (comma-separated)');
  for (const c of request.categories) if (!isCategory(c)) throw new DomainError('UNKNOWN_CATEGORY', unknownCategoryMessage(c));
  if (!ctx.cells.has(request.to)) {
    throw new DomainError('NOT_FOUND', `no cell "${request.to}"; this deployment has ${ctx.cells.all().map((c) => c.id).join(', ')}`);
  }
  const rules = rulesAfterMove(ctx.cells.placement.rules, request);
  createPlacement(ctx.cells.all(), rules);
  return { toJurisdiction: ctx.cells.get(request.to).jurisdiction, rules };
}

interface Candidate extends Omit<NewItem, 'batch'> {
  readonly bytes: number;
}

/** Every row that the move would take, in the cells other than the destination. */
async function candidates(ctx: MigrationContext, request: MigrationRequest, rules: readonly PlacementRule[]): Promise<Candidate[]> {
  const after = createPlacement(ctx.cells.all(), rules);
  const { schema } = ctx.cells;
  const out: Candidate[] = [];
  for (const cell of ctx.cells.all()) {
    if (cell.id === request.to) continue;
    for (const table of schema.personalTables) {
      const rowKey = schema.rowKey(table);
      const sizeColumn = table === schema.blobTable ? ['size'] : [];
      const rows = await rowsToMove(cell.db, { table, columns: [...new Set([...rowKey, 'subject_id', 'category', 'scope_home', 'scope_class', ...sizeColumn])], home: request.home, categories: request.categories });
      for (const row of rows) {
        const candidate = candidateOf({ request, after, table, rowKey, row, sourceCell: cell.id });
        if (candidate) out.push(candidate);
      }
    }
  }
  return out;
}

/** A source row as an item of the move, or null when the move does not take it (another home, category or cell). */
function candidateOf(props: { request: MigrationRequest; after: Placement; table: string; rowKey: readonly string[]; row: Record<string, unknown>; sourceCell: string }): Candidate | null {
  const { request, row } = props;
  const key = { home: String(row.scope_home), class: String(row.scope_class) as 'consumer', category: String(row.category) };
  if (key.home !== request.home || !request.categories.some((c) => covers(c, key.category)) || props.after.cellFor(key) !== request.to) return null;
  const values = props.rowKey.map((c) => row[c]);
  return { id: `${props.table}:${recordIdOf(values)}`, table: props.table, rowKey: values, category: key.category, subjectId: String(row.subject_id), sourceCell: props.sourceCell, bytes: Number(row.size ?? 0) };
}

export async function planMigration(props: { ctx: MigrationContext; request: MigrationRequest }): Promise<MigrationPlan> {
  const { ctx, request } = props;
  const { toJurisdiction, rules } = validate(ctx, request);
  const found = await candidates(ctx, request, rules);
  const groups = new Map<string, { category: string; from: string; records: number; bytes: number; subjects: Set<string> }>();
  for (const c of found) {
    const category = request.categories.find((r) => covers(r, c.category)) ?? c.category;
    const key = `${category}\u0000${c.sourceCell}`;
    const g = groups.get(key) ?? { category, from: c.sourceCell, records: 0, bytes: 0, subjects: new Set<string>() };
    g.records++;
    g.bytes += c.bytes;
    g.subjects.add(c.subjectId);
    groups.set(key, g);
  }
  const host = ctx.gate.hostOfCell(request.to);
  const lines: PlanLine[] = [];
  for (const g of groups.values()) {
    let basis = 'home (a move home: no transfer, recorded in the access log)';
    if (toJurisdiction !== request.home) {
      const first = [...g.subjects][0] as string;
      const evaluation = await ctx.gate.evaluate({ subject: { id: first, home: request.home, class: 'consumer' }, destination: toJurisdiction, recipient: host?.id ?? request.to, category: g.category, purpose: 'DATA_RELOCATION' });
      basis = evaluation.kind === 'basis' ? `${evaluation.basis} (${evaluation.basisRef})` : evaluation.kind;
    }
    lines.push({ category: g.category, from: g.from, records: g.records, bytes: g.bytes, subjects: g.subjects.size, basis });
  }
  lines.sort((a, b) => a.category.localeCompare(b.category) || a.from.localeCompare(b.from));
  return {
    home: request.home,
    categories: request.categories,
    to: request.to,
    toJurisdiction,
    placementVersion: ctx.cells.placement.version,
    lines,
    records: found.length,
    bytes: found.reduce((n, c) => n + c.bytes, 0),
    subjects: new Set(found.map((c) => c.subjectId)).size,
  };
}

async function loadJob(ctx: Pick<MigrationContext, 'directoryDb'>, id: string): Promise<MigrationJob> {
  const row = await readJobRow(ctx.directoryDb, id);
  if (!row) throw new DomainError('NOT_FOUND', `no migration job "${id}"; \`domicile migrate status\` lists them`);
  return JSON.parse(row.state) as MigrationJob;
}

async function withProgress(ctx: Pick<MigrationContext, 'directoryDb'>, job: MigrationJob): Promise<MigrationJobView> {
  const steps = await itemProgress(ctx.directoryDb, job.id);
  const total = steps.reduce((n, s) => n + s.n, 0);
  const records = steps.filter((s) => s.step !== 'pending').reduce((n, s) => n + s.n, 0);
  const bytes = steps.reduce((n, s) => n + s.bytes, 0);
  const seconds = Math.max(((job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt)) / 1000, 0.001);
  const bySteps = Object.fromEntries(steps.map((s) => [s.step, { records: s.n, bytes: s.bytes }]));
  return { ...job, progress: { records, total, bytes, rate: Math.round(records / seconds), phase: job.phase, steps: bySteps } };
}

export async function readJob(ctx: Pick<MigrationContext, 'directoryDb'>, id: string): Promise<MigrationJobView> {
  return withProgress(ctx, await loadJob(ctx, id));
}

export async function listJobs(ctx: Pick<MigrationContext, 'directoryDb'>): Promise<MigrationJobView[]> {
  const jobs = (await listJobRows(ctx.directoryDb)).map((r) => JSON.parse(r.state) as MigrationJob);
  return Promise.all(jobs.map((j) => withProgress(ctx, j)));
}

export const unfinished = (job: Pick<MigrationJob, 'phase'>) => !['done', 'aborted', 'failed'].includes(job.phase);

/** When a job waits out its grace period before shredding: it is not resumed before then. */
export function graceEndsAt(job: MigrationJob): number | null {
  if (job.phase !== 'shredding') return null;
  const ends = Date.parse(job.switchedAt ?? job.startedAt) + job.graceSeconds * 1000;
  return Date.now() < ends ? ends : null;
}

/** A write that commits in the job's own directory transaction, or undoes the job with it (a request's approval). */
export type WithJob = (trx: MigrationDirectoryTrx, job: MigrationJob) => Promise<void>;

type StartProps = { ctx: MigrationContext; request: MigrationRequest; actor: string; graceSeconds: number; queued?: boolean; also?: WithJob };

/**
 * Starts a job in two steps. The claim, one directory transaction: the staging placement version
 * (appended after the version read, so two starts cannot both append it), a look that no other
 * job is unfinished, and the job `starting` under this process's lease, with `also` (a request's
 * approval). Only then the cells: the change capture goes on, the rows are listed, and the items
 * commit with the job's next phase. A start that loses the claim — in this process or another,
 * on another node — has touched no trigger, so it cannot take off or replace the winner's
 * capture. A claim whose process died before its items were listed is completed by whoever
 * resumes the job (`runMigration`), or released by `abortMigration`.
 */
export async function startMigration(props: StartProps): Promise<MigrationJob> {
  const { ctx, request } = props;
  const { toJurisdiction, rules } = validate(ctx, request);
  const actor = await ctx.operator(props.actor);
  if (!actor) throw new DomainError('VALIDATION_FAILED', `no operator "${props.actor}"; --actor names the operator starting the migration (\`domicile operator list\`)`);
  if (!Number.isInteger(props.graceSeconds) || props.graceSeconds < 0) throw new DomainError('VALIDATION_FAILED', '--grace is a whole number of seconds, 0 or more');
  const running = (await listJobs(ctx)).find(unfinished);
  if (running) throw notFinished(running.id, running.phase);
  await syncPlacement(ctx.directoryDb, ctx.cells);
  const before = ctx.cells.placement;
  const id = `mig-${crypto.randomUUID()}`;
  const claimed: MigrationJob = {
    id,
    deployment: ctx.deployment,
    home: request.home,
    categories: [...request.categories],
    to: request.to,
    toJurisdiction,
    // Every cell the rows may come from, until they are listed.
    from: ctx.cells.all().filter((c) => c.id !== request.to).map((c) => c.id),
    actor: props.actor,
    actorEmployer: actor.employer,
    actorEmployerCountry: actor.employerCountry,
    actorOfficeCountry: actor.officeCountry,
    graceSeconds: props.graceSeconds,
    batches: 0,
    phase: 'starting',
    rules,
    placementBefore: before.version,
    placementStaging: before.version + 1,
    placementAfter: null,
    startedAt: new Date().toISOString(),
    switchedAt: null,
    finishedAt: null,
    checkpoints: [],
    error: null,
    changesCaptured: true,
    captureVersion,
  };
  const claimJob = (owner: string, untilMs: number) =>
    ctx.directoryDb.transaction().execute(async (trx) => {
      if (!(await appendPlacementVersion(trx, { after: before.version, rules: before.rules, staging: moveRules(request), reason: `migration ${id}: staging` }))) {
        throw new DomainError('MIGRATION_CONFLICT', 'the placement changed while the migration was being planned; start it again');
      }
      // A claim committed before this one's placement version was read is seen here (the version and the job commit together).
      const other = (await unfinishedJobIds(trx))[0];
      if (other) throw notFinished(other, 'starting or running');
      await insertJob(trx, { id, phase: claimed.phase, state: claimed, lease: { owner, untilMs } });
      await props.also?.(trx, claimed);
      return true;
    });
  return underLease(ctx, id, claimJob, () => completeStart(ctx, claimed, props.queued ? 'queued' : 'copying'));
}

const runningElsewhere = (id: string) => new DomainError('MIGRATION_CONFLICT', `migration ${id} is being run by another process (or another task of this one)`);
const notFinished = (id: string, phase: string) => new DomainError('MIGRATION_CONFLICT', `migration ${id} is not finished (${phase}); resume or abort it first`);

/**
 * The cells' part of a start, for a claimed job (`starting`): the change capture on every cell the
 * rows may come from (before they are listed, so a row written meanwhile is caught by the first
 * catch-up), the rows listed, then the items and the job's next phase in one directory
 * transaction. Idempotent: a start cut short by a crash is done again from the capture on.
 */
async function completeStart(ctx: MigrationContext, claimed: MigrationJob, phase: 'queued' | 'copying'): Promise<MigrationJob> {
  await setCapture(ctx, claimed, claimed.from, 'fresh');
  const found = await candidates(ctx, claimed, claimed.rules);
  const perBatch = ctx.subjectsPerBatch ?? 100;
  const subjects = [...new Set(found.map((c) => c.subjectId))].sort();
  const batchOf = new Map(subjects.map((s, i) => [s, Math.floor(i / perBatch)]));
  const job: MigrationJob = { ...claimed, phase, from: [...new Set(found.map((c) => c.sourceCell))].sort(), batches: Math.ceil(subjects.length / perBatch) };
  await ctx.directoryDb.transaction().execute(async (trx) => {
    await insertItems(trx, job.id, found.map((c) => ({ ...c, batch: batchOf.get(c.subjectId) as number })));
    if (!(await updateJob(trx, { id: job.id, from: claimed.phase, phase: job.phase, state: job }))) throw new DomainError('MIGRATION_CONFLICT', `migration ${job.id} was moved on by another process`);
  });
  await stopCapturing(ctx, job, claimed.from.filter((c) => !job.from.includes(c)));
  await syncPlacement(ctx.directoryDb, ctx.cells);
  await logStep(ctx, job, 'start', subjects.slice(0, 1000), found.length);
  return job;
}

/**
 * Creates the job `queued`: a serving process on the same directory claims it within its
 * heartbeat and runs it (what `/ops` and `domicile migrate start` with a server running use);
 * `readJob` / `listJobs` show its progress.
 */
export function enqueueMigration(props: { ctx: MigrationContext; request: MigrationRequest; actor: string; graceSeconds: number; also?: WithJob }): Promise<MigrationJob> {
  return startMigration({ ...props, queued: true });
}

async function logStep(ctx: MigrationContext, job: MigrationJob, step: string, subjects: readonly string[], released: number): Promise<void> {
  if (subjects.length === 0) return;
  for (let i = 0; i < subjects.length; i += 1000) {
    await ctx.logs.recordAccess({
      eventId: `${job.id}-${step}-${crypto.randomUUID()}`,
      time: new Date().toISOString(),
      actor: job.actor,
      actorEmployer: job.actorEmployer,
      actorEmployerCountry: job.actorEmployerCountry,
      actorOfficeCountry: job.actorOfficeCountry,
      // Run from the command line on the cells' host: no request address to observe.
      actorPhysicalCountry: null,
      subjectJurisdiction: job.home,
      subjects: subjects.slice(i, i + 1000),
      categories: [...job.categories],
      fields: [],
      action: 'migrate',
      purpose: 'DATA_RELOCATION',
      caseRef: null,
      grantId: null,
      decision: 'allow',
      policyIds: [],
      released,
    });
  }
}

/** A record opened: its plaintext (the blob, or the row's canonical JSON), the row's JSON, and its sealed columns' texts. */
interface Opened {
  readonly record: Buffer;
  /** Whether the record is a blob (else it is the row's JSON). */
  readonly blob: boolean;
  readonly rowJson: string;
  readonly texts: ReadonlyMap<string, string>;
}

/** The record as plaintext: the blob for the blob table, else the row's canonical JSON with sealed columns opened (cell_id left out). */
async function plaintextOf(cell: Cell, sealedColumns: readonly SealedColumn[], isBlob: boolean, item: MigrationItemRow, row: Row): Promise<Opened | null> {
  const open: Row = {};
  const texts = new Map<string, string>();
  for (const [column, value] of Object.entries(row)) {
    if (column === 'cell_id') continue;
    const sealed = sealedColumns.find((s) => s.column === column);
    if (sealed && typeof value === 'string' && fromSealedText(value) !== null) {
      const plain = await cell.keys.openText({ recordId: recordIdOf(JSON.parse(item.row_key) as unknown[]), category: item.category, value });
      if (plain === null) return null;
      open[column] = plain;
      texts.set(column, plain);
    } else {
      open[column] = typeof value === 'bigint' ? Number(value) : value;
    }
  }
  const rowJson = canonicalJson(open);
  if (!isBlob) return { record: Buffer.from(rowJson, 'utf8'), blob: false, rowJson, texts };
  const id = String(row.id);
  const sealedBlob = await cell.blobs.get(id);
  if (!sealedBlob) return null;
  const plain = await cell.keys.open({ recordId: id, category: item.category, sealed: sealedBlob });
  return plain === null ? null : { record: plain, blob: true, rowJson, texts };
}

function tableParts(ctx: MigrationContext, table: string) {
  const { schema } = ctx.cells;
  const personal = table as PersonalTable;
  return { rowKey: schema.rowKey(personal), sealed: schema.sealedColumns.filter((s) => s.table === personal), isBlob: schema.blobTable === personal };
}

/**
 * Items per copy-and-verify step: one read per table, one insert transaction, one sync of each
 * blob folder, one directory commit. Blobs stream through (read, re-sealed, written) rather than
 * being held, so a chunk's memory is its rows; the larger the chunk, the fewer times each of the
 * blob store's shard folders is synced (a chunk of 500 blobs synced ~220 folders).
 */
const chunkSize = 2000;
/**
 * Blob files in flight at once (read, re-sealed and written, or deleted): enough to keep libuv's
 * four threads busy with one file's fsync while the main thread seals the next.
 */
const blobWrites = 32;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * The longest the engine's record work runs before it lets the event loop turn: it shares the
 * serving process's main thread, whose people's writes wait behind it (a chunk's 2,000 rows opened
 * and sealed in one go would hold them ~0.2 s).
 */
const yieldEveryMs = 10;

/** `inFlight` giving the event loop a turn every `yieldEveryMs`. */
const inParallel = <T>(list: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> => inFlight(list, width, fn, { yieldEveryMs });

/** The rows of the items (all of one table) in `cell`, read in bulk, by item id. */
async function rowsOf(ctx: MigrationContext, cell: Cell, table: string, items: readonly MigrationItemRow[]): Promise<Map<string, Row>> {
  const { rowKey } = tableParts(ctx, table);
  const rows = await readRows(cell.db, { table, rowKey, keys: items.map((i) => JSON.parse(i.row_key) as unknown[]) });
  return new Map(rows.map((r) => [`${table}:${recordIdOf(rowKey.map((c) => r[c]))}`, r]));
}

function groupBy<T>(list: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const key = keyOf(t);
    const group = out.get(key);
    if (group) group.push(t);
    else out.set(key, [t]);
  }
  return out;
}

const byTable = (items: readonly MigrationItemRow[]) => groupBy(items, (i) => i.table_name);

/** SHA-256 of the record's plaintext and of its row's JSON: one digest for a row without a blob (its record is the row's JSON). */
function digestsOf(plain: Opened): { sha: string; rowSha: string } {
  const rowSha = sha256(plain.rowJson);
  return { sha: plain.blob ? sha256(plain.record) : rowSha, rowSha };
}

interface Copied {
  readonly sha: string;
  readonly rowSha: string;
  readonly bytes: number;
  /** For a blob: SHA-256 of the plaintext of the copy as read back from the destination (null: it did not open). */
  readonly blobThere?: string | null | undefined;
}

/**
 * Copies items of one source cell into the destination (idempotent): per table the source rows
 * in one read, each opened once (a few blobs at a time) and sealed again under the destination's
 * keys; then the blobs, each folder synced once, and the rows of every table in one transaction.
 * A row already in the destination is an earlier copy (record ids are unique across cells) and
 * is always replaced: after a crash between a copy and its step being recorded, the source may
 * have changed (a payment recovered at start), and a kept stale copy would fail verification for
 * good. An item whose source row is gone maps to false.
 */
async function copyItems(ctx: MigrationContext, job: MigrationJob, source: Cell, items: readonly MigrationItemRow[]): Promise<Map<string, Copied | false>> {
  const dest = ctx.cells.get(job.to);
  const out = new Map<string, Copied | false>();
  const tables: { table: string; rowKey: readonly string[]; rows: Row[] }[] = [];
  // Each blob written (and its file synced) as soon as it is sealed, while the next ones are read and sealed.
  const blobs = dest.blobs.batch();
  // The destination's data keys first, the new ones made together (one insert), then the records in parallel.
  const pairs = groupBy(items, (i) => `${i.subject_id}\u0000${i.category}`);
  await Promise.all([...pairs.values()].map(([item]) => item && dest.keys.dataKey(item.subject_id, item.category)));
  for (const [table, ofTable] of byTable(items)) {
    const { rowKey, sealed, isBlob } = tableParts(ctx, table);
    const rows = await rowsOf(ctx, source, table, ofTable);
    const copies: Row[] = [];
    await inParallel(ofTable, isBlob ? blobWrites : ofTable.length, async (item) => {
      const row = rows.get(item.id);
      if (!row) {
        out.set(item.id, false);
        return;
      }
      const plain = await plaintextOf(source, sealed, isBlob, item, row);
      if (!plain) throw new Error(`${item.id} in cell ${source.id} cannot be opened (its data key is gone)`);
      const key = await dest.keys.dataKey(item.subject_id, item.category);
      const recordId = recordIdOf(rowKey.map((c) => row[c]));
      const copy: Row = { ...row, cell_id: dest.id };
      for (const [column, text] of plain.texts) copy[column] = key.sealText(recordId, text);
      let blobThere: string | null | undefined;
      if (isBlob) {
        const id = String(row.id);
        // Read back from the destination's store (once synced) and opened with its key at once,
        // while other files are in flight: verify compares this digest, of what the destination holds.
        const back = await blobs.put(id, key.seal(id, plain.record));
        const opened = await dest.keys.open({ recordId: id, category: item.category, sealed: back });
        blobThere = opened ? sha256(opened) : null;
      }
      copies.push(copy);
      out.set(item.id, { ...digestsOf(plain), bytes: plain.record.length, blobThere });
    });
    tables.push({ table, rowKey, rows: copies });
  }
  // The blobs first (their folders synced), then their rows: a crash in between leaves files the resumed copy writes again.
  await blobs.done();
  await insertCopies(dest.db, { tables, placementColumns: personalColumnNames, guard: dest.guard });
  return out;
}

/**
 * The items' digests as stored in `cell` (null for a row that is not there or cannot be opened),
 * read in bulk; a blob already read back from `cell` (`blobsThere`) is not read again.
 */
async function digestsIn(ctx: MigrationContext, cell: Cell, items: readonly MigrationItemRow[], blobsThere: ReadonlyMap<string, string | null> = new Map()): Promise<Map<string, { sha: string; rowSha: string } | null>> {
  const out = new Map<string, { sha: string; rowSha: string } | null>();
  for (const [table, list] of byTable(items)) {
    const { sealed, isBlob } = tableParts(ctx, table);
    const rows = await rowsOf(ctx, cell, table, list);
    await inParallel(list, isBlob ? blobWrites : list.length, async (item) => {
      const row = rows.get(item.id);
      const blobThere = blobsThere.get(item.id);
      const plain = row ? await plaintextOf(cell, sealed, isBlob && blobThere === undefined, item, row) : null;
      if (!plain || blobThere === null) out.set(item.id, null);
      else out.set(item.id, blobThere === undefined ? digestsOf(plain) : { sha: blobThere, rowSha: sha256(plain.rowJson) });
    });
  }
  return out;
}

/** What one run of the engine carries from step to step: its progress, and the moves the gate has already allowed. */
interface Run {
  readonly progress: (records: number, bytes: number) => void;
  /** `subject, category, source cell` keys asked of the gate in this run (a catch-up's rows of the same subjects are not asked again). */
  readonly authorized: Set<string>;
}

async function authorizeMoves(ctx: MigrationContext, job: MigrationJob, run: Run, items: readonly MigrationItemRow[]): Promise<void> {
  const moves = new Map<string, { subject: string; category: string; from: string; items: number }>();
  for (const item of items) {
    const key = `${item.subject_id}\u0000${item.category}\u0000${item.source_cell}`;
    if (run.authorized.has(key)) continue;
    const m = moves.get(key) ?? { subject: item.subject_id, category: item.category, from: item.source_cell, items: 0 };
    m.items++;
    moves.set(key, m);
  }
  // A move abroad needs each subject's basis first; a move home from abroad needs none, but the gate records it.
  // Asked together: the gate's records of one cell then share its group commit (one commit, not one a subject).
  await Promise.all(
    [...moves].map(async ([key, m]) => {
      await ctx.gate.authorizeMove({ subject: { id: m.subject, home: job.home, class: 'consumer' }, fromCellId: m.from, toCellId: job.to, category: m.category, purpose: 'DATA_RELOCATION', items: m.items, ref: job.id });
      run.authorized.add(key);
    }),
  );
}

/**
 * Copies and verifies items (pending ones, and ones an older run left copied but not verified),
 * a chunk at a time: the copy, then the destination read back and its SHA-256 of the plaintext
 * compared with the source's, then one directory commit of the chunk's steps and digests. One
 * `copy` and one `verify` entry in the log for the items.
 */
async function copyAndVerify(ctx: MigrationContext, job: MigrationJob, items: readonly MigrationItemRow[], run: Run): Promise<void> {
  const pending = items.filter((i) => i.step === 'pending' || i.step === 'copied');
  if (pending.length === 0) return;
  await authorizeMoves(ctx, job, run, pending);
  const dest = ctx.cells.get(job.to);
  for (const [sourceId, list] of groupBy(pending, (i) => i.source_cell)) {
    // Chunks across tables, a table's items together: a catch-up's few rows of four tables are one copy and one commit.
    const ordered = [...byTable(list).values()].flat();
    for (const chunk of chunks(ordered, chunkSize)) {
      const copied = await copyItems(ctx, job, ctx.cells.get(sourceId), chunk);
      const blobsThere = new Map<string, string | null>();
      for (const [id, c] of copied) if (c && c.blobThere !== undefined) blobsThere.set(id, c.blobThere);
      const there = await digestsIn(ctx, dest, chunk.filter((i) => copied.get(i.id)), blobsThere);
      const steps = chunk.map((item) => {
        const c = copied.get(item.id);
        if (!c) return { id: item.id, step: 'gone' };
        const d = there.get(item.id);
        if (!d || d.sha !== c.sha || d.rowSha !== c.rowSha) throw new Error(`verify: ${item.id} in cell ${job.to} does not match its source (SHA-256 of the plaintext differs)`);
        return { id: item.id, step: 'verified', sha256: c.sha, rowSha256: c.rowSha, bytes: c.bytes };
      });
      await setItems(ctx.directoryDb, { jobId: job.id, items: steps });
      // A changed row copied again was counted at its first copy.
      const firstCopies = new Set(chunk.filter((i) => i.sha256 === null).map((i) => i.id));
      const done = steps.filter((s) => s.step === 'verified' && firstCopies.has(s.id));
      run.progress(done.length, done.reduce((n, s) => n + (s.bytes ?? 0), 0));
    }
  }
  const subjects = [...new Set(pending.map((i) => i.subject_id))];
  await logStep(ctx, job, 'copy', subjects, pending.length);
  await logStep(ctx, job, 'verify', subjects, pending.length);
}

const moveRules = (job: Pick<MigrationJob, 'home' | 'categories' | 'to'>): PlacementRule[] => job.categories.map((category) => ({ home: job.home, category, cell: job.to }));

/** How fresh a serving process's heartbeat must be for it to count as alive (it beats every poll, 500 ms). */
export const heartbeatFreshMs = 3_000;

/**
 * Waits until no write can still land under a placement older than `version`: this process's
 * writes in flight (checked in memory) and every other serving process's, as its heartbeat
 * reports them. A process whose heartbeat stops is gone (its writes with it).
 */
async function settle(ctx: MigrationContext, version: number): Promise<void> {
  for (;;) {
    const others = await servingProcesses(ctx.directoryDb, Date.now() - heartbeatFreshMs);
    if (oldestWriteVersion(ctx.cells) >= version && others.every((p) => p.id === ctx.servingId || p.placementVersion >= version)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function checkStopping(ctx: MigrationContext): void {
  if (ctx.stopping?.()) throw new MigrationStopped();
}

/** The process is shutting down: the job stops between two idempotent steps and resumes later. */
export class MigrationStopped extends Error {
  constructor() {
    super('migration stopped: the process is shutting down');
  }
}

async function advance(ctx: MigrationContext, job: MigrationJob, change: Partial<MigrationJob> & { phase: MigrationPhase }): Promise<MigrationJob> {
  const next = { ...job, ...change };
  if (!(await updateJob(ctx.directoryDb, { id: job.id, from: job.phase, phase: next.phase, state: next }))) {
    throw new DomainError('MIGRATION_CONFLICT', `migration ${job.id} was moved on by another process`);
  }
  return next;
}

/** The personal tables holding a category the job moves, with their key columns: what the change capture watches. */
function movingTables(ctx: MigrationContext, job: Pick<MigrationJob, 'categories'>): CapturedTable[] {
  const { schema } = ctx.cells;
  return schema.personalTables.filter((t) => schema.categoriesOf(t).some((c) => job.categories.some((m) => covers(m, c)))).map((t) => ({ table: t, rowKey: schema.rowKey(t) }));
}

/**
 * Puts the change capture on every source cell of the move, a fresh one (its change log emptied:
 * the rows are listed after it) or over a running job's, keeping what it recorded (`upgrade`);
 * or takes it off.
 */
async function setCapture(ctx: MigrationContext, job: Pick<MigrationJob, 'home' | 'categories'>, from: readonly string[], on: 'fresh' | 'upgrade' | false): Promise<void> {
  const tables = movingTables(ctx, job);
  for (const cellId of from) {
    const cell = ctx.cells.get(cellId);
    const postgres = cell.dialect === 'postgres';
    await (on ? installChangeCapture(cell.db, { postgres, home: job.home, tables, fresh: on === 'fresh' }) : removeChangeCapture(cell.db, { postgres, tables }));
  }
}
const stopCapturing = (ctx: MigrationContext, job: Pick<MigrationJob, 'home' | 'categories'>, from: readonly string[]) => setCapture(ctx, job, from, false);

/**
 * Seals every source cell of a switched move under the placement in force (`on`), or takes the
 * seals off: a row of the move's home, class and category that its source no longer accepts can
 * be updated or deleted there by no one but this engine (migration.repository.ts `installSeal`).
 */
async function setSeal(ctx: MigrationContext, job: Pick<MigrationJob, 'home' | 'categories' | 'from'>, on: boolean): Promise<void> {
  const { schema, placement } = ctx.cells;
  const tables = movingTables(ctx, job).map(({ table }) => ({ table, moving: schema.categoriesOf(table).filter((category) => job.categories.some((m) => covers(m, category))) }));
  for (const cellId of job.from) {
    const cell = ctx.cells.get(cellId);
    const postgres = cell.dialect === 'postgres';
    if (!on) {
      await removeSeal(cell.db, { postgres, tables });
      continue;
    }
    const sealed: SealedTable[] = tables.map(({ table, moving }) => ({
      table,
      keys: moving.flatMap((category) => subjectClasses.filter((c) => !placement.accepts({ home: job.home, class: c, category }, cellId)).map((scopeClass) => ({ scopeClass, category }))),
    }));
    await installSeal(cell.db, { postgres, home: job.home, tables: sealed });
  }
}

/**
 * A job started by code without the change capture: the capture is put on now and every row of
 * the move is listed and copied again (what was written before it stood is not in the change log).
 */
async function captureForOlderJob(ctx: MigrationContext, job: MigrationJob): Promise<MigrationJob> {
  await setCapture(ctx, job, job.from, 'fresh');
  await insertItems(ctx.directoryDb, job.id, (await candidates(ctx, job, job.rules)).map((c) => ({ ...c, batch: job.batches })));
  const copies = await itemsOf(ctx.directoryDb, { jobId: job.id, steps: ['copied', 'verified'] });
  await setItems(ctx.directoryDb, { jobId: job.id, items: copies.map((i) => ({ id: i.id, step: 'pending' })) });
  return advance(ctx, job, { phase: job.phase, changesCaptured: true, captureVersion });
}

/**
 * A job started by code whose capture recorded inserts and updates only (still running at the
 * upgrade): its capture is put on again with the delete triggers, keeping the changes it recorded,
 * then its items are compared once with their sources — a record deleted while no trigger saw it
 * (an erasure) leaves the destination and the manifest, as one deleted from now on does at the
 * next catch-up. The comparison comes after the triggers: no delete falls between the two.
 */
async function upgradeCapture(ctx: MigrationContext, job: MigrationJob): Promise<MigrationJob> {
  await setCapture(ctx, job, job.from, 'upgrade');
  const items = await itemsOf(ctx.directoryDb, { jobId: job.id, steps: ['pending', 'copied', 'verified'] });
  const vanished: string[] = [];
  for (const [cellId, ofCell] of groupBy(items, (i) => i.source_cell)) {
    for (const [table, ofTable] of byTable(ofCell)) {
      for (const chunk of chunks(ofTable, chunkSize)) {
        const rows = await rowsOf(ctx, ctx.cells.get(cellId), table, chunk);
        vanished.push(...chunk.filter((i) => !rows.has(i.id)).map((i) => i.id));
      }
    }
  }
  await dropVanished(ctx, job, vanished);
  return advance(ctx, job, { phase: job.phase, captureVersion });
}

/**
 * Brings the destination up to its sources: the rows the change capture saw inserted or updated
 * since the last pass are copied (new ones become items; copied ones are copied again), then the
 * changes are forgotten. Run before the switch, while people still write the sources, and once
 * behind the fence, when no one but the engine writes them: a pass reads only what changed, so
 * the fenced one lasts as long as the writes that came in since the pass before. Returns the
 * records copied.
 */
async function catchUpPass(ctx: MigrationContext, job: MigrationJob, run: Run): Promise<number> {
  const after = createPlacement(ctx.cells.all(), job.rules);
  const found = new Map<string, Candidate>();
  const taken = new Map<string, number[]>();
  /** Records changed since the last pass that their source no longer holds (deleted, erased). */
  const vanished = new Set<string>();
  for (const cellId of job.from) {
    const cell = ctx.cells.get(cellId);
    const changes = await readChanges(cell.db);
    taken.set(cellId, changes.map((c) => c.seq));
    for (const [table, tableChanges] of groupBy(changes, (c) => c.table)) {
      const rowKey = ctx.cells.schema.rowKey(table as PersonalTable);
      const rows = await readRows(cell.db, { table, rowKey, keys: tableChanges.map((c) => c.rowKey) });
      const present = new Set(rows.map((row) => recordIdOf(rowKey.map((c) => row[c]))));
      for (const { rowKey: key } of tableChanges) if (!present.has(recordIdOf(key))) vanished.add(`${table}:${recordIdOf(key)}`);
      for (const row of rows) {
        const candidate = candidateOf({ request: job, after, table, rowKey, row, sourceCell: cell.id });
        if (candidate) found.set(candidate.id, candidate);
      }
    }
  }
  await dropVanished(ctx, job, [...vanished].filter((id) => !found.has(id)));
  const known = new Map((await itemsWithIds(ctx.directoryDb, { jobId: job.id, ids: [...found.keys()] })).map((i) => [i.id, i]));
  await insertItems(ctx.directoryDb, job.id, [...found.values()].filter((c) => !known.has(c.id)).map((c) => ({ ...c, batch: job.batches })));
  await setItems(ctx.directoryDb, { jobId: job.id, items: [...known.values()].filter((i) => i.step === 'copied' || i.step === 'verified').map((i) => ({ id: i.id, step: 'pending' })) });
  const late = await itemsOf(ctx.directoryDb, { jobId: job.id, steps: ['pending', 'copied'] });
  if (late.length > 0) await copyAndVerify(ctx, job, late, run);
  for (const [cellId, seqs] of taken) await forgetChanges(ctx.cells.get(cellId).db, seqs);
  return late.length;
}

/**
 * Records deleted at their source while the move runs (a person erased a message, replaced a
 * picture): their copy leaves the destination and their item is `gone`, so an erasure made during
 * the move is not undone by it and the manifest does not list them.
 */
async function dropVanished(ctx: MigrationContext, job: MigrationJob, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const items = await itemsWithIds(ctx.directoryDb, { jobId: job.id, ids });
  if (items.length === 0) return;
  const dest = ctx.cells.get(job.to);
  for (const item of items) {
    const { rowKey, isBlob } = tableParts(ctx, item.table_name);
    const values = JSON.parse(item.row_key) as unknown[];
    if (isBlob) await dest.blobs.delete(String(values[0]));
    await deleteRow(dest.db, { table: item.table_name, rowKey, values });
  }
  await setItems(ctx.directoryDb, { jobId: job.id, items: items.map((i) => ({ id: i.id, step: 'gone' })) });
}

/**
 * Unfenced catch-up passes before the switch: each copies what was written during the last, until
 * little is left — or until a pass finds no fewer rows than the one before (writes come in as fast
 * as the copy goes: more passes would not shorten the fenced one).
 */
const unfencedPasses = 5;
const fewLeft = 5;

/**
 * Runs (or resumes) the job to its end or to its grace period; idempotent at every step. It runs
 * as the migration engine (`asMigrationEngine`): its copies pass the switch's fence, which every
 * other write of this process and of the others meets (in memory here at once, elsewhere within
 * their placement poll).
 */
export function runMigration(props: { ctx: MigrationContext; id: string; onProgress?: (p: MigrationProgress) => void }): Promise<MigrationJob> {
  return asMigrationEngine(() => runAsEngine(props));
}

async function runAsEngine(props: { ctx: MigrationContext; id: string; onProgress?: (p: MigrationProgress) => void }): Promise<MigrationJob> {
  const { ctx } = props;
  const job = await loadJob(ctx, props.id);
  if (!unfinished(job)) return job;
  return underLease(ctx, job.id, claimOf(ctx, job.id), (lost) => {
    const stopping = ctx.stopping;
    return runClaimed({ ...props, ctx: { ...ctx, stopping: () => lost() || (stopping?.() ?? false) } }, job);
  });
}

const claimOf = (ctx: MigrationContext, id: string) => (owner: string, untilMs: number) => claimLease(ctx.directoryDb, { id, owner, untilMs, stale: leaseStale });

async function runClaimed(props: { ctx: MigrationContext; id: string; onProgress?: (p: MigrationProgress) => void }, claimed: MigrationJob): Promise<MigrationJob> {
  const { ctx } = props;
  let job = claimed;
  // A start whose process died between its claim and its items: done again from the capture on.
  if (job.phase === 'starting') job = await completeStart(ctx, job, 'copying');
  const all = await itemsOf(ctx.directoryDb, { jobId: job.id });
  const total = all.length;
  let records = all.filter((i) => i.step !== 'pending').length;
  let bytes = all.reduce((n, i) => n + i.bytes, 0);
  const report = (phase: string) => props.onProgress?.({ phase, records, total, bytes });
  const progress = (r: number, b: number) => {
    records += r;
    bytes += b;
    report(job.phase);
    checkStopping(ctx);
  };
  const run: Run = { progress, authorized: new Set() };
  try {
    await syncPlacement(ctx.directoryDb, ctx.cells);
    if (job.phase === 'queued') job = await advance(ctx, job, { phase: 'copying' });
    if (['copying', 'switching', 'catching-up'].includes(job.phase)) {
      if (!job.changesCaptured) job = await captureForOlderJob(ctx, job);
      else if ((job.captureVersion ?? 1) < captureVersion) job = await upgradeCapture(ctx, job);
    }
    if (job.phase === 'copying') {
      for (let batch = 0; batch < job.batches; batch++) {
        const items = await itemsOf(ctx.directoryDb, { jobId: job.id, batch, steps: ['pending', 'copied'] });
        if (items.length > 0) await copyAndVerify(ctx, job, items, run);
      }
      // Unfenced: what was written or changed while copying, so that the fenced pass is short.
      let last = Number.POSITIVE_INFINITY;
      for (let pass = 0; pass < unfencedPasses; pass++) {
        const copied = await catchUpPass(ctx, job, run);
        if (copied <= fewLeft || copied >= last) break;
        last = copied;
      }
      job = await advance(ctx, job, { phase: 'switching' });
    }
    if (job.phase === 'switching') {
      const latest = await latestPlacementVersion(ctx.directoryDb);
      if (!latest || latest.version !== job.placementStaging) throw new Error(`the placement moved past version ${job.placementStaging} during migration ${job.id}`);
      const moved = (await itemsOf(ctx.directoryDb, { jobId: job.id, steps: ['verified'] })).filter((i) => kindOfTable[i.table_name]);
      // Logged before the fence goes up, not behind it (a switch that then fails is logged and tried again).
      await logStep(ctx, job, 'switch', [...new Set(moved.map((i) => i.subject_id))], moved.length);
      const next: MigrationJob = { ...job, phase: 'catching-up', switchedAt: new Date().toISOString() };
      const done = await switchPlacement(ctx.directoryDb, {
        after: latest.version,
        rules: job.rules,
        fence: moveRules(job),
        reason: `migration ${job.id}: switch`,
        job: { id: job.id, from: job.phase, phase: next.phase, state: next },
        locations: moved.map((i) => ({ kind: kindOfTable[i.table_name] as RecordKind, id: String((JSON.parse(i.row_key) as unknown[])[0]) })),
        cellId: job.to,
      });
      if (!done) throw new Error(`the placement changed during the switch of migration ${job.id}`);
      job = next;
      // In force here at once (a serving process running the job fences its own writes now).
      await syncPlacement(ctx.directoryDb, ctx.cells);
      ctx.locations.invalidate();
    }
    if (job.phase === 'catching-up') {
      report('catching-up');
      await syncPlacement(ctx.directoryDb, ctx.cells);
      // Before the fenced pass reads the sources: a write that still finds a moved row there is refused from now on, not lost.
      await setSeal(ctx, job, true);
      // From here on no one writes these records but this engine, until the fence is lifted.
      await settle(ctx, ctx.cells.placement.version);
      await catchUpPass(ctx, job, run);
      const fenced = await latestPlacementVersion(ctx.directoryDb);
      if (!fenced) throw new Error('the directory holds no placement version');
      const pauseMs = Date.now() - Date.parse(job.switchedAt ?? job.startedAt);
      const next: MigrationJob = { ...job, phase: 'shredding', placementAfter: fenced.version + 1, pauseMs };
      if (!(await liftFence(ctx.directoryDb, { after: fenced.version, rules: job.rules, reason: `migration ${job.id}: fence lifted`, job: { id: job.id, from: job.phase, phase: next.phase, state: next } }))) {
        throw new Error(`the placement changed while migration ${job.id} was catching up`);
      }
      job = next;
      await syncPlacement(ctx.directoryDb, ctx.cells);
    }
    if (job.phase === 'shredding') {
      await stopCapturing(ctx, job, job.from);
      if (graceEndsAt(job) !== null) {
        report('grace');
        return job;
      }
      for (let batch = 0; batch <= job.batches; batch++) {
        checkStopping(ctx);
        const items = await itemsOf(ctx.directoryDb, { jobId: job.id, batch, steps: ['verified'] });
        if (items.length > 0) await shredBatch(ctx, job, items);
        report('shredding');
      }
      await setSeal(ctx, job, false);
      const checkpoints: LogCheckpointRef[] = [];
      const log = ctx.logs.forJurisdiction(job.home);
      const cp = await log.checkpoint();
      checkpoints.push({ origin: logOrigin(job.deployment, ctx.cells.home(job.home).id), size: cp.size, root: encodeBase64(cp.rootHash) });
      job = await advance(ctx, job, { phase: 'done', finishedAt: new Date().toISOString(), checkpoints });
      report('done');
    }
    return job;
  } catch (err) {
    if (err instanceof DomainError || err instanceof MigrationStopped) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith('verify:')) job = await advance(ctx, job, { phase: 'failed', error: message });
    throw err;
  }
}

/** Crypto-shreds the source's data keys of the batch's subjects (those no staying row needs), then deletes the rows and blobs. */
async function shredBatch(ctx: MigrationContext, job: MigrationJob, items: readonly MigrationItemRow[]): Promise<void> {
  const tables = ctx.cells.schema.personalTables;
  const bySource = new Map<string, Map<string, Set<string>>>();
  for (const item of items) {
    const subjects = bySource.get(item.source_cell) ?? new Map<string, Set<string>>();
    const cats = subjects.get(item.subject_id) ?? new Set<string>();
    cats.add(item.category);
    subjects.set(item.subject_id, cats);
    bySource.set(item.source_cell, subjects);
  }
  // Per source cell, one look for the keys still needed and one shred of the rest (one commit, one scrub of the database's files).
  for (const [cellId, subjects] of bySource) {
    const cell = ctx.cells.get(cellId);
    const staying = await pairsStaying(cell.db, { tables, subjectIds: [...subjects.keys()], home: job.home });
    const shred = [...subjects].map(([subjectId, cats]) => ({ subjectId, cats: new Set([...cats].filter((c) => !staying.has(`${subjectId}\u0000${c}`))) }));
    await cell.keys.shredMany(shred.filter((s) => s.cats.size > 0).map((s) => ({ subjectId: s.subjectId, pick: (c: string) => s.cats.has(c) })));
  }
  for (const [table, ofTable] of byTable(items)) {
    const { rowKey, isBlob } = tableParts(ctx, table);
    for (const chunk of chunks(ofTable, chunkSize)) {
      const keys = chunk.map((item) => ({ cell: ctx.cells.get(item.source_cell), values: JSON.parse(item.row_key) as unknown[] }));
      if (isBlob) await inParallel(keys, blobWrites, (k) => k.cell.blobs.delete(String(k.values[0])));
      for (const cellId of job.from) {
        await deleteRows(ctx.cells.get(cellId).db, { table, rowKey, keys: keys.filter((k) => k.cell.id === cellId).map((k) => k.values) });
      }
      await setItems(ctx.directoryDb, { jobId: job.id, items: chunk.map((i) => ({ id: i.id, step: 'shredded' })) });
    }
  }
  await logStep(ctx, job, 'shred', [...new Set(items.map((i) => i.subject_id))], items.length);
}

/** Rolls back a job that has not switched: its copies leave the destination and the staging rules go. */
export async function abortMigration(props: { ctx: MigrationContext; id: string }): Promise<MigrationJob> {
  const { ctx } = props;
  let job = await loadJob(ctx, props.id);
  if (!['starting', 'queued', 'copying', 'failed'].includes(job.phase)) {
    throw new DomainError('MIGRATION_CONFLICT', `migration ${job.id} is ${job.phase}: only a job that has not switched can be aborted`);
  }
  return underLease(ctx, job.id, claimOf(ctx, job.id), async () => {
    const dest = ctx.cells.get(job.to);
    for (const item of await itemsOf(ctx.directoryDb, { jobId: job.id, steps: ['pending', 'copied', 'verified'] })) {
      const { rowKey, isBlob } = tableParts(ctx, item.table_name);
      const values = JSON.parse(item.row_key) as unknown[];
      if (isBlob) await dest.blobs.delete(String(values[0]));
      await deleteRow(dest.db, { table: item.table_name, rowKey, values });
    }
    await stopCapturing(ctx, job, job.from);
    const latest = await latestPlacementVersion(ctx.directoryDb);
    if (latest && latest.staging.length > 0) {
      await appendPlacementVersion(ctx.directoryDb, { after: latest.version, rules: latest.rules, staging: [], reason: `migration ${job.id}: aborted` });
    }
    await syncPlacement(ctx.directoryDb, ctx.cells);
    job = await advance(ctx, job, { phase: 'aborted', finishedAt: new Date().toISOString() });
    await deleteItems(ctx.directoryDb, job.id);
    return job;
  });
}

/** The manifest's entries of a finished job (ids and digests), with each record's bytes. */
export async function manifestOf(props: { ctx: Pick<MigrationContext, 'directoryDb'>; id: string }): Promise<(ManifestEntry & { bytes: number })[]> {
  const items = await itemsOf(props.ctx.directoryDb, { jobId: props.id, steps: ['shredded'] });
  return items.map((i) => ({ category: i.category, id: i.id, sha256: i.sha256 as string, bytes: i.bytes }));
}

/** The signed receipt of a finished job, by the destination cell's published log key. */
export async function receiptOf(props: { ctx: Pick<MigrationContext, 'directoryDb' | 'cells'>; id: string; dataDir: string }): Promise<SignedReceipt> {
  const job = await loadJob(props.ctx, props.id);
  if (job.phase !== 'done' || !job.finishedAt || job.placementAfter === null) {
    throw new DomainError('MIGRATION_CONFLICT', `migration ${job.id} is ${job.phase}; its receipt exists once it is done`);
  }
  const entries = await manifestOf({ ctx: props.ctx, id: job.id });
  const key = readLogKey({ dataDir: props.dataDir, cellId: job.to });
  if (!key) throw new Error(`cell ${job.to} has no log key in ${props.dataDir}`);
  const receipt = {
    job: job.id,
    deployment: job.deployment,
    home: job.home,
    categories: [...job.categories],
    from: { cells: [...job.from], jurisdictions: [...new Set(job.from.map((c) => props.ctx.cells.get(c).jurisdiction))].sort() },
    to: { cell: job.to, jurisdiction: job.toJurisdiction },
    counts: countsOf(entries),
    manifestRoot: manifestRoot(manifestLines(entries)),
    placementVersion: { before: job.placementBefore, after: job.placementAfter },
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    checkpoints: [...job.checkpoints],
  };
  return signReceipt(receipt, key.signer, key.verifierKey);
}
