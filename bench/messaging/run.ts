// Messaging load generator: many WebSocket clients on loopback send 1:1 messages at a fixed
// offered rate to a real `domicile serve` (SQLite cells, durable commits) in its own process;
// latency is measured from send to delivery at the recipient (same clock, this process). The
// first `--warmup` seconds are offered at the same rate but not measured.
//
//   npx tsx bench/messaging/run.ts [--rate 5000] [--seconds 10] [--warmup 2] [--pairs 100] [--server-cpu 0]
//
// `--server-cpu N` pins the server to CPU N (taskset) so it does not share a core with this generator.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'server-cpu': { type: 'string' },
    pairs: { type: 'string', default: '100' },
    port: { type: 'string', default: '18080' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const pairs = Number(values.pairs);
const port = Number(values.port);
const root = path.resolve(import.meta.dirname, '..', '..');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-'));
const configFile = path.join(dir, 'domicile.config.json');
// The abuse limits are for people, not for a load generator on loopback: raised so they never bite.
const benchLimits = { connectionsPerAddress: 100_000, socketsPerAddress: 100_000, signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000 };
fs.writeFileSync(
  configFile,
  JSON.stringify({ dataDir: path.join(dir, 'data'), cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }], limits: benchLimits }),
);

const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const serverArgs = [...nodeFlags, '--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'serve', '--config', configFile];
const pinned = values['server-cpu'] !== undefined;
const server = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', String(values['server-cpu']), process.execPath, ...serverArgs] : serverArgs, {
  env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function post(pathname: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

interface Peer {
  token: string;
  socket: WebSocket;
}

async function connect(token: string, onMessage: (frame: { type: string; message?: { text: string } }) => void): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`);
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
        onMessage({ type, ...(at ? { message: { text: `t:${at}` } } : {}) });
      } else onMessage({ type });
    });
  });
  socket.send(JSON.stringify({ type: 'hello', token }));
  await ready;
  return socket;
}

/** CPU seconds the server process has used (user + system), from /proc; NaN where there is none. */
function serverCpuSeconds(): number {
  try {
    const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  await waitForServer();
  const latencies: number[] = [];
  let delivered = 0;
  let acked = 0;
  let errors = 0;
  // Only messages sent inside the measured window count (set once the warm-up is over).
  let measureFrom = Infinity;
  let measureTo = Infinity;
  const onReceiverFrame = (frame: { type: string; message?: { text: string } }): void => {
    if (frame.type === 'message' && frame.message?.text.startsWith('t:')) {
      const sentAt = Number(frame.message.text.slice(2));
      if (sentAt < measureFrom || sentAt >= measureTo) return;
      latencies.push(performance.now() - sentAt);
      delivered += 1;
    }
  };
  const onSenderFrame = (frame: { type: string }): void => {
    if (frame.type === 'ack') acked += 1;
    else if (frame.type === 'error') errors += 1;
  };

  process.stderr.write(`setting up ${pairs} pairs…\n`);
  const senders: { peer: Peer; conversationId: string }[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const a = (await post('/v1/auth/signup', { handle: `sender${i}`, displayName: `S${i}`, password: 'bench-password', home: i % 2 ? 'KR' : 'JP', email: `s${i}@bench.test` })) as { token: string };
    const b = (await post('/v1/auth/signup', { handle: `recvr${i}`, displayName: `R${i}`, password: 'bench-password', home: 'JP', email: `r${i}@bench.test` })) as { token: string };
    const conversation = (await post('/v1/conversations', { kind: 'direct', memberIds: [`recvr${i}`] }, a.token)) as { id: string };
    const senderSocket = await connect(a.token, onSenderFrame);
    await connect(b.token, onReceiverFrame);
    senders.push({ peer: { token: a.token, socket: senderSocket }, conversationId: conversation.id });
  }

  process.stderr.write(`offering ${rate} msg/s for ${warmup} s warm-up + ${seconds} s measured…\n`);
  const total = rate * (warmup + seconds);
  const started = performance.now();
  measureFrom = started + warmup * 1000;
  measureTo = started + (warmup + seconds) * 1000;
  let sent = 0;
  let measuredSent = 0;
  let cpuFrom = NaN;
  let cpuTo = NaN;
  // Sends are paced in 1 ms slots so the offered rate stays fixed whatever the latency.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const s = senders[sent % senders.length] as (typeof senders)[number];
        const now = performance.now();
        if (now >= measureFrom && now < measureTo) {
          if (measuredSent === 0) cpuFrom = serverCpuSeconds();
          measuredSent += 1;
        }
        s.peer.socket.send(JSON.stringify({ type: 'send', clientId: `c${sent}`, conversationId: s.conversationId, text: `t:${now}` }));
        sent += 1;
      }
      if (sent >= total) {
        cpuTo = serverCpuSeconds();
        resolve();
      }
      else setImmediate(tick);
    };
    tick();
  });
  const deadline = performance.now() + 20_000;
  while (delivered < measuredSent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  latencies.sort((x, y) => x - y);
  const result = {
    offeredRate: rate,
    seconds,
    warmup,
    pairs,
    sent,
    measuredSent,
    delivered,
    lost: measuredSent - delivered,
    acked,
    errors,
    deliveredPerSecond: Math.round(delivered / seconds),
    // Server CPU per message over the measured window: steadier than latency on a shared machine.
    serverCpuUsPerMessage: Math.round(((cpuTo - cpuFrom) * 1e6) / Math.max(1, measuredSent)),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    p999ms: Number(percentile(latencies, 99.9).toFixed(2)),
    maxms: Number((latencies.at(-1) ?? NaN).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Wait for the server to be gone: a run started right after this one needs its port.
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  await exited;
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  const exited = server.exitCode === null ? once(server, 'exit') : Promise.resolve();
  server.kill('SIGKILL');
  void exited.then(() => process.exit(1));
});
