// The operator control plane: cases (opened by one operator, approved by another) and the
// moderation queue (case references and reason codes only), just-in-time grants, jurisdiction blocks, and the operator directory.
// None of these returns personal data; every one needs an operator session used from the
// operator's declared office country, outside any blocked jurisdiction.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../errors/catalogue.js';
import { CASE_REASONS, MAX_CASE_SUBJECTS, STAFF_CASE_KINDS, type Case, type Cases, type StaffCaseKind } from '../../governance/cases/cases.js';
import type { Cutoff } from '../../governance/cutoff/cutoff.js';
import type { Governance } from '../../governance/governance.js';
import type { Grant, Grants, GrantStatus } from '../../governance/grants/grants.js';
import { MAX_GRANT_MINUTES, MAX_GRANT_SUBJECTS } from '../../governance/grants/grants.js';
import { grantChanged } from '../../governance/operators/operator.events.js';
import { presentOperator, type Operators } from '../../governance/operators/operators.js';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { body, errorResponses } from '../schemas.js';
import { Blocked, CaseList, CaseRef, CaseSummary, Category, Country, FieldName, GrantId, GrantList, GrantView, ModerationQueue, OperatorList, opsSecurity, Purpose, SubjectId } from './ops.schemas.js';
import type { GovernanceJournal } from '../../governance/journal.js';
import type { OperatorPresence } from '../../governance/operators/presence.js';

const GrantStatusSchema = Type.Union(['pending', 'approved', 'denied', 'revoked', 'expired'].map((s) => Type.Literal(s)));
const GrantParams = Type.Object({ id: GrantId });

/** The control plane's parts of governance: ids, codes and states, never a data source. */
export interface OperatorControl {
  cases: Pick<Cases, 'openCase' | 'approve' | 'find' | 'list' | 'close'>;
  grants: Pick<Grants, 'request' | 'approve' | 'deny' | 'revoke' | 'get' | 'list'>;
  cutoff: Pick<Cutoff, 'block' | 'unblock' | 'list'>;
  operators: Pick<Operators, 'list'>;
  presence: Pick<OperatorPresence, 'broadcast'>;
  journal: Pick<GovernanceJournal, 'flush'>;
  subjectsOf: Governance['subjectsOf'];
  actorOf: Governance['actorOf'];
  enforceBlocks: Governance['enforceBlocks'];
}

export interface OpsControlRoutesOptions {
  gate: OperatorGate;
  governance: OperatorControl;
}

