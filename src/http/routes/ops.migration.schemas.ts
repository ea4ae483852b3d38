// Schemas of the console's placement and migration routes (issues 10 and 11): placement versions,
// plans, jobs with their progress, and migration requests awaiting a second admin. Ids, codes,
// counts and digests only; Fastify serialises with these, so they are the allow-list of what is sent.
import { Type } from '@sinclair/typebox';
import { MIGRATION_PHASES, type MigrationPhase } from '../../governance/migration/migration.service.js';
import { body, Instant, List, Nullable } from '../schemas.js';
import { Category, Country } from './ops.schemas.js';

const CellId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'a cell id, e.g. jp' });
export const JobId = Type.String({ minLength: 5, maxLength: 64, pattern: '^mig-[0-9a-f-]+$', description: 'e.g. mig-3f2a…' });
export const RequestId = Type.String({ pattern: '^mreq-[0-9a-f]{16}$', description: 'e.g. mreq-0123456789abcdef' });

const moveProperties = {
  home: Country,
  categories: Type.Array(Category, { minItems: 1, maxItems: 16, description: 'the categories to move (with the categories below them)' }),
  to: CellId,
};

export const PlanBody = body(moveProperties);
export const StartBody = body({
  ...moveProperties,
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400, description: 'seconds the source stays readable after the switch before it is shredded (default 0)' })),
});

const Rule = Type.Object({
  home: Type.Optional(Type.String()),
  class: Type.Optional(Type.String()),
  category: Type.String(),
  cell: Type.String(),
});

const Version = Type.Object({
  version: Type.Integer(),
  rules: List(Rule),
  staging: List(Rule, { description: 'a running migration’s copy step: inserts the residency guard also accepts' }),
  fence: List(Rule, { description: 'a migration’s switch: records that are moving (inserts wait)' }),
  reason: Type.String({ description: '`configuration`, or `migration <job>: <step>`' }),
  createdAt: Instant,
});

export const PlacementView = Type.Object({
  cells: List(Type.Object({ id: Type.String(), jurisdiction: Type.String() }), { description: 'the deployment’s cells: the destinations a move may name' }),
  current: Version, versions: List(Version, { description: 'newest first' }) });

export const PlanView = Type.Object({
  home: Type.String(),
  categories: List(Type.String()),
  to: Type.String(),
  toJurisdiction: Type.String(),
  placementVersion: Type.Integer(),
  lines: List(
    Type.Object({
      category: Type.String(),
      from: Type.String({ description: 'the source cell' }),
      records: Type.Integer(),
      bytes: Type.Integer(),
      subjects: Type.Integer(),
      basis: Type.String({ description: 'what the moves rest on: a move home, or the transfer gate’s basis' }),
    }),
  ),
  records: Type.Integer(),
  bytes: Type.Integer(),
  subjects: Type.Integer(),
});

const PHASES = MIGRATION_PHASES;

const Job = Type.Object({
  id: Type.String(),
  home: Type.String(),
  categories: List(Type.String()),
  to: Type.String(),
  toJurisdiction: Type.String(),
  from: List(Type.String()),
  actor: Type.String({ description: 'the operator the move is logged as' }),
  graceSeconds: Type.Integer(),
  batches: Type.Integer(),
  phase: Type.Unsafe<MigrationPhase>(Type.Union(PHASES.map((p) => Type.Literal(p)))),
  placementBefore: Type.Integer(),
  placementAfter: Nullable(Type.Integer()),
  startedAt: Instant,
  switchedAt: Nullable(Instant),
  finishedAt: Nullable(Instant),
  error: Nullable(Type.String()),
});

const StepCount = Type.Object({ records: Type.Integer(), bytes: Type.Integer() });

export const JobView = Type.Object({
  job: Job,
  progress: Type.Object({
    total: Type.Integer({ description: 'records in the job' }),
    bytes: Type.Integer(),
    steps: Type.Object({ pending: StepCount, copied: StepCount, verified: StepCount, shredded: StepCount }, { description: 'records by step: pending → copied → verified → shredded' }),
  }),
  receipt: Type.Boolean({ description: 'the signed receipt and manifest can be downloaded' }),
});

export const JobList = Type.Object({ jobs: List(JobView) });

export const RequestView = Type.Object({
  id: Type.String(),
  home: Type.String(),
  categories: List(Type.String()),
  to: Type.String(),
  subjects: Type.Integer(),
  records: Type.Integer(),
  bytes: Type.Integer(),
  graceSeconds: Type.Integer(),
  requestedBy: Type.String(),
  requestedAt: Instant,
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied')]),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Instant),
  job: Nullable(Type.String({ description: 'the job the approval started' })),
});

export const RequestList = Type.Object({ requests: List(RequestView) });

export const StartResult = Type.Object({
  status: Type.Union([Type.Literal('started'), Type.Literal('pending')], { description: '`pending`: more people than the threshold move; another admin approves the request' }),
  job: Nullable(Job),
  request: Nullable(RequestView),
});

export const ApproveResult = Type.Object({ request: RequestView, job: Job });
