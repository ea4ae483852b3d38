// Many concurrent authenticated WebSockets on one node: a real `domicile serve` (SQLite cells,
// durable commits) in its own process, 10,000 people and their sessions seeded straight into the
// directory and the JP cell before it starts (no 10,000 HTTP sign-ups), one direct chat per pair
// of people among the first 2 × `--pairs` (made over HTTP), then one socket per person, all from this process. It reports the
// server's resident memory (VmRSS now, VmHWM the peak, from /proc) with every socket open and
// idle, then under a fixed offered load of messages between random ones of those pairs (each message from one
// member of a pair to the other; latency from send to the recipient's socket, p50/p99, lost).
//
//   ulimit -n 10500   # each side holds one descriptor per socket (checked before the seeding)
//   npx tsx bench/messaging/sockets.ts [--users 10000] [--pairs 500] [--rate 1000] [--seconds 10] [--warmup 2] [--server-cpu 0]
//
// All sockets come from 127.0.0.1, so the server's per-address caps (`limits.socketsPerAddress`,
// default 100, and `limits.connectionsPerAddress`, default 256) are raised in the bench server's
// configuration (bench/support/domicile.server.ts); `limits.socketsPerUser` is not in play (one
// socket per person).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { openRuntime } from '../../src/app/runtime.js';
import { newId } from '../../src/cells/ids.js';
import { finishConfig } from '../../src/config/config.js';
import { hashPassword } from '../../src/crypto/password.js';
import { connectDomicile, post, startDomicile } from '../support/domicile.server.js';
import { LatencyWindow, offerLoad } from '../support/offered-load.js';
import { checkOpenFiles } from '../support/open-files.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    pairs: { type: 'string', default: '500' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    port: { type: 'string', default: '18090' },
    'server-cpu': { type: 'string' },
  },
});
const users = Number(values.users);
// Chats are made over HTTP (tens a second on a loaded machine), so the load runs among the first
// `--pairs` pairs while every other socket stays open and idle.
const pairs = Math.min(Number(values.pairs), Math.floor(users / 2));
const handle = (i: number): string => `sock${String(i).padStart(6, '0')}`;
const log = (text: string): boolean => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

/** People, accounts and sessions written directly, in a few large transactions; returns the tokens. */
async function seed(configFile: string): Promise<string[]> {
  const file = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const runtime = await openRuntime(finishConfig(file, {}, process.cwd(), configFile));
  const jp = runtime.cells.get('jp');
  const at = new Date().toISOString();
  const passwordHash = await hashPassword('bench-password-1234');
  const personal = (id: string, category: string) => ({ subject_id: id, subject_home: 'JP', category, cell_id: 'jp', scope_home: 'JP', scope_class: 'consumer' });
  const tokens: string[] = [];
  const sessions: { id: string; subject: string; hash: string }[] = [];
  for (let i = 0; i < users; i += 1) {
    const secret = crypto.randomBytes(24).toString('base64url');
    const id = newId();
    sessions.push({ id, subject: handle(i), hash: crypto.createHash('sha256').update(secret).digest('base64') });
    tokens.push(`${id}.${secret}`);
  }
  const step = 250;
  await runtime.directory.db.transaction().execute(async (trx) => {
    for (let i = 0; i < users; i += step) {
      const ids = Array.from({ length: Math.min(step, users - i) }, (_, k) => i + k);
      await trx.insertInto('subject').values(ids.map((n) => ({ id: handle(n), kind: 'user', home: 'JP', class: 'consumer', created_at: at }))).execute();
      await trx.insertInto('record_location').values(ids.map((n) => ({ kind: 'session', id: (sessions[n] as (typeof sessions)[number]).id, cell_id: 'jp' }))).execute();
    }
  });
  await jp.db.transaction().execute(async (trx) => {
    for (let i = 0; i < users; i += step) {
      const ids = Array.from({ length: Math.min(step, users - i) }, (_, k) => i + k);
      await trx
        .insertInto('account')
        .values(ids.map((n) => ({ id: handle(n), handle: handle(n), display_name: handle(n), kind: 'user', class: 'consumer', password_hash: passwordHash, avatar_media_id: null, created_at: at, ...personal(handle(n), 'user.account') })))
        .execute();
      await trx
        .insertInto('session')
        .values(ids.map((n) => {
          const s = sessions[n] as (typeof sessions)[number];
          return { id: s.id, token_hash: s.hash, created_at: at, last_seen_at: at, revoked_at: null, ...personal(s.subject, 'user.account.session') };
        }))
        .execute();
    }
  });
  await runtime.close();
  return tokens;
}

