// Side by side: the same 1:1 workload, from one generator, against Debian's ejabberd (raw XMPP),
// optionally Debian's Prosody (`--peers ejabberd,prosody,domicile`), and `domicile serve` (its
// WebSocket protocol, durable SQLite cells), alternating the servers step by step so all share the
// machine's state. Two modes:
// - a ladder of fixed offered rates (`--rates`): rate, delivered/s, p50, p99, lost per server, and
//   the ratio of saturations (the highest rate with p99 < 50 ms and nothing lost);
// - `--window N[,N…]`: max throughput with a bounded in-flight window, each sender keeping at most
//   N messages in flight and sending the next as soon as one is delivered to its receiver (the
//   window counts undelivered messages for both servers: XMPP without stream management has no
//   ack); delivered/s, p50, p99 per server and the ratio of the best delivered/s.
// Each row also gives the server's and the generator's CPU time per message over the measured
// window (from /proc and process.cpuUsage); `--workers N` splits the pairs among N forked
// generator processes whose samples are merged, for when one process cannot drive the load.
// See bench/RESULTS.md.
//
//   npx tsx bench/peers/run.ts [--pairs 50] [--rates 1000,2000,4000 | --window 1,8,32] [--warmup 2]
//                              [--seconds 10] [--workers 1] [--server-cpu 0] [--peers ejabberd,domicile] [--install]
//
// `--install` (as root) installs the XMPP servers of `--peers` when missing, their services kept from starting.
// `--server-cpu N` pins both servers to CPU N; pin the generator(s) with `taskset -c M`.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { processCpuSeconds } from '../../scripts/local-services.js';
import { startDomicile } from '../support/domicile.server.js';
import { LatencyWindow, type LoadResult } from '../support/offered-load.js';
import { checkOpenFiles } from '../support/open-files.js';
import { ejabberdPort, ejabberdVersion, installEjabberd, startEjabberd } from './ejabberd.server.js';
import { Generator, WorkerGenerator, type GeneratorHandle, type PeerName, type Phase, type XmppPeer } from './generator.js';
import type { PeerServer } from './peer-server.js';
import { installProsody, prosodyPort, prosodyVersion, startProsody } from './prosody.server.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    rates: { type: 'string', default: '1000,2000,4000,6000,8000,12000,16000' },
    window: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    port: { type: 'string', default: '18090' },
    'server-cpu': { type: 'string' },
    install: { type: 'boolean', default: false },
    peers: { type: 'string', default: 'ejabberd,domicile' },
    /** Stop a server's ladder after this many failed rates in a row. */
    'stop-after': { type: 'string', default: '2' },
  },
});
const pairs = Number(values.pairs);
const workers = Math.max(1, Math.min(Number(values.workers), pairs));
const windows = values.window?.split(',').map(Number);
const steps = windows ?? values.rates.split(',').map(Number);
const warmup = Number(values.warmup);
const seconds = Number(values.seconds);
const cpu = values['server-cpu'];
const drainMs = 5_000;
const passes = (r: LoadResult): boolean => r.lost === 0 && r.p99ms < 50;
const load = (): string => os.loadavg().map((n) => n.toFixed(2)).join(' ');

const known: readonly PeerName[] = ['ejabberd', 'prosody', 'domicile'];
const servers = values.peers.split(',').map((name) => {
  if (!known.includes(name as PeerName)) throw new Error(`--peers ${name}: use ${known.join(', ')}`);
  return name as PeerName;
});
if (!servers.includes('domicile')) throw new Error('--peers must include domicile');
const xmppPeers = servers.filter((s): s is XmppPeer => s !== 'domicile');
const xmpp: Record<XmppPeer, { port: number; version: () => string; install: () => void; start: (props: { cpu?: string | undefined }) => Promise<PeerServer> }> = {
  ejabberd: { port: ejabberdPort, version: ejabberdVersion, install: installEjabberd, start: startEjabberd },
  prosody: { port: prosodyPort, version: prosodyVersion, install: installProsody, start: startProsody },
};

// Each pair holds two sockets on each server, all open at once in the generator processes; each
// server holds two per pair of its own.
checkOpenFiles(2 * servers.length * Math.ceil(pairs / workers), `${pairs} pairs in ${workers} generator process(es)`);
if (values.install) for (const peer of xmppPeers) xmpp[peer].install();
process.stderr.write(`load average at start: ${load()}\n`);

