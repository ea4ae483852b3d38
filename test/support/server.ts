// A real Domicile server for tests: its own data directory, cells on SQLite or PostgreSQL,
// listening on a free loopback port, torn down afterwards.
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import WebSocket from 'ws';
import { finishConfig, type ConfigFile, type LimitsFile } from '../../src/config/config.js';
import { openRuntime, type Runtime, type RuntimeOptions } from '../../src/app/runtime.js';
import { buildApp } from '../../src/http/app.js';
import { seedDemo } from '../../src/demo/demo.world.js';
import type { Dialect } from '../../src/db/connect.js';
import type { PlacementRule } from '../../src/cells/placement.js';
import { assertRequestedDialect, requestedTestDialect, tempDir } from './databases.js';
import { freshMigratedPostgresUrl } from './pg-template.js';
import { storyRules } from './factories.js';

export interface TestServer {
  url: string;
  wsUrl: string;
  app: FastifyInstance;
  runtime: Runtime;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestServerProps {
  dialect?: Dialect;
  /** Puts the directory on the same dialect as the cells (it is a SQLite file otherwise). */
  directoryOnDialect?: boolean;
  rules?: PlacementRule[];
  demo?: boolean;
  /** Serve web/dist (the browser app); off by default. */
  web?: boolean;
  dataDir?: string;
  /** Registries, notices or clock of the transfer gate; the repository's and real time by default. */
  transfers?: RuntimeOptions['transfers'];
  /** Addresses whose X-Forwarded-For is believed (tests pose as other countries from loopback). */
  trustedProxies?: string[];
  /** Demo mode: operators on loopback may simulate a source address. */
  demoMode?: boolean;
  /** Sync SQLite message batches off the main thread (config `storage.deferSync`). */
  deferSync?: boolean;
  /** Cedar policy directory; the project's policies/ by default. */
  policyDir?: string;
  /** Top-ups from the simulated bank; on by default in tests. */
  simulatedFunding?: boolean;
  /**
   * Run as a serving process (the default, as it listens): poll for blocks made by the CLI,
   * expire grants, write governance events to the access logs, watch the policy files.
   */
  serving?: boolean;
  /** Time-outs, caps and rate limits; the test defaults let one loopback address sign up and send freely. */
  limits?: LimitsFile;
  /** Compile route schemas on first use, as `domicile serve` does (test/http/lazy-schemas.test.ts). */
  lazySchemas?: boolean;
}

/** Generous limits for tests that make many accounts, groups and messages from one address. */
export const testLimits: LimitsFile = { signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000, groupsPerHour: 100_000 };

/**
 * The cells of servers whose test names no dialect: SQLite, or PostgreSQL (cells and directory)
 * with DOMICILE_TEST_DB=postgres, to run the end-to-end and browser tests once on PostgreSQL.
 */
export const defaultTestDialect: Dialect = requestedTestDialect();

export async function buildTestConfig(props: TestServerProps = {}) {
  const dataDir = props.dataDir ?? tempDir('domicile-data');
  const dialect = props.dialect ?? defaultTestDialect;
  const directoryOnDialect = props.directoryOnDialect ?? (props.dialect === undefined && defaultTestDialect === 'postgres');
  const file: ConfigFile = {
    deployment: 'domicile.test',
    port: 0,
    host: '127.0.0.1',
    dataDir,
    cells: [
      { id: 'jp', jurisdiction: 'JP', ...(dialect === 'postgres' ? { database: await freshMigratedPostgresUrl({ cell: 'jp' }, 'jp') } : {}) },
      { id: 'kr', jurisdiction: 'KR', ...(dialect === 'postgres' ? { database: await freshMigratedPostgresUrl({ cell: 'kr' }, 'kr') } : {}) },
    ],
    ...(directoryOnDialect && dialect === 'postgres' ? { directory: { database: await freshMigratedPostgresUrl('directory', 'directory') } } : {}),
    placement: { rules: props.rules ?? storyRules },
    ...(props.trustedProxies ? { trustedProxies: props.trustedProxies } : {}),
    ...(props.demoMode ? { demo: true } : {}),
    ...(props.policyDir ? { policyDir: props.policyDir } : {}),
    pay: { simulatedFunding: props.simulatedFunding ?? true },
    limits: { ...testLimits, ...props.limits },
    ...(props.deferSync ? { storage: { deferSync: true } } : {}),
  };
  return finishConfig({ ...file }, {}, process.cwd(), null);
}

export async function startTestServer(props: TestServerProps = {}): Promise<TestServer> {
  const config = await buildTestConfig(props);
  assertRequestedDialect(config, 'a test server');
  // Errors only, to stderr: a 500 or a failed background job in a test says why in the run's output (CI keeps nothing else).
  const logger = pino({ level: 'error', base: null }, pino.destination(2));
  const runtime = await openRuntime(config, {
    ...(props.transfers ? { transfers: props.transfers } : {}),
    serving: props.serving ?? true,
    onBackgroundError: (err, what) => logger.error({ err }, `${what} failed`),
  });
  if (props.demo) await seedDemo(runtime);
  const app = await buildApp({ runtime, logger, webDir: props.web ? undefined : null, ...(props.lazySchemas ? { lazySchemas: true } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    app,
    runtime,
    dataDir: config.dataDir,
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

/** A JSON API client bound to one server and, after sign-in, one token. */
export class ApiClient {
  token: string | null = null;
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; raw: Buffer; headers: Headers }> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (this.token) (init.headers as Record<string, string>).authorization = `Bearer ${this.token}`;
    if (body instanceof Uint8Array) {
      init.body = Buffer.from(body) as unknown as BodyInit;
    } else if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, init);
    const raw = Buffer.from(await res.arrayBuffer());
    let parsed: unknown = null;
    if ((res.headers.get('content-type') ?? '').includes('json') && raw.length > 0) parsed = JSON.parse(raw.toString());
    return { status: res.status, body: parsed, raw, headers: res.headers };
  }

  async signUp(user: { handle: string; home?: string; displayName?: string; password?: string; email?: string }) {
    const res = await this.request('POST', '/v1/auth/signup', {
      handle: user.handle,
      displayName: user.displayName ?? user.handle,
      password: user.password ?? 'correct horse battery',
      home: user.home ?? 'JP',
      email: user.email ?? `${user.handle}@example.test`,
    });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.token = (res.body as { token: string }).token;
    return res.body as { token: string; user: { id: string } };
  }

  async signIn(login: string, password: string) {
    const res = await this.request('POST', '/v1/auth/signin', { login, password });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.token = (res.body as { token: string }).token;
    return res.body;
  }
}

/** A realtime client that records every frame it receives. */
export class RealtimeClient {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: { test: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }[] = [];
  /** Set by `dropWhen`: frames that still arrive are not taken (lost with the connection). */
  private dropped = false;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      if (this.dropped) return;
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static async connect(wsUrl: string, token: string, cursors?: Record<string, number>): Promise<RealtimeClient> {
    const socket = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RealtimeClient(socket);
    const caughtUp = client.next((f) => f.type === 'caught-up');
    socket.send(JSON.stringify({ type: 'hello', token, ...(cursors ? { cursors } : {}) }));
    await caughtUp;
    return client;
  }

  next(test: (f: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /**
   * Drops the connection abruptly (no close handshake) right after the frame that makes `test`
   * true: frames the client library already holds behind it are lost with it, as they would be on
   * a broken network, so the client has seen exactly up to that frame. Resolves once closed.
   */
  async dropWhen(test: () => boolean, timeoutMs = 5000): Promise<void> {
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    await this.next(() => {
      if (!test()) return false;
      this.dropped = true;
      this.socket.terminate();
      return true;
    }, timeoutMs);
    await closed;
  }

  messages(conversationId?: string): { seq: number; text: string | null; id: string }[] {
    return this.frames
      .filter((f) => f.type === 'message')
      .map((f) => f.message as { seq: number; text: string | null; id: string; conversationId: string })
      .filter((m) => !conversationId || m.conversationId === conversationId);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/**
 * Signups refused by the route's request schema — a wrong type, then an unknown field (the second
 * refusal reads a validator's errors again) — answer 400 with the stable code and the schema's
 * message, and make no account.
 */
export async function expectSchemaRefusals(server: TestServer): Promise<void> {
  const client = new ApiClient(server.url);
  const wrongType = await client.request('POST', '/v1/auth/signup', { handle: 42, displayName: 'x', password: 'password123', home: 'JP', email: 'x@example.test' });
  expect(wrongType.status).toBe(400);
  expect((wrongType.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  const unknown = await client.request('POST', '/v1/auth/signup', { handle: 'ghost', displayName: 'x', password: 'password123', home: 'JP', email: 'g@example.test', admin: true });
  expect(unknown.status).toBe(400);
  expect((unknown.body as { error: { message: string } }).error.message).toMatch(/additional properties/);
  expect(await server.runtime.directory.find('ghost')).toBeNull();
}

