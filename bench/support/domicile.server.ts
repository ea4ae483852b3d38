// A real `domicile serve` for load generators: its own process (cells `jp` and `kr` on SQLite (WAL,
// durable commits) or, with `db: 'postgres'`, on a throwaway PostgreSQL cluster from the system's
// binaries with fsync on, directory included), optionally pinned to one CPU, with the abuse
// limits raised so they never bite a generator on loopback; plus sign-up of 1:1 chat pairs and
// their WebSocket clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/local-services.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface DomicileServer {
  base: string;
  wsUrl: string;
  process: ChildProcess;
  /** CPU seconds the server has used (user + system), from /proc; NaN where there is none. */
  cpuSeconds(): number;
  /**
   * The same split by thread (/proc/<pid>/task): the main thread (sockets, checks, sealing) and
   * the cells' message-writer worker threads (their commits, fsync included); the rest is GC,
   * libuv's pool and the like.
   */
  threadCpuSeconds(): { main: number; writer: number };
  /** The PostgreSQL cluster holding the cells and the directory (`db: 'postgres'`), else null. */
  postgres: LocalPostgres | null;
  stop(): Promise<void>;
}

export type BenchDb = 'sqlite' | 'postgres';

/** The `--db` option of a bench: sqlite (the default) or postgres. */
export function benchDb(value: string | undefined): BenchDb {
  if (value === undefined || value === 'sqlite' || value === 'postgres') return value ?? 'sqlite';
  throw new Error(`--db ${value}: use sqlite or postgres`);
}

/** A throwaway PostgreSQL cluster (fsync on) under `dir` with empty databases `names`. */
export async function startBenchPostgres(props: { dir: string; port: number; databases: readonly string[] }): Promise<LocalPostgres> {
  fs.chmodSync(props.dir, 0o755);
  const postgres = startLocalPostgres({ dir: path.join(props.dir, 'pg'), port: props.port, stdio: 'pipe' });
  await postgres.ensureDatabases(props.databases, true);
  return postgres;
}