/** Runs `task` over 0..count-1, `width` at a time. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), hwmMiB: Math.round(kib('VmHWM') / 1024) };
}

checkOpenFiles(users, `${users} sockets`);
let tokens: string[] = [];
const seedStarted = performance.now();
const server = await startDomicile({
  port: Number(values.port),
  cpu: values['server-cpu'],
  prepare: async (configFile) => {
    tokens = await seed(configFile);
  },
});
const pid = server.process.pid as number;
log(`seeded ${users} people and sessions, server up in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; RSS ${JSON.stringify(memoryOf(pid))}`);

async function main(): Promise<void> {
  // One direct chat per pair (2k, 2k+1), made by its first member.
  const conversations: string[] = new Array<string>(pairs);
  const chatsStarted = performance.now();
  await inParallel(pairs, 8, async (k) => {
    const chat = (await post(server.base, '/v1/conversations', { kind: 'direct', memberIds: [handle(2 * k + 1)] }, tokens[2 * k])) as { id: string };
    conversations[k] = chat.id;
  });
  log(`${pairs} direct chats in ${((performance.now() - chatsStarted) / 1000).toFixed(1)} s; RSS ${JSON.stringify(memoryOf(pid))}`);

  const window = new LatencyWindow();
  let acked = 0;
  let errors = 0;
  let closedEarly = 0;
  const sockets: WebSocket[] = new Array<WebSocket>(users);
  const openStarted = performance.now();
  await inParallel(users, 100, async (i) => {
    const socket = await connectDomicile(server.wsUrl, tokens[i] as string, (frame) => {
      if (frame.sentAt !== undefined) window.delivered(frame.sentAt);
      else if (frame.type === 'ack') acked += 1;
      else if (frame.type === 'error') errors += 1;
    });
    socket.once('close', () => (closedEarly += 1));
    sockets[i] = socket;
  });
  const openSeconds = (performance.now() - openStarted) / 1000;
  log(`${users} sockets open and caught up in ${openSeconds.toFixed(1)} s`);
  // Idle: let the server settle (timers, lazy caches) before reading its memory.
  await new Promise((r) => setTimeout(r, 3000));
  const idle = memoryOf(pid);
  log(`idle with ${users} sockets: RSS ${JSON.stringify(idle)}`);

  const rate = Number(values.rate);
  let cpuFrom = NaN;
  let cpuTo = NaN;
  const load = await offerLoad({
    rate,
    warmup: Number(values.warmup),
    seconds: Number(values.seconds),
    drainMs: 20_000,
    window,
    send: (i, now) => {
      // A random pair, a random direction.
      const k = crypto.randomInt(pairs);
      const from = 2 * k + (i % 2);
      sockets[from]?.send(JSON.stringify({ type: 'send', clientId: `c${i}`, conversationId: conversations[k], text: `t:${now}` }));
    },
    onMeasureStart: () => (cpuFrom = server.cpuSeconds()),
    onMeasureEnd: () => (cpuTo = server.cpuSeconds()),
  });
  const loaded = memoryOf(pid);
  const serverCpuUsPerMessage = Math.round(((cpuTo - cpuFrom) * 1e6) / Math.max(1, load.measuredSent));
  process.stdout.write(
    `${JSON.stringify({ users, pairs, sockets: users - closedEarly, openSeconds: Number(openSeconds.toFixed(1)), idle, loaded, ...load, acked, errors, serverCpuUsPerMessage, load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') })}\n`,
  );
  for (const socket of sockets) socket?.terminate();
  await server.stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  server.process.kill('SIGKILL');
  process.exit(1);
});
