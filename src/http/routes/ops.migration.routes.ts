// The console's placement and migrations (issues 10 and 11): the placement in force and its
// versions, region migration jobs with their progress, plans, starting a move, the two-person
// approval of large moves, and the signed receipt and manifest of a finished job. Admins do;
// privacy officers read. From the operator's office country only. Ids, codes and counts only.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { EventActor } from '../../governance/journal.js';
import type { MigrationDesk } from '../../governance/migration/approval.service.js';
import type { Operator } from '../../governance/operators/operators.js';
import type { RequestOrigin } from '../../governance/operators/origin.js';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { binary, errorResponses } from '../schemas.js';
import { ApproveResult, JobId, JobList, JobView, PlacementView, PlanBody, PlanView, RequestId, RequestList, RequestView, StartBody, StartResult } from './ops.migration.schemas.js';
import { opsSecurity } from './ops.schemas.js';

export interface OpsMigrationRoutesOptions {
  gate: OperatorGate;
  desk: MigrationDesk;
  actorOf: (operator: Operator, origin: RequestOrigin) => EventActor;
}

const READERS = ['privacy-officer', 'admin'] as const;
const WRITERS = ['admin'] as const;

export const opsMigrationRoutes: FastifyPluginAsyncTypebox<OpsMigrationRoutesOptions> = async (app, { gate, desk, actorOf }) => {
  app.addHook('preHandler', requireOperator(gate));
  app.addHook('preHandler', requireHere(gate));
  app.addHook('preHandler', async (request) => requireRole(operatorOf(request).operator, READERS, 'placement and migrations'));
  const admin = async (request: FastifyRequest) => requireRole(operatorOf(request).operator, WRITERS, 'planning, starting and approving migrations');
  const who = (request: FastifyRequest) => {
    const { operator, origin } = operatorOf(request);
    return { by: operator, actor: actorOf(operator, origin) };
  };
  const jobParams = Type.Object({ id: JobId });
  const requestParams = Type.Object({ id: RequestId });

  app.get(
    '/v1/ops/placement',
    { schema: { tags: ['governance'], summary: 'The placement in force (rules, staging and fence rules) and every version before it', operationId: 'getPlacement', security: opsSecurity, response: { 200: PlacementView, ...errorResponses } } },
    async () => desk.placement(),
  );

  app.get(
    '/v1/ops/migrations',
    { schema: { tags: ['governance'], summary: 'Region migration jobs, newest first, with their progress per step', operationId: 'listMigrations', security: opsSecurity, response: { 200: JobList, ...errorResponses } } },
    async () => ({ jobs: await desk.jobs() }),
  );

  app.get(
    '/v1/ops/migrations/requests',
    { schema: { tags: ['governance'], summary: 'Migration requests awaiting (or past) a second admin’s decision, newest first', operationId: 'listMigrationRequests', security: opsSecurity, response: { 200: RequestList, ...errorResponses } } },
    async () => ({ requests: await desk.requests() }),
  );

  app.get(
    '/v1/ops/migrations/:id',
    { schema: { tags: ['governance'], summary: 'One migration job: phase, request, progress per step, times, actor, whether its receipt exists', operationId: 'getMigration', security: opsSecurity, params: jobParams, response: { 200: JobView, ...errorResponses } } },
    async (request) => desk.job(request.params.id),
  );

  app.post(
    '/v1/ops/migrations/plan',
    {
      preHandler: admin,
      schema: { tags: ['governance'], summary: 'What a move would take: records, bytes, subjects per category and source cell, and the basis of each move (admins)', operationId: 'planMigration', security: opsSecurity, body: PlanBody, response: { 200: PlanView, ...errorResponses } },
    },
    async (request) => desk.plan(request.body),
  );

  app.post(
    '/v1/ops/migrations',
    {
      preHandler: admin,
      schema: {
        tags: ['governance'],
        summary: 'Start a move (admins): at once (201) when it moves at most the approval threshold of people, else a request another admin decides (202)',
        operationId: 'startMigration',
        security: opsSecurity,
        body: StartBody,
        response: { 201: StartResult, 202: StartResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { graceSeconds, ...move } = request.body;
      const outcome = await desk.start({ request: move, graceSeconds: graceSeconds ?? 0, ...who(request) });
      return outcome.status === 'started' ? reply.status(201).send({ status: 'started', job: outcome.job, request: null }) : reply.status(202).send({ status: 'pending', job: null, request: outcome.request });
    },
  );

  app.post(
    '/v1/ops/migrations/requests/:id/approve',
    {
      preHandler: admin,
      schema: { tags: ['governance'], summary: 'Approve another admin’s migration request; the job starts (admins; never your own: SELF_APPROVAL)', operationId: 'approveMigrationRequest', security: opsSecurity, params: requestParams, response: { 200: ApproveResult, ...errorResponses } },
    },
    async (request) => desk.approve({ id: request.params.id, ...who(request) }),
  );

  app.post(
    '/v1/ops/migrations/requests/:id/deny',
    {
      preHandler: admin,
      schema: { tags: ['governance'], summary: 'Deny another admin’s migration request (admins; never your own: SELF_APPROVAL)', operationId: 'denyMigrationRequest', security: opsSecurity, params: requestParams, response: { 200: RequestView, ...errorResponses } },
    },
    async (request) => desk.deny({ id: request.params.id, ...who(request) }),
  );

  app.get(
    '/v1/ops/migrations/:id/receipt',
    {
      schema: { tags: ['governance'], summary: 'The signed receipt of a finished move (`migrate receipt`), as a file', operationId: 'downloadMigrationReceipt', security: opsSecurity, params: jobParams, response: { 200: binary('The receipt JSON: receipt, signature, key', ['application/json']), ...errorResponses } },
    },
    async (request, reply) => {
      const receipt = await desk.receipt(request.params.id);
      return reply.header('content-type', 'application/json').header('content-disposition', `attachment; filename="${request.params.id}-receipt.json"`).send(`${JSON.stringify(receipt, null, 2)}\n`);
    },
  );

  app.get(
    '/v1/ops/migrations/:id/manifest',
    {
      schema: { tags: ['governance'], summary: 'The manifest of a finished move (`migrate manifest`): one RFC 8785 line per moved record, sorted by id', operationId: 'downloadMigrationManifest', security: opsSecurity, params: jobParams, response: { 200: binary('JSON lines: category, id, sha256', ['application/jsonl']), ...errorResponses } },
    },
    async (request, reply) => reply.header('content-type', 'application/jsonl').header('content-disposition', `attachment; filename="${request.params.id}-manifest.jsonl"`).send(await desk.manifest(request.params.id)),
  );
};
