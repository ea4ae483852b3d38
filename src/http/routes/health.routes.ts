// Liveness and the API document.
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses, publicRoute } from '../schemas.js';
import { Health } from './health.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type HealthRoutesOptions = Pick<Runtime, 'cells'>;

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, runtime) => {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'Each cell with its jurisdiction and status',
      operationId: 'health',
      security: publicRoute,
      response: { 200: Health, 503: Type.Composite([Health], { description: 'a cell is down' }), ...errorResponses },
    },
  }, async (_request, reply) => {
    const cells = await Promise.all(
      runtime.cells.all().map(async (cell) => {
        const status = await sql`select 1 as ok`
          .execute(cell.db)
          .then(() => 'ok' as const)
          .catch(() => 'down' as const);
        return { id: cell.id, jurisdiction: cell.jurisdiction, status };
      }),
    );
    const ok = cells.every((c) => c.status === 'ok');
    // `node` tells an operator which runtime serves (Domicile supports Node 24 LTS and newer).
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', node: process.version, cells });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
