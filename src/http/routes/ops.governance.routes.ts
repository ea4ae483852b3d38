// The governance console (issue 11): the data map (what each cell holds and from where each
// home's data was accessed), recipients and their contracts, transfer notices with their versions
// and a check of a draft, the Cedar policies in force with a check of a change, its diff, apply
// (admins, journaled) and a what-if question, and adding and disabling operators (admins,
// journaled). Privacy officers and admins only, from where they work. Counts, codes, registry and
// policy text: no personal data. Registries and notices stay with their files (registries/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataMap } from '../../governance/reports/data-map.js';
import type { PolicyStatus } from '../../governance/policy/policy.status.js';
import type { NoticeHistory, RecipientView } from '../../governance/transfers/console.views.js';
import type { NoticeProblem } from '../../governance/transfers/notice.validator.js';
import type { AddOperatorInput } from '../../governance/operators/operator.admin.js';
import { presentOperator, type Operator } from '../../governance/operators/operators.js';
import type { EventActor } from '../../governance/journal.js';
import type { PolicyDiffEntry, PolicyDraftCheck, PolicyFile, WhatIfQuestion } from '../../governance/policy/policy.console.js';
import type { PolicyDecision } from '../../governance/policy/policy.engine.js';
import { Type } from '@sinclair/typebox';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { errorResponses } from '../schemas.js';
import {
  DataMapView,
  NoticeDraftBody,
  NoticeDraftCheck,
  NoticeHistoryList,
  OperatorAddBody,
  OperatorAdded,
  OperatorDisabled,
  PolicyApplied,
  PolicyApplyBody,
  PolicyDraftBody,
  PolicyDraftCheckView,
  PolicyStatusView,
  RecipientList,
  WhatIfAnswer,
  WhatIfBody,
} from './ops.governance.schemas.js';
import { OperatorId, opsSecurity } from './ops.schemas.js';

/** What the pages read: each a function over recorded state, nothing that writes. */
export interface GovernanceConsole {
  dataMap(): Promise<DataMap>;
  recipients(): { at: string; recipients: readonly RecipientView[] };
  notices(): { notices: readonly NoticeHistory[]; refused: readonly { source: string; problems: readonly NoticeProblem[] }[] };
  policies(): Promise<PolicyStatus>;
  /** A notice document checked by the validator `domicile notice validate` uses; nothing stored. */
  checkNotice(draft: string): { valid: boolean; noticeId: string | null; version: number | null; problems: readonly NoticeProblem[] };
  checkPolicies(files: readonly PolicyFile[]): PolicyDraftCheck;
  applyPolicies(props: { files: readonly PolicyFile[]; baseDigest: string; actor: EventActor }): Promise<{ digest: string; changed: PolicyDiffEntry[] }>;
  /** The engine in force asked about a made-up request of an operator in the directory. */
  whatIf(props: { operatorId: string; question: Omit<WhatIfQuestion, 'operator' | 'blockedJurisdictions'> }): Promise<PolicyDecision & { digest: string; blockedJurisdictions: readonly string[] }>;
  addOperator(props: { input: AddOperatorInput; actor: EventActor }): Promise<{ operator: Operator; totpSecret: string; otpauthUri: string }>;
  disableOperator(props: { id: string; by: Operator; actor: EventActor }): Promise<{ operator: Operator; revokedSessions: number; alreadyDisabled: boolean }>;
}

export interface OpsGovernanceRoutesOptions {
  gate: OperatorGate;
  console: GovernanceConsole;
  /** How the journal names an operator acting from where they are. */
  actorOf: (request: Parameters<typeof operatorOf>[0]) => EventActor;
}

const ROLES = ['privacy-officer', 'admin'] as const;

export const opsGovernanceRoutes: FastifyPluginAsyncTypebox<OpsGovernanceRoutesOptions> = async (app, { gate, console: desk, actorOf }) => {
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

  app.post(
    '/v1/ops/notices/validate',
    {
      schema: {
        tags: ['governance'],
        summary: 'Check a notice draft with the validator `domicile notice validate` uses; nothing is stored',
        operationId: 'validateNoticeDraft',
        security: opsSecurity,
        body: NoticeDraftBody,
        response: { 200: NoticeDraftCheck, ...errorResponses },
      },
    },
    async (request) => desk.checkNotice(request.body.draft),
  );

  app.post(
    '/v1/ops/policies/check',
    {
      schema: {
        tags: ['governance'],
        summary: 'Check a replacement of the policy files against the schema in force (problems with file, line and policy id) and diff it against the running set; nothing is written',
        operationId: 'checkPolicyDraft',
        security: opsSecurity,
        body: PolicyDraftBody,
        response: { 200: PolicyDraftCheckView, ...errorResponses },
      },
    },
    async (request) => desk.checkPolicies(request.body.files),
  );

  app.post(
    '/v1/ops/policies/apply',
    {
      schema: {
        tags: ['governance'],
        summary: 'Put a replacement of the policy files in force (admins): refused with POLICY_REJECTED (nothing written) unless it validates, and with POLICY_CHANGED unless the set in force is still baseDigest; journaled to every access log; other nodes reload',
        operationId: 'applyPolicies',
        security: opsSecurity,
        body: PolicyApplyBody,
        response: { 200: PolicyApplied, ...errorResponses },
      },
    },
    async (request) => {
      requireRole(operatorOf(request).operator, ['admin'], 'applying policies');
      return desk.applyPolicies({ files: request.body.files, baseDigest: request.body.baseDigest, actor: actorOf(request) });
    },
  );

  app.post(
    '/v1/ops/policies/what-if',
    {
      schema: {
        tags: ['governance'],
        summary: 'What the policies in force decide for an operator doing an action on a kind of subject and category, for a purpose, from a country; and the policies that decided',
        operationId: 'policyWhatIf',
        security: opsSecurity,
        body: WhatIfBody,
        response: { 200: WhatIfAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { operatorId, grantApproved, transferBasisCountries, ...rest } = request.body;
      return desk.whatIf({ operatorId, question: { ...rest, grantApproved: grantApproved ?? false, transferBasisCountries: transferBasisCountries ?? [] } });
    },
  );

  app.post(
    '/v1/ops/operators',
    {
      schema: {
        tags: ['operators'],
        summary: 'Add an operator (admins), as `domicile operator add` does: the employer must be a registry recipient in that country; the TOTP secret is in this answer only; journaled to every access log',
        operationId: 'addOperator',
        security: opsSecurity,
        body: OperatorAddBody,
        response: { 201: OperatorAdded, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireRole(operatorOf(request).operator, ['admin'], 'adding operators');
      const added = await desk.addOperator({ input: request.body, actor: actorOf(request) });
      return reply.status(201).send({ ...added, operator: presentOperator(added.operator) });
    },
  );

  app.post(
    '/v1/ops/operators/:id/disable',
    {
      schema: {
        tags: ['operators'],
        summary: 'Disable an operator (admins), as `domicile operator disable` does: sign-ins refused, sessions and sockets ended now; not yourself (CANNOT_DISABLE_SELF); journaled to every access log',
        operationId: 'disableOperator',
        security: opsSecurity,
        params: Type.Object({ id: OperatorId }),
        response: { 200: OperatorDisabled, ...errorResponses },
      },
    },
    async (request) => {
      const { operator } = operatorOf(request);
      requireRole(operator, ['admin'], 'disabling operators');
      const result = await desk.disableOperator({ id: request.params.id, by: operator, actor: actorOf(request) });
      return { ...result, operator: presentOperator(result.operator) };
    },
  );
};
