// One load generator's share of the side by side: its pairs on every server of the run (XMPP
// clients for ejabberd and Prosody, WebSockets for Domicile) and the two ways to load them — a fixed offered rate, or a
// closed loop where each sender keeps at most `window` undelivered messages in flight. It returns
// raw samples (latencies of the messages sent in the measured window, and its own CPU time over
// that window); bench/peers/run.ts runs one in its own process or forks several
// (bench/peers/worker.ts) and merges their samples, so the generator is never the bottleneck.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openDomicilePairs, sendFrame, type DomicilePair } from '../support/domicile.server.js';
import { LatencyWindow, offerLoad } from '../support/offered-load.js';
import { XmppClient } from './xmpp.client.js';

export type XmppPeer = 'ejabberd' | 'prosody';
export type PeerName = XmppPeer | 'domicile';

export interface GeneratorOptions {
  /** Pairs on each server. */
  pairs: number;
  /** Unique per generator and run: its users' names start with it. */
  prefix: string;
  /** The c2s port of each XMPP server in the run. */
  xmppPorts: Partial<Record<XmppPeer, number>>;
  domicile: { base: string; wsUrl: string };
}

/** One measurement: a fixed offered `rate` (messages a second across this generator's pairs) or a `window` per pair. */
export interface Phase {
  server: PeerName;
  warmup: number;
  seconds: number;
  drainMs: number;
  rate?: number;
  window?: number;
}

export interface PhaseSamples {
  /** Messages sent inside the measured window. */
  measuredSent: number;
  /** Send → receiver's socket, ms, of those that arrived. */
  latencies: number[];
  /** This generator's CPU time (user + system) over the measured window, µs. */
  cpuMicros: number;
  /** Domicile acks received during the phase. */
  acks: number;
}

export interface GeneratorHandle {
  run(phase: Phase): Promise<PhaseSamples>;
  close(): Promise<void>;
}

/**
 * The closed loop of a window phase: every pair starts with `window` messages in flight and sends
 * the next one as each is delivered, until the measured window ends; then it waits for the ones
 * in flight (up to `drainMs`).
 */
async function closedLoop(props: {
  pairs: number;
  window: number;
  warmup: number;
  seconds: number;
  drainMs: number;
  latency: LatencyWindow;
  send: (pair: number, now: number) => void;
  onDelivered: (hook: ((pair: number) => void) | null) => void;
  onMeasureStart: () => void;
  onMeasureEnd: () => void;
}): Promise<void> {
  const { latency } = props;
  const inflight = new Int32Array(props.pairs);
  let inFlightTotal = 0;
  let open = true;
  const started = performance.now();
  latency.from = started + props.warmup * 1000;
  latency.to = latency.from + props.seconds * 1000;
  latency.sent = 0;
  latency.latencies.length = 0;
  const sendOne = (pair: number): void => {
    const now = performance.now();
    if (now >= latency.from && now < latency.to) latency.sent += 1;
    inflight[pair] = (inflight[pair] as number) + 1;
    inFlightTotal += 1;
    props.send(pair, now);
  };
  let drained: () => void = () => undefined;
  props.onDelivered((pair) => {
    if ((inflight[pair] as number) === 0) return; // a late one from an earlier phase
    inflight[pair] = (inflight[pair] as number) - 1;
    inFlightTotal -= 1;
    if (open) sendOne(pair);
    else if (inFlightTotal === 0) drained();
  });
  for (let pair = 0; pair < props.pairs; pair += 1) for (let k = 0; k < props.window; k += 1) sendOne(pair);
  await new Promise((r) => setTimeout(r, props.warmup * 1000));
  props.onMeasureStart();
  await new Promise((r) => setTimeout(r, props.seconds * 1000));
  props.onMeasureEnd();
  open = false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, props.drainMs);
    drained = () => {
      clearTimeout(timer);
      resolve();
    };
    if (inFlightTotal === 0) drained();
  });
  props.onDelivered(null);
}

export class Generator implements GeneratorHandle {
  private readonly latency: Record<PeerName, LatencyWindow> = { ejabberd: new LatencyWindow(), prosody: new LatencyWindow(), domicile: new LatencyWindow() };
  /** The closed loop's delivery hook, per server, while a window phase runs. */
  private readonly loop: Record<PeerName, ((pair: number) => void) | null> = { ejabberd: null, prosody: null, domicile: null };
  /** Per XMPP server of the run, its pairs. */
  private readonly xmpp: Partial<Record<XmppPeer, { sender: XmppClient; receiver: XmppClient; to: string }[]>> = {};
  private acks = 0;
  private sequence = 0;

  private dm: DomicilePair[] = [];

