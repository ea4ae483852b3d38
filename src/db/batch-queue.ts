// A batch queue: items pushed in the same turn of the event loop are handed over together, in
// order, at most `maxBatch` at a time; one batch runs at a time. The batch handler settles each
// item's promise. Used by group commit and the message writer. With `ready`, a batch is cut only
// once the handler can take it (the message writer's worker is free): items pushed while it waits
// go into that batch instead of the one after it.
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs a flush outside the async context of the write that started it: batches are shared, so the
 * context of one writer (the migration engine, whose writes pass a fence) must not carry over to
 * the others batched with it, nor to the batches the same flush goes on to write.
 */
const outside = AsyncLocalStorage.snapshot();

export interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export interface BatchQueue<I, O> {
  /** Queues `input`; settles when its batch's handler settles it. */
  push(input: I): Promise<O>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

export interface BatchQueueOptions {
  /** Resolves once the next batch can be handled; undefined: at once (no extra turn). Must not reject. */
  ready?: () => Promise<void> | undefined;
}

/** `handle` must settle every item of its batch and not throw. */
export function createBatchQueue<I, O>(maxBatch: number, handle: (batch: Pending<I, O>[]) => Promise<void>, options: BatchQueueOptions = {}): BatchQueue<I, O> {
  let queue: Pending<I, O>[] = [];
  let flushing = false;
  let idleWaiters: (() => void)[] = [];

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const waiting = options.ready?.();
        if (waiting) await waiting;
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await handle(batch);
      }
    } finally {
      flushing = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  return {
    push(input) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (!flushing && queue.length === 1) setImmediate(() => outside(() => void flush()));
      });
    },
    drain() {
      if (!flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
