// buildApp: the Fastify application over a runtime, without listening. Tests drive it with
// inject() or a real socket; the CLI's `serve` listens.
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Runtime } from '../app/runtime.js';
import { errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.js';
import { operatorGate, operatorOf } from './operator-auth.js';
import { authRoutes } from './routes/auth.routes.js';
import { conversationRoutes } from './routes/conversation.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { logRoutes } from './routes/log.routes.js';
import { officialRoutes } from './routes/official.routes.js';
import { payRoutes } from './routes/pay.routes.js';
import { opsControlRoutes } from './routes/ops.control.routes.js';
import { opsDataRoutes } from './routes/ops.data.routes.js';
import { opsIncidentsRoutes } from './routes/ops.incidents.routes.js';
import { opsGovernanceRoutes } from './routes/ops.governance.routes.js';
import { opsMigrationRoutes } from './routes/ops.migration.routes.js';
import { migrationDesk } from '../governance/migration/approval.service.js';
import { migrationContext } from '../cli/migrate.command.js';
import { cachedDataMap, gatherDataMap } from '../governance/reports/data-map.js';
import { accessHistoryFromLogs } from '../governance/reports/access-history.js';
import { policyStatus } from '../governance/policy/policy.status.js';
import { checkNoticeDraft, noticeHistories, recipientViews } from '../governance/transfers/console.views.js';
import { checkPolicyDraft, whatIf } from '../governance/policy/policy.console.js';
import { addOperator, disableOperator } from '../governance/operators/operator.admin.js';
import { incidentDesk } from '../governance/reports/incident-desk.js';
import { logDesk } from '../governance/log/log-status.js';
import { opsRealtimeRoutes } from './routes/ops.realtime.routes.js';
import { opsSessionRoutes } from './routes/ops.session.routes.js';
import { peopleRoutes } from './routes/people.routes.js';
import { privacyRoutes } from './routes/privacy.routes.js';
import { realtimeRoutes } from './routes/realtime.routes.js';
import { reportRoutes } from './routes/report.routes.js';
import { transparencyRoutes } from './routes/transparency.routes.js';
import { imageConsumes } from './schemas.js';
import { addSecurityHeaders } from './security-headers.js';
import { DomainError } from '../errors/catalogue.js';
import { firstTextProblem, textFormats } from '../text/text.rule.js';
import { lazyCompilers } from './lazy.compilers.js';

export interface RouteEntry {
  method: string;
  url: string;
  websocket: boolean;
  /** Status codes (200, 4xx, …) the route's response schema declares. */
  responses: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route this app registered, for inventories and tests. */
    routeInventory: RouteEntry[];
  }
}

export interface BuildAppProps {
  runtime: Runtime;
  /** Folder of the built browser app; served at `/` when it exists. */
  webDir?: string | null;
  /** A pino logger; none means silent (tests). */
  logger?: FastifyBaseLogger;
  /**
   * Compile each route's schemas on first use (lazy.compilers.ts) rather than at boot: what
   * `domicile serve` does. In-process tests build eagerly, so a broken schema fails at boot there.
   */
  lazySchemas?: boolean;
}

