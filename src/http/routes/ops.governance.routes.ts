// The governance console's read-only pages (issue 11): the data map (what each cell holds and
// from where each home's data was accessed), recipients and their contracts, transfer notices
// with their versions, and the Cedar policies in force. Privacy officers and admins only, from
// where they work. Counts, codes, registry and policy text: no personal data. Changing any of
// these stays with the files and CLI that own them (registries/, policies/, `domicile operator`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataMap } from '../../governance/reports/data-map.js';
import type { PolicyStatus } from '../../governance/policy/policy.status.js';
import type { NoticeHistory, RecipientView } from '../../governance/transfers/console.views.js';
import type { NoticeProblem } from '../../governance/transfers/notice.validator.js';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { errorResponses } from '../schemas.js';
import { DataMapView, NoticeHistoryList, PolicyStatusView, RecipientList } from './ops.governance.schemas.js';
import { opsSecurity } from './ops.schemas.js';

/** What the pages read: each a function over recorded state, nothing that writes. */
export interface GovernanceConsole {
  dataMap(): Promise<DataMap>;
  recipients(): { at: string; recipients: readonly RecipientView[] };
  notices(): { notices: readonly NoticeHistory[]; refused: readonly { source: string; problems: readonly NoticeProblem[] }[] };
  policies(): Promise<PolicyStatus>;
}

export interface OpsGovernanceRoutesOptions {
  gate: OperatorGate;
  console: GovernanceConsole;
}

const ROLES = ['privacy-officer', 'admin'] as const;

export const opsGovernanceRoutes: FastifyPluginAsyncTypebox<OpsGovernanceRoutesOptions> = async (app, { gate, console: desk }) => {
  app.addHook('preHandler', requireOperator(gate));
  app.addHook('preHandler', requireHere(gate));
  app.addHook('preHandler', async (request) => requireRole(operatorOf(request).operator, ROLES, 'the governance pages'));

  app.get(
    '/v1/ops/data-map',
    {
      schema: {
        tags: ['governance'],
        summary: 'The data map: per cell its jurisdiction, records per category and blob bytes (residency scan), and the countries each home’s data was accessed from in the last 12 months',
        operationId: 'getDataMap',
        security: opsSecurity,
        response: { 200: DataMapView, ...errorResponses },
      },
    },
    async () => desk.dataMap(),
  );

  app.get(
    '/v1/ops/recipients',
    {
      schema: {
        tags: ['governance'],
        summary: 'Recipients and contracts: country, conforming system, what the contract covers, the periodic check, and whether the basis stands today',
        operationId: 'listRecipients',
        security: opsSecurity,
        response: { 200: RecipientList, ...errorResponses },
      },
    },
    async () => desk.recipients(),
  );

  app.get(
    '/v1/ops/notices',
    {
      schema: {
        tags: ['governance'],
        summary: 'Transfer notices with every version and what each names, and the notice files the validator refused',
        operationId: 'listNoticeVersions',
        security: opsSecurity,
        response: { 200: NoticeHistoryList, ...errorResponses },
      },
    },
    async () => desk.notices(),
  );

  app.get(
    '/v1/ops/policies',
    {
      schema: {
        tags: ['governance'],
        summary: 'The Cedar policies in force (ids, effect, text, digest, when loaded) and whether the files on disk validate against the schema',
        operationId: 'getPolicyStatus',
        security: opsSecurity,
        response: { 200: PolicyStatusView, ...errorResponses },
      },
    },
    async () => desk.policies(),
  );
};