  /**
   * Registers and logs in this generator's pairs on both servers, `width` logins at a time on each
   * (a sign-up hashes a password: hundreds one after another take minutes on a busy machine).
   */
  static async open(options: GeneratorOptions, width = 8): Promise<Generator> {
    const generator = new Generator();
    const chunk = Math.ceil(options.pairs / width);
    const chunks = Array.from({ length: Math.ceil(options.pairs / chunk) }, (_, c) => ({ from: c * chunk, count: Math.min(chunk, options.pairs - c * chunk) }));
    const xmpp = Object.entries(options.xmppPorts).flatMap(([name, port]) => {
      const peer = name as XmppPeer;
      const pairs: { sender: XmppClient; receiver: XmppClient; to: string }[] = (generator.xmpp[peer] = []);
      return chunks.map(async ({ from, count }) => {
        for (let pair = from; pair < from + count; pair += 1) {
          const login = (user: string, onSentAt: (t: number) => void) => XmppClient.login({ port, domain: 'localhost', user, password: 'bench-password', onSentAt });
          const sender = await login(`s${options.prefix}x${pair}`, () => undefined);
          const receiver = await login(`r${options.prefix}x${pair}`, (t) => generator.delivered(peer, pair, t));
          pairs[pair] = { sender, receiver, to: receiver.jid };
        }
      });
    });
    const domicile = chunks.map(({ from, count }, c) =>
      openDomicilePairs({
        server: options.domicile,
        pairs: count,
        prefix: `${options.prefix}c${c}`,
        onReceiverFrame: (f, k) => {
          if (f.sentAt !== undefined) generator.delivered('domicile', from + k, f.sentAt);
        },
        onSenderFrame: (f) => {
          if (f.type === 'ack') generator.acks += 1;
        },
      }),
    );
    const [, dm] = await Promise.all([Promise.all(xmpp), Promise.all(domicile)]);
    generator.dm = dm.flat();
    return generator;
  }

  private delivered(server: PeerName, pair: number, sentAt: number): void {
    this.latency[server].delivered(sentAt);
    this.loop[server]?.(pair);
  }

  private send(server: PeerName, pair: number, now: number): void {
    if (server !== 'domicile') {
      const p = this.xmpp[server]?.[pair];
      if (!p) throw new Error(`${server} is not in this run`);
      p.sender.sendChat(p.to, now);
    } else {
      const p = this.dm[pair] as DomicilePair;
      p.sender.send(sendFrame(p, `g${this.sequence++}`, now));
    }
  }

  async run(phase: Phase): Promise<PhaseSamples> {
    const pairs = this.dm.length;
    const latency = this.latency[phase.server];
    const acksBefore = this.acks;
    let cpuFrom = process.cpuUsage();
    let cpuMicros = 0;
    const onMeasureStart = (): void => {
      cpuFrom = process.cpuUsage();
    };
    const onMeasureEnd = (): void => {
      const used = process.cpuUsage(cpuFrom);
      cpuMicros = used.user + used.system;
    };
    const common = { warmup: phase.warmup, seconds: phase.seconds, drainMs: phase.drainMs, onMeasureStart, onMeasureEnd };
    if (phase.window !== undefined) {
      await closedLoop({
        ...common,
        pairs,
        window: phase.window,
        latency,
        send: (pair, now) => this.send(phase.server, pair, now),
        onDelivered: (hook) => (this.loop[phase.server] = hook),
      });
    } else {
      await offerLoad({
        ...common,
        rate: phase.rate ?? 0,
        window: latency,
        send: (i, now) => this.send(phase.server, i % pairs, now),
      });
    }
    return { measuredSent: latency.sent, latencies: [...latency.latencies], cpuMicros, acks: this.acks - acksBefore };
  }

  async close(): Promise<void> {
    for (const p of Object.values(this.xmpp).flat()) {
      p.sender.close();
      p.receiver.close();
    }
    for (const p of this.dm) p.sender.terminate();
  }
}

/** A generator in a child process (bench/peers/worker.ts), driven over IPC one request at a time. */
export class WorkerGenerator implements GeneratorHandle {
  private pending: { resolve: (value: unknown) => void; reject: (err: Error) => void } | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { type: string; value?: unknown; error?: string }) => {
      const pending = this.pending;
      this.pending = null;
      if (m.type === 'error') pending?.reject(new Error(m.error));
      else pending?.resolve(m.value);
    });
    child.on('exit', (code) => this.pending?.reject(new Error(`generator worker exited (${code})`)));
  }

  private request<T>(message: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (value: unknown) => void, reject };
      this.child.send(message as object);
    });
  }

  static async open(options: GeneratorOptions): Promise<WorkerGenerator> {
    const child = fork(path.join(import.meta.dirname, 'worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const worker = new WorkerGenerator(child);
    await worker.request({ type: 'open', options });
    return worker;
  }

  run(phase: Phase): Promise<PhaseSamples> {
    return this.request<PhaseSamples>({ type: 'run', phase });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.request({ type: 'close' });
  }
}
