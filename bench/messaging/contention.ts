// Other writes to a cell while its message writer streams batches (issue 12): with the writer in
// a worker thread, the main thread's own Kysely writes (conversations, memberships, media,
// payments) contend with the worker's connection for SQLite's write lock, and better-sqlite3
// waits for it synchronously (the busy timeout), so a collision stalls the event loop. Prints the
// latency of such writes (an update of a conversation row, one every `--every` ms) and the event
// loop's delay, with no messages flowing and then with a steady stream of message batches.
//
//   npx tsx bench/messaging/contention.ts [--pairs 20] [--batch 8] [--writes 300] [--every 10]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { finishConfig } from '../../src/config/config.js';
import { openRuntime } from '../../src/app/runtime.js';
import { signUp } from '../../src/messaging/account.service.js';
import { createConversation } from '../../src/messaging/conversation.service.js';
import { queueMessage } from '../../src/messaging/message.service.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '20' },
    batch: { type: 'string', default: '8' },
    writes: { type: 'string', default: '300' },
    every: { type: 'string', default: '10' },
  },
});
const pairs = Number(values.pairs);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-contention-'));
const config = finishConfig(
  { dataDir: dir, cells: [{ id: 'jp', jurisdiction: 'JP' }], limits: { signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000 } },
  {},
  process.cwd(),
  null,
);
const runtime = await openRuntime(config, { serving: false });
const ctx = runtime.messaging;
const chats: string[] = [];
for (let i = 0; i < pairs; i += 1) {
  await signUp({ ctx, handle: `sender${i}`, displayName: 'S', password: 'bench-password', home: 'JP', email: `s${i}@bench.test` });
  await signUp({ ctx, handle: `recvr${i}`, displayName: 'R', password: 'bench-password', home: 'JP', email: `r${i}@bench.test` });
  const actor = await runtime.directory.get(`sender${i}`);
  chats.push((await createConversation({ ctx, actor, kind: 'direct', memberIds: [`recvr${i}`] })).conversation.id);
}
const actors = await Promise.all(chats.map((_, i) => runtime.directory.get(`sender${i}`)));
const db = runtime.cells.get('jp').db;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

let n = 0;
async function measure(streaming: boolean): Promise<Record<string, number>> {
  let stop = false;
  const stream = (async () => {
    while (streaming && !stop) {
      const stored: Promise<unknown>[] = [];
      for (let j = 0; j < Number(values.batch); j += 1) {
        const i = n++ % pairs;
        stored.push((await queueMessage({ ctx, actor: actors[i] as (typeof actors)[number], conversationId: chats[i] as string, clientId: `c${n}`, text: 'x' })).stored);
      }
      await Promise.all(stored);
    }
  })();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const latencies: number[] = [];
  const sentBefore = n;
  const started = performance.now();
  for (let k = 0; k < Number(values.writes); k += 1) {
    await new Promise((r) => setTimeout(r, Number(values.every)));
    const t = performance.now();
    await db.updateTable('conversation').set({ updated_at: new Date().toISOString() }).where('id', '=', chats[k % pairs] as string).execute();
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  stop = true;
  await stream;
  latencies.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    messagesPerSecond: Math.round((n - sentBefore) / seconds),
    writeP50ms: ms(quantile(latencies, 0.5)),
    writeP99ms: ms(quantile(latencies, 0.99)),
    writeMaxMs: ms(latencies.at(-1) ?? NaN),
    loopDelayP99ms: ms(delay.percentile(99) / 1e6),
    loopDelayMaxMs: ms(delay.max / 1e6),
  };
}

const idle = await measure(false);
const streaming = await measure(true);
process.stdout.write(`${JSON.stringify({ pairs, batch: Number(values.batch), idle, streaming })}\n`);
await runtime.close();
fs.rmSync(dir, { recursive: true, force: true });
