// The send path in one process, without sockets: `queueMessage` (membership, text, rate limit,
// transfer rule) and the cell's message writer (sealing, the batch's statements, the durable
// commit), at fixed batch sizes. Prints the process CPU per message for each size — CPU time, so
// it moves little when other work shares the machine (wall time would not). Batches of 1–8 are
// what a quiet server sees at 1,000 msgs/s; larger ones what a loaded server sees. `main` is the
// main thread's share, `writer` the cells' message-writer threads' and `pool` libuv's pool's (the
// WAL syncs), both from the kernel's per-thread run time (/proc/self/task/*/schedstat, ns); the
// rest is GC and V8's helper threads.
//
//   npx tsx bench/messaging/hot-path.ts [--pairs 50] [--batches 1,4,16,64] [--messages 4000] [--profile out]
//
// `--profile out` writes a V8 CPU profile of each measured run (`out.batchN.cpuprofile`; sign-ups
// and warm-ups left out). It samples wall time: a synchronous fsync shows as the caller's time.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { finishConfig } from '../../src/config/config.js';
import { openRuntime } from '../../src/app/runtime.js';
import { signUp } from '../../src/messaging/account.service.js';
import { createConversation } from '../../src/messaging/conversation.service.js';
import { queueMessage } from '../../src/messaging/message.service.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    batches: { type: 'string', default: '1,4,16,64' },
    messages: { type: 'string', default: '4000' },
    profile: { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const messages = Number(values.messages);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-hot-path-'));
const config = finishConfig(
  {
    dataDir: dir,
    cells: [
      { id: 'jp', jurisdiction: 'JP' },
      { id: 'kr', jurisdiction: 'KR' },
    ],
    limits: { signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000 },
  },
  {},
  process.cwd(),
  null,
);
const runtime = await openRuntime(config, { serving: false });
const ctx = runtime.messaging;
const chats: { actor: Awaited<ReturnType<typeof signUp>>['user'] extends infer U ? U : never; conversationId: string }[] = [];
process.stderr.write(`signing up ${pairs} pairs…\n`);
for (let i = 0; i < pairs; i += 1) {
  const a = await signUp({ ctx, handle: `sender${i}`, displayName: 'S', password: 'bench-password', home: i % 2 ? 'KR' : 'JP', email: `s${i}@bench.test` });
  await signUp({ ctx, handle: `recvr${i}`, displayName: 'R', password: 'bench-password', home: 'JP', email: `r${i}@bench.test` });
  const actor = await runtime.directory.get(`sender${i}`);
  const { conversation } = await createConversation({ ctx, actor, kind: 'direct', memberIds: [`recvr${i}`] });
  chats.push({ actor: a.user, conversationId: conversation.id });
}
const actors = await Promise.all(chats.map((_, i) => runtime.directory.get(`sender${i}`)));

/** On-CPU ns of this process's threads, by name (the kernel's `comm`): message-writer, libuv-worker, … */
function threadNanos(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const name = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      byName.set(name, (byName.get(name) ?? 0) + ns);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byName;
}

type Row = { cpu: number; user: number; main: number; writer: number; pool: number; wall: number };

let n = 0;
async function run(batch: number, count: number): Promise<Row> {
  const cpu = process.cpuUsage();
  const main = process.threadCpuUsage();
  const threads = threadNanos();
  const start = performance.now();
  for (let sent = 0; sent < count; sent += batch) {
    const stored: Promise<unknown>[] = [];
    for (let j = 0; j < batch; j += 1) {
      const i = n++ % pairs;
      const { stored: s } = await queueMessage({ ctx, actor: actors[i] as (typeof actors)[number], conversationId: (chats[i] as (typeof chats)[number]).conversationId, clientId: `c${n}`, text: `t:${Date.now()}` });
      stored.push(s);
    }
    await Promise.all(stored);
  }
  const used = process.cpuUsage(cpu);
  const mainUsed = process.threadCpuUsage(main);
  const after = threadNanos();
  const threadUs = (name: string): number => Math.round(((after.get(name) ?? 0) - (threads.get(name) ?? 0)) / 1000 / count);
  return {
    cpu: Math.round((used.user + used.system) / count),
    user: Math.round(used.user / count),
    main: Math.round((mainUsed.user + mainUsed.system) / count),
    writer: threadUs('message-writer'),
    pool: threadUs('libuv-worker'),
    wall: Math.round(((performance.now() - start) * 1000) / count),
  };
}

const profiler = values.profile ? new Session() : null;
profiler?.connect();
await profiler?.post('Profiler.enable');
const rows: Record<string, Row> = {};
for (const batch of values.batches.split(',').map(Number)) {
  await run(batch, Math.min(messages, batch * 50)); // warm-up
  await profiler?.post('Profiler.start');
  rows[`batch ${batch}`] = await run(batch, messages);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(`${values.profile}.batch${batch}.cpuprofile`, JSON.stringify(profile));
  }
}
profiler?.disconnect();
process.stdout.write(`${JSON.stringify({ pairs, messages, usPerMessage: rows })}\n`);
await runtime.close();
fs.rmSync(dir, { recursive: true, force: true });
