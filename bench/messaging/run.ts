// Messaging load generator: many WebSocket clients on loopback send 1:1 messages at a fixed
// offered rate to a real `domicile serve` (SQLite cells, durable commits; `--db postgres`: cells
// and directory on a throwaway PostgreSQL cluster with fsync on, its settings printed) in its own process;
// latency is measured from send to delivery at the recipient (same clock, this process). The
// first `--warmup` seconds are offered at the same rate but not measured.
//
//   npx tsx bench/messaging/run.ts [--rate 5000] [--seconds 10] [--warmup 2] [--pairs 100] [--server-cpu 0] [--db sqlite|postgres]
//                                  [--profile out.cpuprofile]
//
// `--server-cpu N` pins the server to CPU N (taskset) so it does not share a core with this
// generator (pin the generator with `taskset -c M npx tsx …`). `--profile FILE` writes a V8 CPU
// profile of the server's main thread over the measured window only (through its inspector; read
// it with `bench/support/cpu-profile.summary.ts FILE --last 0 --messages N`).
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { connectProfiler } from '../support/inspector.client.js';
import { benchDb, openDomicilePairs, sendFrame, startDomicile, type SeenFrame } from '../support/domicile.server.js';
import { LatencyWindow, offerLoad } from '../support/offered-load.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    pairs: { type: 'string', default: '100' },
    port: { type: 'string', default: '18080' },
    'server-cpu': { type: 'string' },
    db: { type: 'string' },
    profile: { type: 'string' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const pairs = Number(values.pairs);

const inspectPort = Number(values.port) + 2;
const nodeFlags = [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(values.profile ? [`--inspect=127.0.0.1:${inspectPort}`] : [])];
const db = benchDb(values.db);
const server = await startDomicile({ port: Number(values.port), cpu: values['server-cpu'], nodeFlags, db });
// On PostgreSQL the server's CPU leaves out the database's; it is reported beside it.
const postgresCpu = (): number => server.postgres?.cpuSeconds() ?? 0;

async function main(): Promise<void> {
  const window = new LatencyWindow();
  let acked = 0;
  let errors = 0;
  process.stderr.write(`setting up ${pairs} pairs…\n`);
  const senders = await openDomicilePairs({
    server,
    pairs,
    onReceiverFrame: (frame: SeenFrame) => {
      if (frame.sentAt !== undefined) window.delivered(frame.sentAt);
    },
    onSenderFrame: (frame: SeenFrame) => {
      if (frame.type === 'ack') acked += 1;
      else if (frame.type === 'error') errors += 1;
    },
  });
  process.stderr.write(`offering ${rate} msg/s for ${warmup} s warm-up + ${seconds} s measured…\n`);
  const durability = (await server.postgres?.durability()) ?? 'WAL; messages: synchronous=NORMAL, acknowledged after an fdatasync of the WAL; other writes: synchronous=FULL';
  process.stderr.write(`cells and directory on ${db}: ${durability}\n`);
  const profiler = values.profile ? await connectProfiler(inspectPort) : null;
  let profileWritten = Promise.resolve();
  let threadsFrom = { main: NaN, writer: NaN };
  let threadsTo = { main: NaN, writer: NaN };
  let cpuFrom = NaN;
  let cpuTo = NaN;
  let pgFrom = NaN;
  let pgTo = NaN;
  const result = await offerLoad({
    rate,
    warmup,
    seconds,
    drainMs: 20_000,
    window,
    send: (i, now) => {
      const pair = senders[i % senders.length] as (typeof senders)[number];
      pair.sender.send(sendFrame(pair, `c${i}`, now));
    },
    onMeasureStart: () => {
      void profiler?.start();
      threadsFrom = server.threadCpuSeconds();
      cpuFrom = server.cpuSeconds();
      pgFrom = postgresCpu();
    },
    onMeasureEnd: () => {
      cpuTo = server.cpuSeconds();
      threadsTo = server.threadCpuSeconds();
      const file = values.profile;
      if (profiler && file) profileWritten = profiler.stop().then((text) => fs.writeFileSync(file, text));
      pgTo = postgresCpu();
    },
  });
  await profileWritten;
  profiler?.close();
  // Server CPU per message over the measured window: steadier than latency on a shared machine.
  const serverCpuUsPerMessage = Math.round(((cpuTo - cpuFrom) * 1e6) / Math.max(1, result.measuredSent));
  const perMessage = (from: number, to: number): number => Math.round(((to - from) * 1e6) / Math.max(1, result.measuredSent));
  const mainCpuUsPerMessage = perMessage(threadsFrom.main, threadsTo.main);
  const writerCpuUsPerMessage = perMessage(threadsFrom.writer, threadsTo.writer);
  const postgresCpuUsPerMessage = Math.round(((pgTo - pgFrom) * 1e6) / Math.max(1, result.measuredSent));
  process.stdout.write(`${JSON.stringify({ db, durability, ...result, seconds, warmup, pairs, acked, errors, serverCpuUsPerMessage, mainCpuUsPerMessage, writerCpuUsPerMessage, ...(server.postgres ? { postgresCpuUsPerMessage } : {}) })}\n`);
  await server.stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  server.process.kill('SIGKILL');
  server.postgres?.stop();
  process.exit(1);
});
