// The main thread's end of a SQLite cell's message-writer worker (message.writer.worker.ts): posts
// one batch per message, matches each reply to its batch, and starts the worker when it is first
// needed and again after it died — a death fails the batches in flight (their sends are not
// acknowledged: a retry with the same client id finds a row that did commit), never hangs them.
// The worker is unref'd while idle, so it keeps no process alive; `close` ends it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
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

/** The worker died with the batch in flight: it may or may not have committed. */
export class WriterThreadDied extends Error {
  constructor(cause: unknown) {
    super(`the message writer's worker thread stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WriterThreadDied';
  }
}

export interface WriterThread {
  /** Writes the batch in the worker; resolves once it has committed (synchronous = FULL there). */
  write(batch: Omit<WorkerBatch, 'id'>): Promise<WorkerOutcome[]>;
  /** Batches posted and not yet answered. */
  inFlight(): number;
  /** Workers started so far (1 + restarts after deaths), and the CPU the worker spent in batches. */
  stats(): { started: number; cpuMicros: number };
  close(): Promise<void>;
}

export function startWriterThread(props: { file: string; busyTimeoutMs: number; url?: URL }): WriterThread {
  const url = props.url ?? defaultWorkerUrl();
  let worker: Worker | null = null;
  let nextId = 1;
  let started = 0;
  let cpuMicros = 0;
  let closed = false;
  const pending = new Map<number, { resolve: (o: WorkerOutcome[]) => void; reject: (err: unknown) => void }>();

  function fail(current: Worker, cause: unknown): void {
    if (worker !== current) return;
    worker = null;
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) p.reject(new WriterThreadDied(cause));
  }

  function spawn(): Worker {
    const options: WorkerOptions = { messageWriter: true, file: props.file, busyTimeoutMs: props.busyTimeoutMs };
    const current = new Worker(url, { workerData: options, name: 'message-writer' });
    started += 1;
    current.on('message', (reply: WorkerReply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (pending.size === 0) current.unref();
      if (reply.ok) {
        cpuMicros += reply.cpuMicros;
        waiter.resolve(reply.outcomes);
      } else {
        waiter.reject(new WorkerBatchFailed(reply.message, reply.code));
      }
    });
    current.on('error', (err) => fail(current, err));
    current.on('exit', (code) => fail(current, new Error(`exit code ${code}`)));
    return current;
  }

  return {
    write(batch) {
      if (closed) return Promise.reject(new WriterThreadDied(new Error('the writer is closed')));
      worker ??= spawn();
      const id = nextId++;
      const current = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        current.ref();
        current.postMessage({ ...batch, id } satisfies WorkerBatch);
      });
    },
    inFlight: () => pending.size,
    stats: () => ({ started, cpuMicros }),
    async close() {
      closed = true;
      // Its exit event fails whatever is still in flight.
      await worker?.terminate();
    },
  };
}
