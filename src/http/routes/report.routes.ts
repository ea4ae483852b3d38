// A user reports a message in one of their conversations; the report becomes an abuse-report
// case that a moderator can act on through the broker.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ABUSE_REASONS } from '../../governance/cases/cases.js';
import { reportOpened } from '../../governance/operators/operator.events.js';
import { findReportableMessage } from '../../messaging/report.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Id } from '../schemas.js';
import { ReportOpened } from './conversation.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type ReportRoutesOptions = Pick<Runtime, 'messaging'> & { governance: { cases: Pick<Runtime['governance']['cases'], 'openAbuseReport'>; presence: Pick<Runtime['governance']['presence'], 'broadcast'> } };

export const reportRoutes: FastifyPluginAsyncTypebox<ReportRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  app.addHook('preHandler', requireAuth(ctx));

  app.post(
    '/v1/conversations/:id/messages/:messageId/report',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Report a message someone else sent; opens an abuse report for moderators',
        operationId: 'reportMessage',
        security: bearer,
        params: Type.Object({ id: Id, messageId: Id }),
        body: body({ reason: Type.Union(ABUSE_REASONS.map((r) => Type.Literal(r))) }),
        response: { 200: Type.Composite([ReportOpened], { description: 'you had already reported this message' }), 201: ReportOpened, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const message = await findReportableMessage({ ctx, actor, conversationId: request.params.id, messageId: request.params.messageId });
      const { case: opened, created } = await runtime.governance.cases.openAbuseReport({
        reporter: actor,
        reported: message.sender,
        conversation: message.conversation,
        messageId: message.messageId,
        reason: request.body.reason,
      });
      if (created) runtime.governance.presence.broadcast(reportOpened(opened));
      return reply.status(created ? 201 : 200).send({ caseRef: opened.ref, status: opened.status, reason: opened.reason, createdAt: opened.createdAt });
    },
  );
};
