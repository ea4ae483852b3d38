// The signed-in person's privacy centre: their consents (give after reading a notice, withdraw,
// full history with Kantara receipts), their transfer records, and the disclosure of what is
// held about them, where, and who accessed it.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accessHistoryFromLogs } from '../../governance/reports/access-history.js';
import { gatherDisclosure } from '../../governance/reports/reports.js';
import { gatherPersonIncidents } from '../../governance/reports/person-incidents.js';
import { verifiedCheckpoints } from '../../governance/reports/verified-log.js';
import { serviceVerifierKey } from '../../governance/reports/verified-log.js';
import { giveConsent, listConsents, listTransferRecords, withdrawConsent } from '../../governance/transfers/consent.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Id } from '../schemas.js';
import { ConsentAnswer, ConsentList, Disclosure, PersonIncidentList, TransferRecordList } from './privacy.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use, and the countries cut off now (for incidents). */
export type PrivacyRoutesOptions = Pick<Runtime, 'messaging' | 'transfers' | 'logs' | 'cells' | 'directory'> & { dataDir: string; blocked: () => readonly string[] };

export const privacyRoutes: FastifyPluginAsyncTypebox<PrivacyRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.transfers;
  const accessHistory = accessHistoryFromLogs({ logs: runtime.logs, cells: runtime.cells });
  // A person's incident view verifies the home log in full only when its checkpoint is new.
  const verified = verifiedCheckpoints();
  app.addHook('preHandler', requireAuth(runtime.messaging));

  app.get('/v1/me/consents', { schema: { tags: ['privacy'], summary: 'Your consents, newest first, with their receipts, and the full history of giving and withdrawing', operationId: 'listConsents', security: bearer, response: { 200: ConsentList, ...errorResponses } } }, async (request) =>
    listConsents({ ctx, subject: actorOf(request) }),
  );

  app.post(
    '/v1/me/consents',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Consent to a transfer notice you were shown; answers with the Kantara consent receipt (200 if it already stands)',
        operationId: 'giveConsent',
        security: bearer,
        body: body({
          noticeId: Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]{2,63}$' }),
          noticeVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'the version shown; refused with NOTICE_VERSION_CHANGED if no longer current' })),
        }),
        response: { 200: Type.Composite([ConsentAnswer], { description: 'the consent already stood' }), 201: ConsentAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { consent, created } = await giveConsent({ ctx, subject: actorOf(request), noticeId: request.body.noticeId, noticeVersion: request.body.noticeVersion });
      return reply.status(created ? 201 : 200).send({ consent });
    },
  );

  app.post(
    '/v1/me/consents/:receiptId/withdraw',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Withdraw a consent; the next transfer that needed it is refused',
        operationId: 'withdrawConsent',
        security: bearer,
        params: Type.Object({ receiptId: Id }),
        response: { 200: ConsentAnswer, ...errorResponses },
      },
    },
    async (request) => ({ consent: await withdrawConsent({ ctx, subject: actorOf(request), receiptId: request.params.receiptId }) }),
  );

  app.get('/v1/me/transfers', { schema: { tags: ['privacy'], summary: 'Records of transfers of your data to other countries (kept three years)', operationId: 'listTransferRecords', security: bearer, response: { 200: TransferRecordList, ...errorResponses } } }, async (request) => ({
    transfers: await listTransferRecords({ ctx, subject: actorOf(request) }),
  }));

  app.get(
    '/v1/me/disclosure',
    {
      schema: {
        tags: ['privacy'],
        summary: 'What is held about you, where each category is stored, your transfer records and the access-log entries about you',
        operationId: 'getDisclosure',
        security: bearer,
        response: { 200: Disclosure, ...errorResponses },
      },
    },
    async (request) => gatherDisclosure({ cells: runtime.cells, directory: runtime.directory, transfers: ctx, accessHistory, subjectId: actorOf(request).id }),
  );

  app.get(
    '/v1/me/incidents',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Incidents that concern you: what of your data, when, the countries of those who accessed it and what the operator is doing — from the verified log entries naming you',
        operationId: 'listMyIncidents',
        security: bearer,
        response: { 200: PersonIncidentList, ...errorResponses },
      },
    },
    async (request) =>
      gatherPersonIncidents({
        cells: runtime.cells,
        directory: runtime.directory,
        subjectId: actorOf(request).id,
        verifierKey: (home) => serviceVerifierKey({ cells: runtime.cells, dataDir: runtime.dataDir, home }),
        facts: (home) => ({ operator: ctx.registries.cellHost(home)?.name ?? null, authority: ctx.registries.regimeOf(home)?.authority ?? null, blocked: runtime.blocked() }),
        at: ctx.now(),
        verified,
      }),
  );
};