export async function buildApp(props: BuildAppProps): Promise<FastifyInstance> {
  const { runtime } = props;
  const limits = runtime.config.limits;
  const app = Fastify({
    // Slow clients are cut off: a request must arrive whole in time (Node checks this every
    // connectionsCheckingInterval), idle and kept-alive connections close.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(limits.requestTimeoutMs / 4))),
    },
    ...(props.logger ? { loggerInstance: props.logger } : { logger: false }),
    trustProxy: runtime.config.trustedProxies.length > 0 ? runtime.config.trustedProxies : false,
    bodyLimit: 64 * 1024,
    // Unknown fields are refused, not silently dropped; types are not coerced.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
      plugins: [(ajv) => Object.entries(textFormats).reduce((a, [name, validate]) => a.addFormat(name, { type: 'string', validate }), ajv)],
    },
    ...(props.lazySchemas === true ? { schemaController: { compilersFactory: lazyCompilers } } : {}),
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Behind trusted proxies every client shares the proxy's address, so the proxy caps connections.
  if (runtime.config.trustedProxies.length === 0) capConnectionsPerAddress(app, limits.connectionsPerAddress);
  app.decorateRequest('auth', null);
  app.decorateRequest('operatorAuth', null);
  const inventory: RouteEntry[] = [];
  app.decorate('routeInventory', inventory);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') inventory.push({ method, url: route.url, websocket: Boolean(route.websocket), responses: Object.keys(route.schema?.response ?? {}) });
    }
  });
  app.setErrorHandler(errorHandler);
  addSecurityHeaders(app);
  // Every string a client sends passes the text rule before any schema or route sees it, so no
  // route can forget it and both backends store exactly what was accepted.
  app.addHook('preValidation', async (request) => {
    const problem = firstTextProblem(request.body, 'body') ?? firstTextProblem(request.query, 'querystring') ?? firstTextProblem(request.params, 'params');
    if (problem) throw new DomainError('VALIDATION_FAILED', problem);
  });
  app.addContentTypeParser(imageConsumes, { parseAs: 'buffer' }, (_request, payload, done) => done(null, payload));

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Domicile API', version: '1', description: 'Messaging whose personal data stays in its home jurisdiction. See docs/api.md.' },
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          session: { type: 'http', scheme: 'bearer', description: 'a person’s session token from POST /v1/auth/signin or /v1/auth/signup' },
          operatorSession: { type: 'http', scheme: 'bearer', description: 'an operator’s session token from POST /v1/ops/auth/signin' },
          auditorToken: { type: 'http', scheme: 'bearer', description: 'an auditor token made with `domicile log auditor add <name>`' },
        },
      },
    },
    // OpenAPI has no wildcard path parameter: the tile route's `*` is documented as {path}.
    transform: ({ schema, url }) => {
      if (!url.endsWith('/*')) return { schema, url };
      const params = schema.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
      const properties = { ...params?.properties };
      properties['path'] = properties['*'];
      delete properties['*'];
      return {
        schema: { ...schema, params: { ...params, properties, required: (params?.required ?? []).map((name) => (name === '*' ? 'path' : name)) } },
        url: `${url.slice(0, -1)}:path`,
      };
    },
    // The WebSocket upgrade is a route like any other; OpenAPI has no verb for it, so it is
    // documented as the GET that upgrades.
    transformObject: (documents) => {
      if (!('openapiObject' in documents)) return documents.swaggerObject;
      const doc = documents.openapiObject;
      return {
        ...doc,
        paths: {
          ...doc.paths,
          '/v1/ws': {
            get: {
              tags: ['realtime'],
              summary: 'WebSocket upgrade; frames are described in docs/api.md',
              operationId: 'openRealtime',
              // The token goes in the first frame (hello), not in a header.
              security: [],
              responses: { '101': { description: 'Switching Protocols' } },
            },
          },
          '/v1/ops/ws': {
            get: {
              tags: ['operators'],
              summary: 'Operator WebSocket upgrade; frames are described in docs/api.md',
              operationId: 'openOperatorRealtime',
              security: [],
              responses: { '101': { description: 'Switching Protocols' } },
            },
          },
        },
      };
    },
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 }, errorHandler: websocketErrorHandler });

  // Each plugin gets only what it uses. Operator routes get the broker and governance parts that
  // hold ids and codes, each as a fresh object of just those functions: nothing they are given
  // reaches a cell database (eslint.config.js keeps their imports to the same rule).
  const { governance } = runtime;
  const gate = operatorGate(governance);
  await app.register(healthRoutes, { cells: runtime.cells });
  await app.register(authRoutes, { messaging: runtime.messaging });
  await app.register(peopleRoutes, { messaging: runtime.messaging });
  await app.register(conversationRoutes, { messaging: runtime.messaging });
  await app.register(officialRoutes, { messaging: runtime.messaging });
  await app.register(payRoutes, { messaging: runtime.messaging, pay: runtime.pay });
  await app.register(realtimeRoutes, { messaging: runtime.messaging, hub: runtime.hub });
  await app.register(logRoutes, { logs: runtime.logs, cells: runtime.cells, directory: runtime.directory, messaging: runtime.messaging, config: runtime.config });
  await app.register(transparencyRoutes, { transfers: runtime.transfers, logs: runtime.logs, cells: runtime.cells });
  await app.register(privacyRoutes, {
    messaging: runtime.messaging,
    transfers: runtime.transfers,
    logs: runtime.logs,
    cells: runtime.cells,
    directory: runtime.directory,
    dataDir: runtime.config.dataDir,
    blocked: () => runtime.governance.cutoff.list(),
  });
  await app.register(reportRoutes, { messaging: runtime.messaging, governance: { cases: governance.cases, presence: governance.presence } });
  await app.register(opsSessionRoutes, {
    gate,
    operators: {
      signIn: (props) => governance.operators.signIn(props),
      // The session's own sockets close with the sign-out, not at their next frame.
      signOut: async (sessionId) => {
        await governance.operators.signOut(sessionId);
        await governance.closeEndedSessions();
      },
    },
  });
  await app.register(opsDataRoutes, {
    gate,
    broker: { access: (request) => governance.broker.access(request) },
    cases: { find: (ref) => governance.cases.find(ref) },
  });
  await app.register(opsControlRoutes, {
    gate,
    governance: {
      cases: {
        openCase: (props) => governance.cases.openCase(props),
        approve: (props) => governance.cases.approve(props),
        find: (ref) => governance.cases.find(ref),
        list: (props) => governance.cases.list(props),
        close: (props) => governance.cases.close(props),
      },
      grants: {
        request: (props) => governance.grants.request(props),
        approve: (props) => governance.grants.approve(props),
        deny: (props) => governance.grants.deny(props),
        revoke: (props) => governance.grants.revoke(props),
        get: (id) => governance.grants.get(id),
        list: (props) => governance.grants.list(props),
      },
      cutoff: { block: (props) => governance.cutoff.block(props), unblock: (props) => governance.cutoff.unblock(props), list: () => governance.cutoff.list() },
      operators: { list: () => governance.operators.list() },
      presence: { broadcast: (frame) => governance.presence.broadcast(frame) },
      journal: { flush: () => governance.journal.flush() },
      subjectsOf: (ids) => governance.subjectsOf(ids),
      actorOf: (operator, origin) => governance.actorOf(operator, origin),
      enforceBlocks: (countries) => governance.enforceBlocks(countries),
    },
  });
  const logStatus = logDesk({ logs: runtime.logs, cells: runtime.cells, dataDir: runtime.config.dataDir, now: runtime.transfers.now });
  const desk = incidentDesk({ cells: runtime.cells, directory: runtime.directory, dataDir: runtime.config.dataDir, registries: runtime.transfers.registries, now: runtime.transfers.now });
  await app.register(opsIncidentsRoutes, {
    gate,
    incidents: { list: () => desk.list(), open: (props) => desk.open(props), report: (props) => desk.report(props), render: (props) => desk.render(props) },
    logs: { list: () => logStatus.list(), verify: (cellId) => logStatus.verify(cellId) },
  });
  const transfers = runtime.transfers;
  const accessHistory = accessHistoryFromLogs({ logs: runtime.logs, cells: runtime.cells });
  const dataMap = cachedDataMap({ gather: (at) => gatherDataMap({ cells: runtime.cells, accessHistory, at }), now: () => transfers.now() });
  await app.register(opsGovernanceRoutes, {
    gate,
    console: {
      dataMap,
      recipients: () => {
        const at = transfers.now();
        return { at: at.toISOString(), recipients: recipientViews(transfers.registries, at) };
      },
      notices: () => noticeHistories(transfers.notices, transfers.now()),
      policies: () => policyStatus(governance.policy()),
      checkNotice: (draft) => checkNoticeDraft(draft, transfers.registries),
      checkPolicies: (files) => checkPolicyDraft({ engine: governance.policy().engine, files }),
      applyPolicies: (props) => governance.applyPolicies(props),
      whatIf: async ({ operatorId, question }) => {
        const operator = await governance.operators.find(operatorId);
        if (!operator) throw new DomainError('NOT_FOUND', `no operator "${operatorId}"`);
        const blockedJurisdictions = governance.cutoff.list();
        const answer = whatIf({ engine: governance.policy().engine, question: { ...question, operator, blockedJurisdictions } });
        return { ...answer, blockedJurisdictions };
      },
      addOperator: ({ input, actor }) =>
        addOperator({ operators: governance.operators, recipients: transfers.registries.recipientsFile.recipients, input, actor, issuer: `Domicile (${runtime.config.deployment})` }),
      disableOperator: ({ id, by, actor }) => disableOperator({ operators: governance.operators, id, by, actor, closeEndedSessions: () => governance.closeEndedSessions() }),
    },
    actorOf: (request) => {
      const { operator, origin } = operatorOf(request);
      return governance.actorOf(operator, origin);
    },
  });
  await app.register(opsMigrationRoutes, {
    gate,
    actorOf: (operator, origin) => governance.actorOf(operator, origin),
    desk: migrationDesk({
      ctx: migrationContext(runtime),
      journal: governance.journal,
      dataDir: runtime.config.dataDir,
      approvalSubjects: limits.migrationApprovalSubjects,
    }),
  });
  await app.register(opsRealtimeRoutes, {
    gate,
    broker: { access: (request) => governance.broker.access(request) },
    presence: { add: (connection) => governance.presence.add(connection), remove: (connection) => governance.presence.remove(connection) },
  });

  const webDir = props.webDir === undefined ? defaultWebDir() : props.webDir;
  if (webDir && fs.existsSync(path.join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: 'index.html' });
    // Client-side routes get their app (the operator console under /ops, the chat app elsewhere);
    // unknown API paths keep their JSON 404.
    const hasConsole = fs.existsSync(path.join(webDir, 'ops.html'));
    app.setNotFoundHandler((request, reply) => {
      const api = ['/v1/', '/log/', '/.well-known/'].some((p) => request.url.startsWith(p));
      if (request.method !== 'GET' || api) return notFoundHandler(request, reply);
      const wantsConsole = hasConsole && (request.url === '/ops' || request.url.startsWith('/ops/') || request.url.startsWith('/ops?'));
      return reply.sendFile(wantsConsole ? 'ops.html' : 'index.html');
    });
  } else {
    app.setNotFoundHandler(notFoundHandler);
  }
  await app.ready();
  return app;
}

/** Destroys a new TCP connection from a peer address that already holds `max` open ones. */
function capConnectionsPerAddress(app: FastifyInstance, max: number): void {
  const open = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/**
 * Errors on an open WebSocket. A frame over the size limit is the client's fault (ws closes the
 * socket with 1009): a warning, not a server error. Anything else is logged as an error and the
 * socket ends.
 */
function websocketErrorHandler(error: Error, socket: WebSocket, request: FastifyRequest): void {
  if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    request.log.warn({ code: 'PAYLOAD_TOO_LARGE', url: request.url.split('?')[0] }, 'websocket frame over the size limit; socket closed with 1009');
    return;
  }
  request.log.error({ err: error }, 'websocket error');
  socket.terminate();
}

/** web/dist beside the package root, from src/http or dist/src/http. */
export function defaultWebDir(): string | null {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 5; i += 1) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'web', 'dist');
    dir = path.dirname(dir);
  }
  return null;
}
