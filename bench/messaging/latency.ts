// Where the fixed latency of a send goes at low load: the server runs in this process (SQLite
// cells, durable commits), WebSocket clients on loopback send 1:1 messages at a low offered rate,
// and timestamps are taken from outside the code — listeners on the server's sockets, wrappers
// around the message writer and the hub, and around the raw SQLite `begin`/`commit` statements —
// so nothing is logged on the hot path itself. Prints p50/p99 of each stage, in ms.
//
//   npx tsx bench/messaging/latency.ts [--rate 100] [--seconds 5] [--pairs 10] [--defer-sync]
//
// `--defer-sync` runs with `storage.deferSync` (the WAL's fsync on the thread pool after a NORMAL
// commit): the fsync then shows in "commit end → stored", not in "commit".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { finishConfig } from '../../src/config/config.js';
import { openRuntime } from '../../src/app/runtime.js';
import { buildApp } from '../../src/http/app.js';
import { signUp } from '../../src/messaging/account.service.js';
import { createConversation } from '../../src/messaging/conversation.service.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '10' },
    'defer-sync': { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const pairs = Number(values.pairs);
const now = (): number => performance.now();

// Every `begin immediate` and `commit` run on a raw statement: [start, end] in ms.
const begins: number[] = [];
const commits: [number, number][] = [];
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: Database.Database, source: string) {
  const statement = prepare.call(this, source);
  const kind = /^\s*begin immediate\s*$/i.test(source) ? 'begin' : /^\s*commit\s*$/i.test(source) ? 'commit' : null;
  if (!kind) return statement;
  const run = statement.run.bind(statement) as (...args: unknown[]) => Database.RunResult;
  statement.run = (...args: unknown[]) => {
    const start = now();
    const result = run(...args);
    if (kind === 'begin') begins.push(start);
    else commits.push([start, now()]);
    return result;
  };
  return statement;
} as typeof prepare;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-latency-'));
const config = finishConfig(
  {
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    cells: [
      { id: 'jp', jurisdiction: 'JP' },
      { id: 'kr', jurisdiction: 'KR' },
    ],
    limits: { signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000, socketsPerAddress: 100_000, connectionsPerAddress: 100_000 },
    ...(values['defer-sync'] ? { storage: { deferSync: true } } : {}),
  },
  {},
  process.cwd(),
  null,
);
const runtime = await openRuntime(config, { serving: false });
const app = await buildApp({ runtime, webDir: null });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const wsUrl = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/ws`;

/** Per clientId: the time of each stage. */
interface Trace {
  sent?: number;
  received?: number;
  queued?: number;
  stored?: number;
  emitted?: number;
  delivered?: number;
}
const traces = new Map<string, Trace>();
/** The bench's client id of a message, from its text (`hello <n>` is sent with client id `m<n>`). */
const clientIdOf = (text: string | null | undefined): string | null => {
  const n = /^hello (\d+)$/.exec(text ?? '')?.[1];
  return n === undefined ? null : `m${n}`;
};
const trace = (clientId: string): Trace => {
  let t = traces.get(clientId);
  if (!t) traces.set(clientId, (t = {}));
  return t;
};

// The server side of every socket: when a frame arrives.
app.websocketServer.on('connection', (socket: WebSocket) => {
  socket.on('message', (data) => {
    const text = String(data);
    const match = /"clientId":"([^"]+)"/.exec(text);
    if (match?.[1] && text.includes('"send"')) trace(match[1]).received = now();
  });
});
for (const [id, writer] of runtime.messaging.messageWriters) {
  const write = writer.write.bind(writer);
  runtime.messaging.messageWriters.set(id, {
    ...writer,
    write(input) {
      const t = trace(input.clientId);
      t.queued = now();
      const result = write(input);
      result.then(() => (t.stored = now()), () => undefined);
      return result;
    },
  });
}
const emit = runtime.hub.emit.bind(runtime.hub);
runtime.hub.emit = (event) => {
  const clientId = event.type === 'message' ? clientIdOf(event.message.text) : null;
  if (clientId) trace(clientId).emitted = now();
  emit(event);
};

process.stderr.write(`signing up ${pairs} pairs…\n`);
const ctx = runtime.messaging;
const senders: { socket: WebSocket; conversationId: string }[] = [];
const open = (token: string, onFrame?: (frame: { type: string; message?: { text?: string | null } }) => void): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl);
    socket.once('error', reject);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: { text?: string | null } };
      if (frame.type === 'caught-up') resolve(socket);
      onFrame?.(frame);
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token })));
  });
for (let i = 0; i < pairs; i += 1) {
  const a = await signUp({ ctx, handle: `sender${i}`, displayName: 'S', password: 'bench-password', home: i % 2 ? 'KR' : 'JP', email: `s${i}@bench.test` });
  const b = await signUp({ ctx, handle: `recvr${i}`, displayName: 'R', password: 'bench-password', home: 'JP', email: `r${i}@bench.test` });
  const actor = await runtime.directory.get(`sender${i}`);
  const { conversation } = await createConversation({ ctx, actor, kind: 'direct', memberIds: [`recvr${i}`] });
  await open(b.token, (frame) => {
    const clientId = frame.type === 'message' ? clientIdOf(frame.message?.text) : null;
    if (clientId) trace(clientId).delivered = now();
  });
  senders.push({ socket: await open(a.token), conversationId: conversation.id });
}

process.stderr.write(`offering ${rate} msg/s for ${seconds} s…\n`);
const total = rate * seconds;
const start = now();
for (let n = 0; n < total; n += 1) {
  const due = start + (n * 1000) / rate;
  const wait = due - now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const sender = senders[n % pairs] as (typeof senders)[number];
  const clientId = `m${n}`;
  trace(clientId).sent = now();
  sender.socket.send(JSON.stringify({ type: 'send', clientId, conversationId: sender.conversationId, text: `hello ${n}` }));
}
await new Promise((resolve) => setTimeout(resolve, 1000));

/** The first batch `begin` at or after `t`, and the first commit that ends after it. */
function batchOf(t: number): { begin: number; commitStart: number; commitEnd: number } | null {
  const begin = begins.find((b) => b >= t);
  const commit = begin === undefined ? undefined : commits.find(([, end]) => end >= begin);
  return begin === undefined || !commit ? null : { begin, commitStart: commit[0], commitEnd: commit[1] };
}
const stages: Record<string, number[]> = {
  'client send → server frame event': [],
  'frame event → writer.write (parse, text rule, schema, checks)': [],
  'writer.write → begin (batch window, keys)': [],
  'begin → commit (statements)': [],
  'commit (fsync)': [],
  'commit end → stored (settle)': [],
  'stored → emit': [],
  'emit → recipient frame (ws send, loopback, parse)': [],
  'total: send → recipient frame': [],
};
let complete = 0;
for (const t of traces.values()) {
  if (t.sent === undefined || t.received === undefined || t.queued === undefined || t.stored === undefined || t.emitted === undefined || t.delivered === undefined) continue;
  const batch = batchOf(t.queued);
  if (!batch || batch.commitEnd > t.stored) continue;
  complete += 1;
  const push = (name: string, ms: number): void => void stages[name]?.push(ms);
  push('client send → server frame event', t.received - t.sent);
  push('frame event → writer.write (parse, text rule, schema, checks)', t.queued - t.received);
  push('writer.write → begin (batch window, keys)', batch.begin - t.queued);
  push('begin → commit (statements)', batch.commitStart - batch.begin);
  push('commit (fsync)', batch.commitEnd - batch.commitStart);
  push('commit end → stored (settle)', t.stored - batch.commitEnd);
  push('stored → emit', t.emitted - t.stored);
  push('emit → recipient frame (ws send, loopback, parse)', t.delivered - t.emitted);
  push('total: send → recipient frame', t.delivered - t.sent);
}
const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const rows = Object.entries(stages).map(([stage, xs]) => ({ stage, p50: Number(quantile(xs, 0.5).toFixed(3)), p99: Number(quantile(xs, 0.99).toFixed(3)) }));
process.stdout.write(`${JSON.stringify({ rate, seconds, pairs, deferSync: values['defer-sync'], messages: total, traced: complete })}\n`);
for (const r of rows) process.stdout.write(`| ${r.stage} | ${r.p50} | ${r.p99} |\n`);
for (const s of senders) s.socket.close();
await app.close();
await runtime.close();
fs.rmSync(dir, { recursive: true, force: true });