const started: Partial<Record<XmppPeer, PeerServer>> = {};
for (const peer of xmppPeers) started[peer] = await xmpp[peer].start({ cpu });
const domicile = await startDomicile({ port: Number(values.port), cpu });
const serverCpu = (server: PeerName): number => (server === 'domicile' ? domicile.cpuSeconds() : processCpuSeconds(started[server]?.pid() ?? undefined));

interface Measured {
  result: LoadResult;
  /** Server CPU µs per message sent in the measured window. */
  serverUs: number;
  /** Domicile only: of it, the main thread's and the message-writer threads' µs per message. */
  mainUs?: number;
  writerUs?: number;
  /** All generators' CPU µs per message, and the busiest generator's share of one core. */
  generatorUs: number;
  generatorShare: number;
  acks: number;
}

/** Runs one phase on every generator at once and merges their samples. */
async function measure(generators: GeneratorHandle[], phase: Phase): Promise<Measured> {
  // Each generator offers its share of the rate.
  const share = phase.rate === undefined ? {} : { rate: phase.rate / generators.length };
  let cpuFrom = NaN;
  let cpuTo = NaN;
  const threads = phase.server === 'domicile' ? () => domicile.threadCpuSeconds() : () => ({ main: NaN, writer: NaN });
  let threadsFrom = { main: NaN, writer: NaN };
  let threadsTo = { main: NaN, writer: NaN };
  const from = setTimeout(() => {
    cpuFrom = serverCpu(phase.server);
    threadsFrom = threads();
  }, phase.warmup * 1000);
  const to = setTimeout(() => {
    cpuTo = serverCpu(phase.server);
    threadsTo = threads();
  }, (phase.warmup + phase.seconds) * 1000);
  const samples = await Promise.all(generators.map((g) => g.run({ ...phase, ...share })));
  clearTimeout(from);
  clearTimeout(to);
  const merged = new LatencyWindow();
  for (const s of samples) {
    merged.sent += s.measuredSent;
    for (const l of s.latencies) merged.latencies.push(l);
  }
  const result = merged.result(phase.rate ?? 0, phase.seconds);
  const perMessage = (micros: number): number => Math.round(micros / Math.max(1, result.measuredSent));
  return {
    result,
    serverUs: perMessage((cpuTo - cpuFrom) * 1e6),
    ...(phase.server === 'domicile' ? { mainUs: perMessage((threadsTo.main - threadsFrom.main) * 1e6), writerUs: perMessage((threadsTo.writer - threadsFrom.writer) * 1e6) } : {}),
    generatorUs: perMessage(samples.reduce((sum, s) => sum + s.cpuMicros, 0)),
    generatorShare: Math.max(...samples.map((s) => s.cpuMicros / (phase.seconds * 1e6))),
    acks: samples.reduce((sum, s) => sum + s.acks, 0),
  };
}

