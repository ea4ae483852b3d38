// The access logs at the edge: each cell's checkpoint and hash tiles in the C2SP tlog-tiles
// layout for anyone, its entry bundles for auditors only, the verifier keys, and a signed-in
// person's own accesses with inclusion proofs against the latest checkpoint.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../errors/catalogue.js';
import { authenticateAuditor } from '../../governance/log/auditors.js';
import { decodeAccessEntry } from '../../governance/log/entry.js';
import { leafHash } from '../../governance/log/merkle.js';
import { actorOf, bearerToken, requireAuth } from '../auth.js';
import { bearer, binary, errorResponses, publicRoute, SeqString } from '../schemas.js';
import { AccessesPage, CheckpointText, LogKeys } from './log.schemas.js';
import type { Runtime } from '../../app/runtime.js';

const CellParam = Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$', description: 'cell id, e.g. jp' });

// Tiles never change once published (a partial tile is named by its width), so caches may keep
// them; the checkpoint moves every second while entries arrive.
const IMMUTABLE = 'public, max-age=31536000, immutable';

const gzip = promisify(zlib.gzip);

/** Whether an Accept-Encoding header accepts gzip: named (or else `*`) with a q-value above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    weights.set(coding === 'x-gzip' ? 'gzip' : coding, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return (weights.get('gzip') ?? weights.get('*') ?? 0) > 0;
}

/** Only the parts of the runtime these routes use. */
export type LogRoutesOptions = Pick<Runtime, 'logs' | 'cells' | 'directory' | 'messaging'> & { config: Pick<Runtime['config'], 'deployment'> };

export const logRoutes: FastifyPluginAsyncTypebox<LogRoutesOptions> = async (app, runtime) => {
  const logOf = (cellId: string) => runtime.logs.get(cellId);

  async function requireAuditor(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    const auditor = token ? await authenticateAuditor({ db: runtime.directory.db, token }) : null;
    if (!auditor) {
      throw new DomainError(
        'AUDITOR_REQUIRED',
        'entry bundles are for auditors: send Authorization: Bearer <auditor token> (an operator makes one with `domicile log auditor add <name>`)',
      );
    }
  }

  app.get(
    '/.well-known/domicile/log-keys.json',
    { schema: { tags: ['log'], summary: 'Verifier keys of every cell access log (C2SP signed-note)', operationId: 'getLogKeys', security: publicRoute, response: { 200: LogKeys, ...errorResponses } } },
    async () => ({
      deployment: runtime.config.deployment,
      logs: runtime.cells.all().map((cell) => {
        const log = logOf(cell.id);
        return { cell: cell.id, jurisdiction: cell.jurisdiction, origin: log.origin, key: log.verifierKey, prefix: `/log/${cell.id}/` };
      }),
    }),
  );

  app.get(
    '/log/:cell/checkpoint',
    {
      schema: {
        tags: ['log'],
        summary: "A cell log's latest signed checkpoint (C2SP tlog-checkpoint)",
        operationId: 'getCheckpoint',
        security: publicRoute,
        params: Type.Object({ cell: CellParam }),
        response: { 200: CheckpointText, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(logOf(request.params.cell).latestCheckpoint().note),
  );

  app.get(
    '/log/:cell/tile/*',
    {
      schema: {
        tags: ['log'],
        summary: 'Hash tiles tile/<L>/<N>[.p/<W>] (public) and entry bundles tile/entries/<N>[.p/<W>] (auditors), C2SP tlog-tiles',
        operationId: 'getTile',
        // Hash tiles are public; entry bundles need an auditor token.
        security: [{}, { auditorToken: [] }],
        params: Type.Object({ cell: CellParam, '*': Type.String({ maxLength: 100 }) }),
        response: { 200: binary('The tile or bundle bytes', ['application/octet-stream']), ...errorResponses },
      },
    },
    async (request, reply) => {
      const log = logOf(request.params.cell);
      const path = `tile/${request.params['*']}`;
      const entries = path.startsWith('tile/entries/');
      if (entries) await requireAuditor(request);
      const { bytes } = await log.tile(path);
      void reply.header('content-type', 'application/octet-stream').header('cache-control', entries ? 'private, max-age=31536000, immutable' : IMMUTABLE);
      // tlog-tiles: entry bundles (JSON text, which compresses well) SHOULD be compressed at the
      // HTTP layer; hash tiles are random bytes and are sent as they are.
      if (!entries) return reply.send(bytes);
      void reply.header('vary', 'Accept-Encoding');
      if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(bytes);
      return reply.header('content-encoding', 'gzip').send(await gzip(bytes));
    },
  );

  app.get(
    '/v1/me/accesses',
    {
      preHandler: requireAuth(runtime.messaging),
      schema: {
        tags: ['log'],
        summary: 'Who accessed your data: your access-log entries with inclusion proofs against the latest checkpoint',
        operationId: 'listMyAccesses',
        security: bearer,
        querystring: Type.Object(
          {
            before: Type.Optional(SeqString),
            limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|500)$', description: '1..500, default 100' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AccessesPage, ...errorResponses },
      },
    },
    async (request) => {
      const subject = actorOf(request);
      const log = runtime.logs.forJurisdiction(subject.home);
      const limit = Math.min(500, Number(request.query.limit ?? 100));
      const before = request.query.before === undefined ? null : Number(request.query.before);
      const checkpoint = log.latestCheckpoint();
      const stored = await log.entriesAbout({ subjectId: subject.id, before, limit });
      const accesses = await Promise.all(
        stored.map(async ({ index, canonical, salt }) => {
          const bytes = Buffer.from(canonical, 'utf8');
          // Entries newer than the latest checkpoint get their proof with the next one (≤ 1 s).
          const proof = index < checkpoint.size ? await log.inclusionProof(index, checkpoint.size) : null;
          return {
            index,
            entry: decodeAccessEntry(bytes),
            canonical,
            leafHash: leafHash(bytes).toString('base64'),
            inclusionProof: proof ? proof.map((h) => Buffer.from(h).toString('base64')) : null,
            // Opens this person's commitment only; the entry's other subjects and its operator stay sealed.
            subjectSalt: salt,
          };
        }),
      );
      return {
        subject: subject.id,
        cell: log.cellId,
        origin: log.origin,
        checkpoint: { size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64'), note: checkpoint.note },
        accesses,
        nextBefore: stored.length === limit ? (stored[stored.length - 1]?.index ?? null) : null,
      };
    },
  );
};
