// Several nodes, one service (issue 13): throughput and latency with one, two and three
// `domicile serve` nodes on the same PostgreSQL cells (fsync on) joined by nats-server, and the
// bus's cost per message. The generator spreads people over the nodes: each pair's sender is on
// node i and its receiver on node i+1, so with two or more nodes every message crosses the bus
// (the receiving node reads it from the cell). Latency is send → delivery at the receiver, both
// clocks in this process. Each point is offered for `--warmup` + `--seconds` seconds.
//
//   npx tsx bench/cluster/run.ts [--nodes 1,2,3] [--rates 200,400,800] [--seconds 3] [--warmup 1] [--pairs 30]
//
// Lines of JSON on stdout, one per point; `nodes: 1, bus: false` is one node without a bus, the
// baseline for the bus's cost (server CPU µs per message, every node and PostgreSQL counted).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectDomicile, post, sendFrame, type DomicilePair, type SeenFrame } from '../support/domicile.server.js';
import { LatencyWindow, offerLoad } from '../support/offered-load.js';
import { processCpuSeconds, startLocalPostgres, startNats, waitHealthy } from '../../scripts/local-services.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1,2,3' },
    rates: { type: 'string', default: '200,400,800' },
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    pairs: { type: 'string', default: '30' },
    port: { type: 'string', default: '18180' },
  },
});
const nodeCounts = values.nodes.split(',').map(Number);
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const pairs = Number(values.pairs);
const firstPort = Number(values.port);
const root = path.resolve(import.meta.dirname, '..', '..');

interface Node {
  base: string;
  wsUrl: string;
  child: ChildProcess;
}

async function startNodes(props: { count: number; configFile: string; natsUrl: string | null }): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let i = 0; i < props.count; i += 1) {
    const port = firstPort + i;
    // One at a time: the first migrates the fresh databases, the others find them migrated.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'serve', '--config', props.configFile], {
      cwd: root,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...(props.natsUrl ? { DOMICILE_BUS_URL: props.natsUrl } : {}) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(base, child);
    nodes.push({ base, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, child });
  }
  return nodes;
}

async function stopNodes(nodes: readonly Node[]): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      if (n.child.exitCode !== null) return;
      const exited = new Promise((r) => n.child.once('exit', r));
      n.child.kill('SIGTERM');
      await exited;
    }),
  );
}

/** Pairs whose sender is on node i and receiver on node i+1 (the same node when there is one). */
async function openPairs(nodes: readonly Node[], prefix: string, onReceiverFrame: (f: SeenFrame) => void, onSenderFrame: (f: SeenFrame) => void): Promise<DomicilePair[]> {
  const out: DomicilePair[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const senderNode = nodes[i % nodes.length] as Node;
    const receiverNode = nodes[(i + 1) % nodes.length] as Node;
    const signup = (node: Node, handle: string, home: string) =>
      post(node.base, '/v1/auth/signup', { handle, displayName: handle, password: 'bench-password', home, email: `${handle}@bench.test` }) as Promise<{ token: string }>;
    const a = await signup(senderNode, `${prefix}s${i}`, i % 2 ? 'KR' : 'JP');
    const b = await signup(receiverNode, `${prefix}r${i}`, 'JP');
    const conversation = (await post(senderNode.base, '/v1/conversations', { kind: 'direct', memberIds: [`${prefix}r${i}`] }, a.token)) as { id: string };
    const sender = await connectDomicile(senderNode.wsUrl, a.token, onSenderFrame);
    await connectDomicile(receiverNode.wsUrl, b.token, onReceiverFrame);
    out.push({ sender, conversationId: conversation.id });
  }
  return out;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-cluster-'));
  // The postgres system user runs the server and must reach its folder inside this one.
  fs.chmodSync(dir, 0o755);
  const postgres = startLocalPostgres({ dir: path.join(dir, 'pg'), port: firstPort + 50, stdio: 'pipe' });
  const natsPort = firstPort + 60;
  const nats = startNats(natsPort, 'ignore');
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const limits = { connectionsPerAddress: 100_000, socketsPerAddress: 100_000, signupsPerAddressPerHour: 100_000, sendsPerMinute: 100_000_000 };
  const setups: { nodes: number; bus: boolean }[] = [{ nodes: 1, bus: false }, ...nodeCounts.map((n) => ({ nodes: n, bus: true }))];
  try {
    for (const [index, setup] of setups.entries()) {
      // A fresh cluster per setup: same starting point, no rows from the last one.
      await postgres.ensureDatabases(['bench_jp', 'bench_kr', 'bench_directory'], true);
      const configFile = path.join(dir, 'domicile.config.json');
      fs.writeFileSync(
        configFile,
        JSON.stringify({
          dataDir: path.join(dir, `data-${index}`),
          cells: [
            { id: 'jp', jurisdiction: 'JP', database: `${postgres.base}/bench_jp` },
            { id: 'kr', jurisdiction: 'KR', database: `${postgres.base}/bench_kr` },
          ],
          directory: { database: `${postgres.base}/bench_directory` },
          limits,
        }),
      );
      const nodes = await startNodes({ count: setup.nodes, configFile, natsUrl: setup.bus ? natsUrl : null });
      try {
        const window = new LatencyWindow();
        let errors = 0;
        process.stderr.write(`${setup.nodes} node(s), bus ${setup.bus ? 'on' : 'off'}: setting up ${pairs} pairs…\n`);
        const senders = await openPairs(
          nodes,
          `n${setup.nodes}${setup.bus ? 'b' : ''}`,
          (frame) => {
            if (frame.sentAt !== undefined) window.delivered(frame.sentAt);
          },
          (frame) => {
            if (frame.type === 'error') errors += 1;
          },
        );
        // Client ids are unique per point: a repeated rate must not be taken for retries of the last.
        for (const [point, rate] of rates.entries()) {
          const nodesCpu = (): number => nodes.reduce((sum, n) => sum + processCpuSeconds(n.child.pid), 0);
          // Server CPU from the first send until the last measured message arrived, over every
          // message offered (warm-up included): on a loaded machine the servers lag the generator,
          // so CPU read at the window's edges would not match the messages inside it.
          const cpuFrom = { nodes: nodesCpu(), postgres: postgres.cpuSeconds() };
          const result = await offerLoad({
            rate,
            warmup,
            seconds,
            drainMs: 10_000,
            window,
            send: (i, now) => {
              const pair = senders[i % senders.length] as DomicilePair;
              pair.sender.send(sendFrame(pair, `c${point}-${rate}-${i}`, now));
            },
          });
          const offered = Math.round(rate * (warmup + seconds));
          const perMessage = (seconds: number): number => Math.round((seconds * 1e6) / offered);
          const nodesCpuUsPerMessage = perMessage(nodesCpu() - cpuFrom.nodes);
          const postgresCpuUsPerMessage = perMessage(postgres.cpuSeconds() - cpuFrom.postgres);
          const serverCpuUsPerMessage = nodesCpuUsPerMessage + postgresCpuUsPerMessage;
          process.stdout.write(`${JSON.stringify({ nodes: setup.nodes, bus: setup.bus, ...result, seconds, warmup, pairs, errors, serverCpuUsPerMessage, nodesCpuUsPerMessage, postgresCpuUsPerMessage })}\n`);
        }
        for (const pair of senders) pair.sender.close();
      } finally {
        await stopNodes(nodes);
      }
    }
  } finally {
    nats.kill('SIGTERM');
    postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