async function main(generators: GeneratorHandle[]): Promise<void> {
  const rows: { step: number; measured: Partial<Record<PeerName, Measured>>; loadavg: string }[] = [];
  const failures: Record<PeerName, number> = { ejabberd: 0, prosody: 0, domicile: 0 };
  const stopAfter = windows ? Infinity : Number(values['stop-after']);
  const cell = (m?: Measured) =>
    m ? `${m.result.deliveredPerSecond}/s p50 ${m.result.p50ms} p99 ${m.result.p99ms} lost=${m.result.lost}${windows || passes(m.result) ? '' : ' FAIL'} server ${m.serverUs} µs/msg${m.mainUs !== undefined ? ` (main thread ${m.mainUs}, writer threads ${m.writerUs})` : ''}, generator ${m.generatorUs} µs/msg (${Math.round(m.generatorShare * 100)} %)` : '-';
  for (const step of steps) {
    const row: (typeof rows)[number] = { step, measured: {}, loadavg: load() };
    process.stderr.write(`${windows ? `window ${step}` : `${step}/s`}\n`);
    for (const server of servers) {
      if (failures[server] >= stopAfter) continue;
      const m = await measure(generators, { server, warmup, seconds, drainMs, ...(windows ? { window: step } : { rate: step }) });
      row.measured[server] = m;
      failures[server] = passes(m.result) ? 0 : failures[server] + 1;
      process.stderr.write(`    ${server}: ${cell(m)}${server === 'domicile' ? ` acks ${m.acks}` : ''}\n`);
      if (m.generatorShare > 0.7) process.stderr.write(`  warning: a generator used ${Math.round(m.generatorShare * 100)} % of a core: add --workers\n`);
      // The paced loop catches up after a stall, so a starved generator shows as sends that fell
      // outside the measured window: the rate the server saw was lower than the one offered.
      const sentPerSecond = m.result.measuredSent / seconds;
      if (!windows && sentPerSecond < 0.95 * step) process.stderr.write(`  warning: the generator sent ${Math.round(sentPerSecond)}/s of the ${step}/s offered to ${server} (starved or blocked): this row is not a measurement of the server\n`);
    }
    rows.push(row);
    process.stderr.write(`    (load ${row.loadavg})\n`);
    if (servers.every((server) => failures[server] >= stopAfter)) break;
  }

  const fmt = (m?: Measured) => (m ? `| ${m.result.deliveredPerSecond} | ${m.result.p50ms} | ${m.result.p99ms} | ${m.result.lost} | ${m.serverUs}${m.mainUs !== undefined ? ` (${m.mainUs} / ${m.writerUs})` : ''} ` : '| – | – | – | – | – ');
  const genUs = (m?: Measured) => (m ? `${m.generatorUs}` : '–');
  const figure = (server: PeerName): number =>
    windows
      ? Math.max(0, ...rows.map((r) => r.measured[server]?.result.deliveredPerSecond ?? 0))
      : Math.max(0, ...rows.filter((r) => r.measured[server] !== undefined && passes((r.measured[server] as Measured).result)).map((r) => r.step));
  const ratio = (peer: XmppPeer): string => (figure(peer) > 0 ? `${(figure('domicile') / figure(peer)).toFixed(2)}× ${peer}` : `n/a against ${peer}`);
  const summary = `${windows ? 'max throughput (window counted on delivery, every server)' : 'saturation (p99 < 50 ms, nothing lost)'}: ${servers.map((s) => `${s} ${figure(s)}/s`).join(', ')}; domicile ${xmppPeers.map(ratio).join(', ')}`;
  const lines = [
    `pairs ${pairs}, generator processes ${generators.length}, warm-up ${warmup} s, measured ${seconds} s; node ${process.version}, ${xmppPeers.map((p) => `${p} ${xmpp[p].version()}`).join(', ')}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; kernel ${os.release()}`,
    `command: ${process.argv.slice(1).join(' ')}${cpu !== undefined ? ` (servers on CPU ${cpu})` : ''}`,
    '',
    `| ${windows ? 'window per pair' : 'offered msg/s'} ${servers.map((s) => `| ${s} delivered/s | p50 ms | p99 ms | lost | server µs/msg${s === 'domicile' ? ' (main / writer threads)' : ''} `).join('')}| generator µs/msg (${servers.map((s) => s[0]).join(' / ')}) | load avg (1/5/15 min) |`,
    `|---:${servers.map(() => '|---:|---:|---:|---:|---:').join('')}|---|---|`,
    ...rows.map((r) => `| ${r.step} ${servers.map((s) => fmt(r.measured[s])).join('')}| ${servers.map((s) => genUs(r.measured[s])).join(' / ')} | ${r.loadavg} |`),
    '',
    summary,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const generators: GeneratorHandle[] = [];
try {
  const run = Date.now().toString(36);
  process.stderr.write(`registering and logging in ${pairs} pairs on each server (${workers} generator process${workers > 1 ? 'es' : ''})…\n`);
  const opened = performance.now();
  // Pairs split as evenly as possible; the prefix keeps each generator's user names apart.
  const options = Array.from({ length: workers }, (_, w) => ({
    pairs: Math.floor(pairs / workers) + (w < pairs % workers ? 1 : 0),
    prefix: `p${run}w${w}`,
    xmppPorts: Object.fromEntries(xmppPeers.map((p) => [p, xmpp[p].port])),
    domicile: { base: domicile.base, wsUrl: domicile.wsUrl },
  }));
  const settled = await Promise.allSettled(options.map((o) => (workers === 1 ? Generator.open(o) : WorkerGenerator.open(o))));
  for (const s of settled) if (s.status === 'fulfilled') generators.push(s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  process.stderr.write(`  ready in ${((performance.now() - opened) / 1000).toFixed(1)} s\n`);
  await main(generators);
} finally {
  await Promise.all(generators.map((g) => g.close()));
  await domicile.stop();
  for (const server of Object.values(started)) await server.stop();
}
process.exit(0);
