// The operator routes that can return personal data. Each one is a thin call of the broker —
// decide, log, release masked — and never reads a data store itself (this file imports nothing
// from messaging). A refusal is logged like an allowance and answered 403 ACCESS_DENIED with
// the policies that refused and where the refusal was logged.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../errors/catalogue.js';
import type { AccessResult, Broker, BrokerRequest } from '../../governance/broker/broker.js';
import { REPORTED_CONTENT_CATEGORY } from '../../governance/broker/broker.js';
import { CASE_CATEGORY, CASE_PURPOSE, type Cases } from '../../governance/cases/cases.js';
import { operatorOf, requireOperator, type OperatorGate } from '../operator-auth.js';
import { errorResponses } from '../schemas.js';
import { AccessBody, AccessResultView, CaseRef, opsSecurity, Purpose } from './ops.schemas.js';

/**
 * A request the broker refused entirely becomes 403; a partial answer is a 200 that says so. A
 * refusal names no one and no jurisdiction — only the categories and why — so it never tells an
 * operator who is outside a case or who exists at all; the access log holds the rest.
 */
export function deliver(result: AccessResult): AccessResult {
  if (result.decision !== 'deny') return result;
  const policies = [...new Set(result.decisions.flatMap((d) => d.policyIds))];
  const reasons = new Map<string, { category: string; policyIds: readonly string[]; reasons: readonly string[] }>();
  for (const d of result.decisions) reasons.set(JSON.stringify([d.category, d.policyIds, d.reasons]), { category: d.category, policyIds: d.policyIds, reasons: d.reasons });
  throw new DomainError('ACCESS_DENIED', `access refused (${policies.join(', ') || 'no policy permits it'}); the refusal is logged as ${result.requestId}`, {
    requestId: result.requestId,
    origin: result.origin,
    decisions: [...reasons.values()],
  });
}

/** The broker and the case lookup: no data store, so no way around the broker. */
export interface OpsDataRoutesOptions {
  gate: OperatorGate;
  broker: Pick<Broker, 'access'>;
  cases: Pick<Cases, 'find'>;
}

export const opsDataRoutes: FastifyPluginAsyncTypebox<OpsDataRoutesOptions> = async (app, { gate, broker, cases }) => {
  app.addHook('preHandler', requireOperator(gate));

  app.post(
    '/v1/ops/access',
    {
      schema: {
        tags: ['operators'],
        summary: 'Read personal data through the broker: purpose, case, subjects, categories, fields; logged, then released masked',
        operationId: 'operatorAccess',
        security: opsSecurity,
        body: AccessBody,
        response: { 200: AccessResultView, ...errorResponses },
      },
    },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      const input: BrokerRequest = { ...request.body, action: 'read', operatorId: operator.id, origin };
      return deliver(await broker.access(input));
    },
  );

  app.get(
    '/v1/ops/cases/:ref',
    {
      schema: {
        tags: ['operators'],
        summary: 'A case and the people it concerns, through the broker (purpose defaults to the case kind’s)',
        operationId: 'operatorOpenCase',
        security: opsSecurity,
        params: Type.Object({ ref: CaseRef }),
        querystring: Type.Object({ purpose: Type.Optional(Purpose) }, { additionalProperties: false }),
        response: { 200: AccessResultView, ...errorResponses },
      },
    },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      const found = await cases.find(request.params.ref);
      // Nothing about anyone exists to protect, or to log, for a case that does not exist.
      if (!found) throw new DomainError('UNKNOWN_CASE', `no case ${request.params.ref}`);
      const result = await broker.access({
        operatorId: operator.id,
        origin,
        action: 'read',
        purpose: request.query.purpose ?? CASE_PURPOSE[found.kind],
        caseRef: found.ref,
        subjects: found.subjects.map((s) => s.id),
        categories: [CASE_CATEGORY],
        records: [found.ref],
      });
      return deliver(result);
    },
  );

  app.get(
    '/v1/ops/moderation/reports/:ref/message',
    {
      schema: {
        tags: ['operators'],
        summary: 'The reported message of an abuse report, through the broker (purpose ABUSE_REPORT); nothing else of the conversation',
        operationId: 'operatorReportedMessage',
        security: opsSecurity,
        params: Type.Object({ ref: CaseRef }),
        response: { 200: AccessResultView, ...errorResponses },
      },
    },
    async (request) => {
      const { operator, origin } = operatorOf(request);
      const found = await cases.find(request.params.ref);
      if (!found || found.kind !== 'abuse') throw new DomainError('UNKNOWN_CASE', `no abuse report ${request.params.ref}`);
      const reported = found.subjects.filter((s) => s.role === 'reported').map((s) => s.id);
      const result = await broker.access({
        operatorId: operator.id,
        origin,
        action: 'read',
        purpose: 'ABUSE_REPORT',
        caseRef: found.ref,
        subjects: reported,
        categories: [REPORTED_CONTENT_CATEGORY],
        records: [...found.records],
      });
      return deliver(result);
    },
  );
};
