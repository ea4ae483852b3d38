// The whole send path through a real server's sockets, in closed bursts, for the CPU it costs the
// server's main thread per message: `domicile serve` (SQLite cells, durable commits) in its own
// process, 50 sender/receiver pairs; each burst sends `--burst` messages (round robin over the
// pairs) and waits for every ack and every delivery before the next. The server's batches follow
// the bursts rather than the machine's load, so unlike an offered-rate run (bench/messaging/run.ts,
// whose batches grow when the machine is busy and shrink the CPU per message with them) the
// figure moves little with other work on the machine: CPU time from /proc (10 ms ticks; many
// messages per figure). `main` is the server's main thread, `writer` its message-writer threads,
// `server` the whole process (GC helpers, libuv's pool). `BENCH_NODE_FLAGS` are passed to the
// server's node (as bench/messaging/run.ts does), e.g. a V8 heap setting to compare.
//
//   npx tsx bench/messaging/socket-path.ts [--pairs 50] [--bursts 16,64] [--messages 20000] [--port 18460]
import { parseArgs } from 'node:util';
import { openDomicilePairs, sendFrame, startDomicile } from '../support/domicile.server.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    bursts: { type: 'string', default: '16,64' },
    messages: { type: 'string', default: '20000' },
    port: { type: 'string', default: '18460' },
  },
});
const pairs = Number(values.pairs);
const messages = Number(values.messages);

const server = await startDomicile({ port: Number(values.port), nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean) });
let acked = 0;
let delivered = 0;
let errors = 0;
let wake: (() => void) | null = null;
const check = (): void => wake?.();
process.stderr.write(`setting up ${pairs} pairs…\n`);
const senders = await openDomicilePairs({
  server,
  pairs,
  onSenderFrame: (frame) => {
    if (frame.type === 'ack') acked += 1;
    else if (frame.type === 'error') errors += 1;
    check();
  },
  onReceiverFrame: (frame) => {
    if (frame.type === 'message') delivered += 1;
    check();
  },
});

let n = 0;
/** Sends `count` messages in bursts of `burst`, each burst acked and delivered before the next. */
async function run(burst: number, count: number): Promise<{ main: number; writer: number; server: number; wallMs: number }> {
  const threads = server.threadCpuSeconds();
  const cpu = server.cpuSeconds();
  const start = performance.now();
  for (let sent = 0; sent < count; sent += burst) {
    const target = acked + burst;
    const targetDelivered = delivered + burst;
    for (let j = 0; j < burst; j += 1) {
      const i = n++;
      const pair = senders[i % senders.length] as (typeof senders)[number];
      pair.sender.send(sendFrame(pair, `s${i}`, Date.now()));
    }
    while (acked < target || delivered < targetDelivered) {
      if (errors > 0) throw new Error(`the server answered ${errors} sends with an error`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  const after = server.threadCpuSeconds();
  const us = (from: number, to: number): number => Math.round(((to - from) * 1e6) / count);
  return { main: us(threads.main, after.main), writer: us(threads.writer, after.writer), server: us(cpu, server.cpuSeconds()), wallMs: Math.round(performance.now() - start) };
}

const rows: Record<string, Awaited<ReturnType<typeof run>>> = {};
for (const burst of values.bursts.split(',').map(Number)) {
  await run(burst, Math.min(messages, burst * 100)); // warm-up
  rows[`burst ${burst}`] = await run(burst, messages);
}
process.stdout.write(`${JSON.stringify({ pairs, messages, usPerMessage: rows })}\n`);
await server.stop();
process.exit(0);
