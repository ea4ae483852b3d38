// A user reports a message in one of their conversations; the report becomes an abuse-report
// case that a moderator can act on through the broker. A user opens a support ticket about
// themselves, or confirms one that support staff opened for them: either makes it a case staff
// may cite (a staff-opened ticket counts only once confirmed or approved by a second operator).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ABUSE_REASONS, SUPPORT_REASONS, type Case } from '../../governance/cases/cases.js';
import { reportOpened } from '../../governance/operators/operator.events.js';
import { findReportableMessage } from '../../messaging/report.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Id } from '../schemas.js';
import { ReportOpened, TicketView } from './conversation.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type ReportRoutesOptions = Pick<Runtime, 'messaging'> & {
  governance: { cases: Pick<Runtime['governance']['cases'], 'openAbuseReport' | 'openSupportTicket' | 'confirm'>; presence: Pick<Runtime['governance']['presence'], 'broadcast'> };
};

const ticketView = (c: Case) => ({ ref: c.ref, status: c.status, reason: c.reason, createdAt: c.createdAt });

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

  app.post(
    '/v1/support/tickets',
    {
      schema: {
        tags: ['support'],
        summary: 'Open a support ticket about yourself; support staff may then cite it to look at your account',
        operationId: 'openSupportTicket',
        security: bearer,
        body: body({ reason: Type.Union(SUPPORT_REASONS.map((r) => Type.Literal(r))) }),
        response: { 201: TicketView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const opened = await runtime.governance.cases.openSupportTicket({ subject: actorOf(request), reason: request.body.reason });
      return reply.status(201).send(ticketView(opened));
    },
  );

  app.post(
    '/v1/support/tickets/:ref/confirm',
    {
      schema: {
        tags: ['support'],
        summary: 'Confirm a ticket support staff opened about you, so they may act on it',
        operationId: 'confirmSupportTicket',
        security: bearer,
        params: Type.Object({ ref: Type.String({ pattern: '^T-[0-9]{4,8}$' }) }),
        response: { 200: TicketView, ...errorResponses },
      },
    },
    async (request) => ticketView(await runtime.governance.cases.confirm({ ref: request.params.ref, subject: actorOf(request) })),
  );
};
