// Public transparency routes: the transfer notices people are shown before consenting, a check
// of a notice document (the "third countries" kind is refused with its reasons), and the
// foreign-handling statement computed from state. No sign-in needed; nothing personal served.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../errors/catalogue.js';
import { accessHistoryFromLogs } from '../../governance/reports/access-history.js';
import { renderForeignHandling, type ForeignHandlingReport } from '../../governance/reports/foreign-handling.js';
import { foreignHandlingSince, gatherForeignHandling } from '../../governance/reports/reports.js';
import { storedFacts, type StoredFact } from '../../governance/reports/report.readers.js';
import { LruMap } from '../lru.js';
import { noticeSummary } from '../../governance/transfers/console.views.js';
import { inEffect } from '../../governance/transfers/notice.catalogue.js';
import { validateNotice } from '../../governance/transfers/notice.validator.js';
import { categories } from '../../cells/records.js';
import { errorResponses, publicRoute } from '../schemas.js';
import { ForeignHandlingResponse, NoticeAccepted, NoticeAnswer, NoticeList } from './transparency.schemas.js';
import type { Runtime } from '../../app/runtime.js';

const NoticeId = Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'e.g. kr-messages-jp' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC)' });

// Computing the statement reads every cell and every log; a public page must not let anyone
// make the server do that on each request.
// The cache is small and least-recently-used (the default window is the one people ask for), and
// the windows it can hold are bounded (foreignHandlingSince): a caller asking for ever new dates
// evicts old ones instead of growing memory, and gets a 400 outside the last 3 years.
const statementTtlMs = 60_000;
export const statementCacheSize = 16;

/** Only the parts of the runtime these routes use. */
export type TransparencyRoutesOptions = Pick<Runtime, 'transfers' | 'logs' | 'cells'>;

export const transparencyRoutes: FastifyPluginAsyncTypebox<TransparencyRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.transfers;
  const accessHistory = accessHistoryFromLogs({ logs: runtime.logs, cells: runtime.cells });
  let counts: { at: number; stored: Promise<StoredFact[]> } | null = null;
  const statements = new LruMap<string, { at: number; report: Promise<ForeignHandlingReport> }>(statementCacheSize);

  app.get('/v1/notices', { schema: { tags: ['transfers'], summary: 'Transfer notices that may be shown and consented to', operationId: 'listNotices', security: publicRoute, response: { 200: NoticeList, ...errorResponses } } }, async () => {
    const at = ctx.now();
    return { notices: ctx.notices.all().map((n) => noticeSummary(ctx.notices.current(n.noticeId, at) ?? n, at)) };
  });

  app.get(
    '/v1/notices/:noticeId',
    {
      schema: {
        tags: ['transfers'],
        summary: 'One notice, in full: the version in effect, else the coming one',
        operationId: 'getNotice',
        security: publicRoute,
        params: Type.Object({ noticeId: NoticeId }),
        response: { 200: NoticeAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const at = ctx.now();
      const notice = ctx.notices.current(request.params.noticeId, at) ?? ctx.notices.latest(request.params.noticeId);
      if (notice === undefined) throw new DomainError('NOT_FOUND', `no notice "${request.params.noticeId}" may be shown; see /v1/notices`);
      return { notice, inEffect: inEffect(notice, at) };
    },
  );

  app.post(
    '/v1/notices/validate',
    {
      schema: {
        tags: ['transfers'],
        summary: 'Check a notice document against the registries; a refused notice answers 422 NOTICE_REFUSED with every problem',
        operationId: 'validateNotice',
        security: publicRoute,
        body: Type.Unknown({ description: 'a notice document (schemas/notice.schema.json)' }),
        response: { 200: NoticeAccepted, ...errorResponses },
      },
    },
    async (request) => {
      const result = validateNotice(request.body, ctx.registries);
      if (!result.ok) {
        const count = result.problems.length;
        const first = result.problems[0];
        throw new DomainError(
          'NOTICE_REFUSED',
          `the notice may not be shown or used to ask for consent (${count} problem${count === 1 ? '' : 's'}); first: ${first?.code ?? ''} at ${first?.path || '/'}: ${first?.message ?? ''}`,
          { problems: result.problems },
        );
      }
      return { ok: true, notice: noticeSummary(result.notice, ctx.now()) };
    },
  );

  app.get(
    '/v1/foreign-handling',
    {
      schema: {
        tags: ['transfers'],
        summary: 'Where each data category of each home jurisdiction is stored, and from where it was accessed or to where it was sent in the last 12 months',
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])),
          since: Type.Optional(Day),
        }),
        operationId: 'getForeignHandling',
        security: publicRoute,
        response: { 200: ForeignHandlingResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const sinceText = request.query.since;
      const since = sinceText === undefined ? undefined : foreignHandlingSince(sinceText, ctx.now());
      const key = sinceText ?? '';
      const now = Date.now();
      let cached = statements.get(key);
      if (cached === undefined || now - cached.at > statementTtlMs) {
        // The stored-row counts do not depend on the window: one count per minute serves every window.
        if (counts === null || now - counts.at > statementTtlMs) {
          const fresh = { at: now, stored: storedFacts(runtime.cells) };
          fresh.stored.catch(() => {
            if (counts === fresh) counts = null;
          });
          counts = fresh;
        }
        const report = gatherForeignHandling({ cells: runtime.cells, accessHistory, knownCategories: Object.values(categories), at: ctx.now(), stored: counts.stored, ...(since === undefined ? {} : { since }) });
        cached = { at: now, report };
        statements.set(key, cached);
        report.catch(() => statements.delete(key));
      }
      const report = await cached.report;
      if (request.query.format === 'text') return reply.header('content-type', 'text/plain; charset=utf-8').send(renderForeignHandling(report));
      return report;
    },
  );
};