export async function startDomicile(props: {
  port: number;
  cpu?: string | undefined;
  nodeFlags?: string[];
  db?: BenchDb;
  /** Runs with the configuration file written, before the server starts (to seed its data directly). */
  prepare?: (configFile: string) => Promise<void>;
}): Promise<DomicileServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-'));
  const configFile = path.join(dir, 'domicile.config.json');
  const limits = { connectionsPerAddress: 100_000, socketsPerAddress: 100_000, signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000 };
  const postgres = props.db === 'postgres' ? await startBenchPostgres({ dir, port: props.port + 1, databases: ['bench_jp', 'bench_kr', 'bench_directory'] }) : null;
  const cells = [
    { id: 'jp', jurisdiction: 'JP', ...(postgres ? { database: `${postgres.base}/bench_jp` } : {}) },
    { id: 'kr', jurisdiction: 'KR', ...(postgres ? { database: `${postgres.base}/bench_kr` } : {}) },
  ];
  const directory = postgres ? { directory: { database: `${postgres.base}/bench_directory` } } : {};
  fs.writeFileSync(configFile, JSON.stringify({ dataDir: path.join(dir, 'data'), cells, ...directory, limits }));
  await props.prepare?.(configFile);
  const args = [...(props.nodeFlags ?? []), '--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'serve', '--config', configFile];
  const child = spawn(props.cpu !== undefined ? 'taskset' : process.execPath, props.cpu !== undefined ? ['-c', props.cpu, process.execPath, ...args] : args, {
    env: { ...process.env, PORT: String(props.port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${props.port}`;
  const server: DomicileServer = {
    base,
    wsUrl: `ws://127.0.0.1:${props.port}/v1/ws`,
    process: child,
    postgres,
    cpuSeconds: () => statCpuSeconds(`/proc/${child.pid}/stat`),
    threadCpuSeconds() {
      const split = { main: 0, writer: 0 };
      try {
        for (const tid of fs.readdirSync(`/proc/${child.pid}/task`)) {
          const name = fs.readFileSync(`/proc/${child.pid}/task/${tid}/comm`, 'utf8').trim();
          if (tid === String(child.pid)) split.main += statCpuSeconds(`/proc/${child.pid}/task/${tid}/stat`);
          else if (name === 'message-writer') split.writer += statCpuSeconds(`/proc/${child.pid}/task/${tid}/stat`);
        }
      } catch {
        return { main: NaN, writer: NaN };
      }
      return split;
    },
    async stop() {
      // Waits for the process to be gone: a run started right after needs its port.
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      postgres?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return server;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  postgres?.stop();
  throw new Error('domicile did not start in 60 s');
}

/** User + system CPU seconds from a /proc stat file; NaN where there is none. */
function statCpuSeconds(file: string): number {
  try {
    const fields = fs.readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** POSTs JSON to a node and returns its JSON answer; a non-2xx answer throws. */
export async function post(base: string, pathname: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** A frame as the generator sees it: its type, and the send time a `message` carries as `t:<ms>`. */
export interface SeenFrame {
  type: string;
  sentAt?: number;
}

/** Opens an authenticated socket; resolves after `caught-up`. */
export async function connectDomicile(wsUrl: string, token: string, onFrame: (frame: SeenFrame) => void): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const ready = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      const raw = String(data);
      // The generator must not be the bottleneck it measures: frames are classified by their
      // leading type and only the timestamp is read, instead of parsing every frame.
      const type = /^\{"type":"([a-z-]+)"/.exec(raw)?.[1] ?? '';
      if (type === 'caught-up') resolve();
      else if (type === 'message') {
        const at = /"text":"t:([0-9.]+)"/.exec(raw)?.[1];
        onFrame(at ? { type, sentAt: Number(at) } : { type });
      } else onFrame({ type });
    });
  });
  socket.send(JSON.stringify({ type: 'hello', token }));
  await ready;
  return socket;
}

export interface DomicilePair {
  sender: WebSocket;
  conversationId: string;
}

/**
 * Signs up `pairs` sender/receiver pairs (half of the senders Korean, so half of the chats are
 * stored in the KR cell), opens a direct chat for each and a socket for every person.
 */
export async function openDomicilePairs(props: {
  server: Pick<DomicileServer, 'base' | 'wsUrl'>;
  pairs: number;
  prefix?: string;
  onSenderFrame: (frame: SeenFrame) => void;
  /** `pair` is the pair's index in the answer. */
  onReceiverFrame: (frame: SeenFrame, pair: number) => void;
}): Promise<DomicilePair[]> {
  const { server, prefix = '' } = props;
  const out: DomicilePair[] = [];
  for (let i = 0; i < props.pairs; i += 1) {
    const signup = (handle: string, home: string) =>
      post(server.base, '/v1/auth/signup', { handle, displayName: handle, password: 'bench-password', home, email: `${handle}@bench.test` }) as Promise<{ token: string }>;
    const a = await signup(`${prefix}sender${i}`, i % 2 ? 'KR' : 'JP');
    const b = await signup(`${prefix}recvr${i}`, 'JP');
    const conversation = (await post(server.base, '/v1/conversations', { kind: 'direct', memberIds: [`${prefix}recvr${i}`] }, a.token)) as { id: string };
    const sender = await connectDomicile(server.wsUrl, a.token, props.onSenderFrame);
    await connectDomicile(server.wsUrl, b.token, (frame) => props.onReceiverFrame(frame, i));
    out.push({ sender, conversationId: conversation.id });
  }
  return out;
}

/** A `send` frame whose text carries the send time, for the receiver to measure latency. */
export function sendFrame(pair: DomicilePair, clientId: string, sentAt: number): string {
  return JSON.stringify({ type: 'send', clientId, conversationId: pair.conversationId, text: `t:${sentAt}` });
}
