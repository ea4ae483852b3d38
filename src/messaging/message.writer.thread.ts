// The main thread's end of a SQLite cell's message-writer worker (message.writer.worker.ts): posts
// one message per batch, matches the worker's notices to their batches — committed, then on disk
// (several batches may be in flight: the worker commits the next while the WAL is synced) — and
// starts the worker when it is first needed and again after it died. A death fails the batches in
// flight (their sends are not acknowledged: a retry with the same client id finds a row that did
// commit), never hangs them. The worker is unref'd while idle, so it keeps no process alive;
// `close` ends it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { walAutoCheckpointPages } from '../db/connect.js';
import type { WorkerBatch, WorkerOptions, WorkerOutcome, WorkerReply } from './message.writer.worker.js';

/**
 * The worker file: beside this module (`.ts` under tsx and vitest, `.js` from dist/), or — when
 * this module was bundled into another file (the tests' spawned programs) — the source file of
 * the package this code runs from (Node runs it as it is).
 */
function defaultWorkerUrl(): URL {
  const beside = new URL(`./message.writer.worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (fs.existsSync(fileURLToPath(beside))) return beside;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const source = path.join(dir, 'src', 'messaging', 'message.writer.worker.ts');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(source)) return pathToFileURL(source);
  }
  throw new Error('the message writer\'s worker file (message.writer.worker.ts or .js) is missing');
}

/** The batch failed in the worker and was rolled back: nothing of it was written. */
export class WorkerBatchFailed extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'WorkerBatchFailed';
  }
}

/** A batch posted after one that failed (or was skipped), not written, so that it cannot land before the failed one's retry. */
export class WorkerBatchSkipped extends Error {
  constructor() {
    super('the batch was not written: a batch posted before it failed');
    this.name = 'WorkerBatchSkipped';
  }
}

/** The worker died with the batch in flight: it may or may not have committed. */
export class WriterThreadDied extends Error {
  constructor(cause: unknown) {
    super(`the message writer's worker thread stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WriterThreadDied';
  }
}

/** One batch posted to the worker. */
export interface ThreadWrite {
  /** Its outcomes once it has committed (readers of this database may see its rows from then on); null if it failed, was skipped or the worker died. Never rejects. */
  committed: Promise<WorkerOutcome[] | null>;
  /** Its outcomes once it is on disk; rejects with WorkerBatchFailed, WorkerBatchSkipped or WriterThreadDied. */
  durable: Promise<WorkerOutcome[]>;
}

export interface WriterThread {
  /**
   * Posts the batch (at once: batches posted before it may still be in flight). Unless `fresh`,
   * it is skipped should the batch posted just before it, still in flight, fail or be skipped.
   */
  write(batch: Omit<WorkerBatch, 'id' | 'after'>, options?: { fresh?: boolean }): ThreadWrite;
  /** Batches posted and not yet on disk (nor failed). */
  inFlight(): number;
  /** Workers started so far (1 + restarts after deaths), the CPU the worker spent in batches, and batches posted. */
  stats(): { started: number; cpuMicros: number; batches: number };
  close(): Promise<void>;
}

interface Waiter {
  committed: (o: WorkerOutcome[] | null) => void;
  resolve: (o: WorkerOutcome[]) => void;
  reject: (err: unknown) => void;
  outcomes: WorkerOutcome[] | null;
}

/**
 * `onBroken` is called as soon as a batch's failure (or skip) is known, before the promises of
 * that batch settle: from then on until the caller has retried it, a batch it posts is skipped
 * only if posted behind one still in flight.
 */
export function startWriterThread(props: { file: string; busyTimeoutMs: number; url?: URL; onBroken?: () => void }): WriterThread {
  const url = props.url ?? defaultWorkerUrl();
  let worker: Worker | null = null;
  let nextId = 1;
  let lastPosted: number | null = null;
  let started = 0;
  let cpuMicros = 0;
  let closed = false;
  // In the order posted (ids grow).
  const pending = new Map<number, Waiter>();

  function fail(current: Worker, cause: unknown): void {
    if (worker !== current) return;
    worker = null;
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) {
      p.committed(null);
      p.reject(new WriterThreadDied(cause));
    }
  }

  function settled(current: Worker, id: number): void {
    pending.delete(id);
    if (pending.size === 0) current.unref();
  }

  function spawn(): Worker {
    const options: WorkerOptions = { messageWriter: true, file: props.file, busyTimeoutMs: props.busyTimeoutMs, walAutoCheckpointPages };
    const current = new Worker(url, { workerData: options, name: 'message-writer' });
    started += 1;
    current.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'synced') {
        for (const [id, waiter] of pending) {
          if (id > reply.upTo) break;
          if (!waiter.outcomes) continue;
          settled(current, id);
          waiter.resolve(waiter.outcomes);
        }
        return;
      }
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      if (reply.kind === 'committed') {
        cpuMicros += reply.cpuMicros;
        waiter.outcomes = reply.outcomes;
        waiter.committed(reply.outcomes);
        return;
      }
      settled(current, reply.id);
      props.onBroken?.();
      waiter.committed(null);
      waiter.reject(reply.kind === 'skipped' ? new WorkerBatchSkipped() : new WorkerBatchFailed(reply.message, reply.code));
    });
    current.on('error', (err) => fail(current, err));
    current.on('exit', (code) => fail(current, new Error(`exit code ${code}`)));
    return current;
  }

  return {
    write(batch, options = {}) {
      if (closed) {
        const err = new WriterThreadDied(new Error('the writer is closed'));
        return { committed: Promise.resolve(null), durable: Promise.reject(err) };
      }
      worker ??= spawn();
      const id = nextId++;
      const after = !options.fresh && lastPosted !== null && pending.has(lastPosted) ? lastPosted : null;
      lastPosted = id;
      const current = worker;
      // Both executors run at once, so the waiter is whole before it is posted.
      const waiter = { outcomes: null } as Waiter;
      const committed = new Promise<WorkerOutcome[] | null>((resolve) => (waiter.committed = resolve));
      const durable = new Promise<WorkerOutcome[]>((resolve, reject) => Object.assign(waiter, { resolve, reject }));
      pending.set(id, waiter);
      current.ref();
      current.postMessage({ ...batch, id, after } satisfies WorkerBatch);
      return { committed, durable };
    },
    inFlight: () => pending.size,
    stats: () => ({ started, cpuMicros, batches: nextId - 1 }),
    async close() {
      closed = true;
      // Its exit event fails whatever is still in flight.
      await worker?.terminate();
    },
  };
}