export const opsControlRoutes: FastifyPluginAsyncTypebox<OpsControlRoutesOptions> = async (app, { gate, governance }) => {
  app.addHook('preHandler', requireOperator(gate));
  app.addHook('preHandler', requireHere(gate));

  const notifyGrant = (grant: Grant): void => governance.presence.broadcast(grantChanged(grant));
  const summary = (c: Case) => ({ ref: c.ref, kind: c.kind, status: c.status, reason: c.reason, createdAt: c.createdAt, requiredApprovals: c.requiredApprovals });

  // Cases ------------------------------------------------------------------------------------

  app.post(
    '/v1/ops/cases',
    {
      schema: {
        tags: ['operators'],
        summary: 'Open a case (support: support staff; incident: security, engineers; legal: security); it is pending until a second operator approves it, or two beyond 100 people',
        operationId: 'openCase',
        security: opsSecurity,
        body: body({
          kind: Type.Optional(Type.Union(STAFF_CASE_KINDS.map((k) => Type.Literal(k)), { description: 'support (default), incident or legal' })),
          subjects: Type.Array(SubjectId, { minItems: 1, maxItems: MAX_CASE_SUBJECTS.incident }),
          reason: Type.Union([...new Set(Object.values(CASE_REASONS).flat())].map((r) => Type.Literal(r)), { description: 'one of the reasons of the kind' }),
        }),
        response: { 201: CaseSummary, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { operator, origin } = operatorOf(request);
      const kind: StaffCaseKind = request.body.kind ?? 'support';
      const known = await governance.subjectsOf(request.body.subjects);
      const opened = await governance.cases.openCase({
        kind,
        subjects: request.body.subjects.map((s) => known.get(s)).filter((s) => s !== undefined),
        unknownIds: request.body.subjects.filter((s) => !known.has(s)),
        reason: request.body.reason,
        opener: operator,
        actor: governance.actorOf(operator, origin),
      });
      return reply.status(201).send(summary(opened));
    },
  );

  app.post(
    '/v1/ops/cases/:ref/approve',
    {
      schema: {
        tags: ['operators'],
        summary: 'Approve a case another operator opened (approvers); it opens once approved by enough approvers',
        operationId: 'approveCase',
        security: opsSecurity,
        params: Type.Object({ ref: CaseRef }),
        response: { 200: CaseSummary, ...errorResponses },
      },
    },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      return summary(await governance.cases.approve({ ref: request.params.ref, approver: operator, actor: governance.actorOf(operator, origin) }));
    },
  );

  app.get(
    '/v1/ops/cases',
    {
      schema: {
        tags: ['operators'],
        summary: 'Cases by kind and status: references and reason codes only',
        operationId: 'listCases',
        security: opsSecurity,
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.Union([Type.Literal('support'), Type.Literal('abuse'), Type.Literal('incident'), Type.Literal('legal')])),
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('open'), Type.Literal('closed')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: CaseList, ...errorResponses },
      },
    },
    async (request) => ({ cases: await governance.cases.list({ kind: request.query.kind, status: request.query.status }) }),
  );

  app.post(
    '/v1/ops/cases/:ref/close',
    { schema: { tags: ['operators'], summary: 'Close a case: no further access may cite it', operationId: 'closeCase', security: opsSecurity, params: Type.Object({ ref: CaseRef }), response: { 200: CaseSummary, ...errorResponses } } },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      requireRole(operator, ['support', 'moderator', 'security', 'admin'], 'closing a case');
      return summary(await governance.cases.close({ ref: request.params.ref, actor: governance.actorOf(operator, origin) }));
    },
  );

  app.get(
    '/v1/ops/moderation/queue',
    { schema: { tags: ['operators'], summary: 'Open abuse reports, oldest first: references and reason codes only (moderators)', operationId: 'moderationQueue', security: opsSecurity, response: { 200: ModerationQueue, ...errorResponses } } },
    async (request) => {
      requireRole(operatorOf(request).operator, ['moderator', 'admin'], 'the moderation queue');
      const open = await governance.cases.list({ kind: 'abuse', status: 'open' });
      return { reports: open.reverse() };
    },
  );

  // Grants -----------------------------------------------------------------------------------

  app.post(
    '/v1/ops/grants',
    {
      schema: {
        tags: ['operators'],
        summary: 'Request a just-in-time grant for a scope, purpose, real case, duration and location',
        operationId: 'requestGrant',
        security: opsSecurity,
        body: body({
          subjects: Type.Array(SubjectId, { minItems: 1, maxItems: MAX_GRANT_SUBJECTS }),
          categories: Type.Array(Category, { minItems: 1, maxItems: 16 }),
          fields: Type.Optional(Type.Array(FieldName, { maxItems: 64 })),
          purpose: Purpose,
          caseRef: CaseRef,
          durationMinutes: Type.Integer({ minimum: 1, maximum: MAX_GRANT_MINUTES }),
          requestedLocation: Country,
        }),
        response: { 201: GrantView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { operator, origin } = operatorOf(request);
      const grant = await governance.grants.request({
        requester: operator,
        actor: governance.actorOf(operator, origin),
        subjects: request.body.subjects,
        categories: request.body.categories,
        fields: request.body.fields ?? [],
        purpose: request.body.purpose,
        case: await governance.cases.find(request.body.caseRef),
        caseRef: request.body.caseRef,
        durationMinutes: request.body.durationMinutes,
        requestedLocation: request.body.requestedLocation,
      });
      notifyGrant(grant);
      return reply.status(201).send(grant);
    },
  );

  app.get(
    '/v1/ops/grants',
    {
      schema: {
        tags: ['operators'],
        summary: 'Grants: your own, or every grant for approvers, security and admins',
        operationId: 'listGrants',
        security: opsSecurity,
        querystring: Type.Object({ status: Type.Optional(GrantStatusSchema), mine: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
        response: { 200: GrantList, ...errorResponses },
      },
    },
    async (request) => {
      const { operator } = operatorOf(request);
      const seesAll = operator.roles.some((r) => r === 'approver' || r === 'admin' || r === 'security');
      const mine = request.query.mine === 'true' || !seesAll;
      return { grants: await governance.grants.list({ requesterId: mine ? operator.id : undefined, status: request.query.status as GrantStatus | undefined }) };
    },
  );

  app.get('/v1/ops/grants/:id', { schema: { tags: ['operators'], summary: 'One grant with its approvals', operationId: 'getGrant', security: opsSecurity, params: GrantParams, response: { 200: GrantView, ...errorResponses } } }, async (request) => {
    const { operator } = operatorOf(request);
    const grant = await governance.grants.get(request.params.id);
    const seesAll = operator.roles.some((r) => r === 'approver' || r === 'admin' || r === 'security');
    if (!grant || (!seesAll && grant.requesterId !== operator.id)) throw new DomainError('NOT_FOUND', `no grant ${request.params.id}`);
    return grant;
  });

  for (const action of ['approve', 'deny', 'revoke'] as const) {
    app.post(
      `/v1/ops/grants/:id/${action}`,
      {
        schema: {
          tags: ['operators'],
          summary:
            action === 'approve'
              ? 'Approve a grant (approvers; never your own; two approvers beyond 100 subjects)'
              : action === 'deny'
                ? 'Deny a grant (approvers; never your own)'
                : 'Revoke a grant at once (its requester, approvers, security or admins)',
          operationId: `${action}Grant`,
          security: opsSecurity,
          params: GrantParams,
          response: { 200: GrantView, ...errorResponses },
        },
      },
      async (request) => {
        const { operator, origin } = operatorOf(request);
        const actor = governance.actorOf(operator, origin);
        const grantId = request.params.id;
        const grant =
          action === 'approve'
            ? await governance.grants.approve({ grantId, approver: operator, actor })
            : action === 'deny'
              ? await governance.grants.deny({ grantId, approver: operator, actor })
              : await governance.grants.revoke({ grantId, by: operator, actor });
        notifyGrant(grant);
        return grant;
      },
    );
  }

  // Blocks -----------------------------------------------------------------------------------

  app.get('/v1/ops/blocks', { schema: { tags: ['operators'], summary: 'Jurisdictions cut off from operator access', operationId: 'listBlocks', security: opsSecurity, response: { 200: Blocked, ...errorResponses } } }, async () => ({
    blocked: governance.cutoff.list(),
  }));

  app.post(
    '/v1/ops/blocks',
    {
      schema: {
        tags: ['operators'],
        summary: 'Cut off a jurisdiction: refuses new requests at once and closes its live operator sessions (admins, security)',
        operationId: 'blockJurisdiction',
        security: opsSecurity,
        body: body({ country: Country }),
        response: { 200: Type.Composite([Blocked], { description: 'it was already blocked' }), 201: Blocked, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { operator, origin } = operatorOf(request);
      requireRole(operator, ['admin', 'security'], 'blocking a jurisdiction');
      const changed = await governance.cutoff.block({ country: request.body.country, actor: governance.actorOf(operator, origin) });
      await governance.enforceBlocks([request.body.country]);
      // The block is in force whatever happens next; a journal event the logs cannot take now
      // stays pending and is written by the next poll.
      await governance.journal.flush().catch(() => undefined);
      return reply.status(changed ? 201 : 200).send({ blocked: governance.cutoff.list() });
    },
  );

  app.delete(
    '/v1/ops/blocks/:country',
    { schema: { tags: ['operators'], summary: 'Lift a cut-off (admins, security)', operationId: 'unblockJurisdiction', security: opsSecurity, params: Type.Object({ country: Country }), response: { 200: Blocked, ...errorResponses } } },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      requireRole(operator, ['admin', 'security'], 'lifting a cut-off');
      await governance.cutoff.unblock({ country: request.params.country, actor: governance.actorOf(operator, origin) });
      await governance.journal.flush().catch(() => undefined);
      return { blocked: governance.cutoff.list() };
    },
  );

  // Directory --------------------------------------------------------------------------------

  app.get('/v1/ops/operators', { schema: { tags: ['operators'], summary: 'The operator directory: employer and its country, office country, roles, status (admins, privacy officers)', operationId: 'listOperators', security: opsSecurity, response: { 200: OperatorList, ...errorResponses } } }, async (request) => {
    requireRole(operatorOf(request).operator, ['admin', 'privacy-officer'], 'the operator directory');
    return { operators: (await governance.operators.list()).map(presentOperator) };
  });
};
