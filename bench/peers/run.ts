// Side by side: the same 1:1 workload, from one generator, against Debian's ejabberd (raw XMPP)
// and `domicile serve` (its WebSocket protocol, durable SQLite cells), at a ladder of offered
// rates, alternating the two servers rate by rate so both share the machine's state. Prints one
// table (rate, delivered/s, p50, p99, lost per server) and the ratio of saturations (the highest
// rate with p99 < 50 ms and nothing lost). See bench/RESULTS.md.
//
//   npx tsx bench/peers/run.ts [--pairs 50] [--rates 1000,2000,4000] [--warmup 2] [--seconds 10]
//                              [--server-cpu 0] [--install]
//
// `--install` (as root) installs ejabberd when it is missing, its service kept from starting.
// `--server-cpu N` pins both servers to CPU N; pin this generator with `taskset -c M`.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDomicilePairs, sendFrame, startDomicile } from '../support/domicile.server.js';
import { LatencyWindow, offerLoad, type LoadResult } from '../support/offered-load.js';
import { ejabberdPort, ejabberdVersion, installEjabberd, startEjabberd } from './ejabberd.server.js';
import { XmppClient } from './xmpp.client.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    rates: { type: 'string', default: '1000,2000,4000,6000,8000,12000,16000' },
    warmup: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    port: { type: 'string', default: '18090' },
    'server-cpu': { type: 'string' },
    install: { type: 'boolean', default: false },
    /** Stop a server's ladder after this many failed rates in a row. */
    'stop-after': { type: 'string', default: '2' },
  },
});
const pairs = Number(values.pairs);
const rates = values.rates.split(',').map(Number);
const warmup = Number(values.warmup);
const seconds = Number(values.seconds);
const cpu = values['server-cpu'];
const drainMs = 5_000;
const passes = (r: LoadResult): boolean => r.lost === 0 && r.p99ms < 50;

if (values.install) installEjabberd();
const load = (): string => os.loadavg().map((n) => n.toFixed(2)).join(' ');
process.stderr.write(`load average at start: ${load()}\n`);

const ejabberd = await startEjabberd({ cpu });
const domicile = await startDomicile({ port: Number(values.port), cpu });

async function main(): Promise<void> {
  const xmppWindow = new LatencyWindow();
  process.stderr.write(`ejabberd: registering and logging in ${pairs} pairs…\n`);
  const xmpp: { sender: XmppClient; to: string }[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < pairs; i += 1) {
    const login = (user: string) => XmppClient.login({ port: ejabberdPort, domain: 'localhost', user, password: 'bench-password', onSentAt: (t) => xmppWindow.delivered(t) });
    const sender = await login(`s${run}x${i}`);
    const receiver = await login(`r${run}x${i}`);
    xmpp.push({ sender, to: receiver.jid });
  }
  const domicileWindow = new LatencyWindow();
  let acked = 0;
  process.stderr.write(`domicile: signing up ${pairs} pairs…\n`);
  const dm = await openDomicilePairs({
    server: domicile,
    pairs,
    onReceiverFrame: (f) => {
      if (f.sentAt !== undefined) domicileWindow.delivered(f.sentAt);
    },
    onSenderFrame: (f) => {
      if (f.type === 'ack') acked += 1;
    },
  });

  const rows: { rate: number; ejabberd?: LoadResult; domicile?: LoadResult; loadavg: string }[] = [];
  const failures = { ejabberd: 0, domicile: 0 };
  const stopAfter = Number(values['stop-after']);
  let sequence = 0;
  for (const rate of rates) {
    const row: (typeof rows)[number] = { rate, loadavg: load() };
    if (failures.ejabberd < stopAfter) {
      row.ejabberd = await offerLoad({
        rate, warmup, seconds, drainMs, window: xmppWindow,
        send: (i, now) => {
          const p = xmpp[i % xmpp.length] as (typeof xmpp)[number];
          p.sender.sendChat(p.to, now);
        },
      });
      failures.ejabberd = passes(row.ejabberd) ? 0 : failures.ejabberd + 1;
    }
    if (failures.domicile < stopAfter) {
      const ackedBefore = acked;
      row.domicile = await offerLoad({
        rate, warmup, seconds, drainMs, window: domicileWindow,
        send: (i, now) => {
          const p = dm[i % dm.length] as (typeof dm)[number];
          p.sender.send(sendFrame(p, `r${rate}-${sequence++}`, now));
        },
      });
      process.stderr.write(`  domicile acks during the run: ${acked - ackedBefore}\n`);
      failures.domicile = passes(row.domicile) ? 0 : failures.domicile + 1;
    }
    rows.push(row);
    const cell = (r?: LoadResult) => (r ? `${r.deliveredPerSecond} ${r.p50ms} ${r.p99ms} lost=${r.lost}${passes(r) ? '' : ' FAIL'}` : '-');
    process.stderr.write(`${rate}/s  ejabberd: ${cell(row.ejabberd)}  domicile: ${cell(row.domicile)}  (load ${row.loadavg})\n`);
    if (failures.ejabberd >= stopAfter && failures.domicile >= stopAfter) break;
  }

  const saturation = (pick: (r: (typeof rows)[number]) => LoadResult | undefined): number =>
    Math.max(0, ...rows.filter((r) => { const x = pick(r); return x !== undefined && passes(x); }).map((r) => r.rate));
  const satE = saturation((r) => r.ejabberd);
  const satD = saturation((r) => r.domicile);
  const fmt = (r?: LoadResult) => (r ? `| ${r.deliveredPerSecond} | ${r.p50ms} | ${r.p99ms} | ${r.lost} ` : '| – | – | – | – ');
  const lines = [
    `pairs ${pairs}, warm-up ${warmup} s, measured ${seconds} s; node ${process.version}, ejabberd ${ejabberdVersion()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; kernel ${os.release()}`,
    `command: ${process.argv.slice(1).join(' ')}${cpu !== undefined ? ` (servers on CPU ${cpu})` : ''}`,
    '',
    '| offered msg/s | ejabberd delivered/s | p50 ms | p99 ms | lost | domicile delivered/s | p50 ms | p99 ms | lost | load avg (1/5/15 min) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.rate} ${fmt(r.ejabberd)}${fmt(r.domicile)}| ${r.loadavg} |`),
    '',
    `saturation (p99 < 50 ms, nothing lost): ejabberd ${satE}/s, domicile ${satD}/s, ratio ${satE > 0 ? (satD / satE).toFixed(2) : 'n/a'}×`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const p of xmpp) p.sender.close();
}

try {
  await main();
} finally {
  await domicile.stop();
  await ejabberd.stop();
}
process.exit(0);
