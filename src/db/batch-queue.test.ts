// A batch runs outside the async context of the push that started it: a writer whose context
// lets its writes through a migration's fence must not lend it to the others in its batch.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createBatchQueue } from './batch-queue.js';

describe('createBatchQueue', () => {
  it('hands items pushed in one turn over together, none in the context of the push that started the flush', async () => {
    const marker = new AsyncLocalStorage<string>();
    const seen: { batch: number; item: string; context: string | undefined }[] = [];
    let batches = 0;
    const queue = createBatchQueue<string, string>(10, async (batch) => {
      batches += 1;
      for (const p of batch) {
        seen.push({ batch: batches, item: p.input, context: marker.getStore() });
        p.resolve(p.input);
      }
    });
    const pushed = [marker.run('engine', () => queue.push('engine write')), queue.push('other write')];
    expect(await Promise.all(pushed)).toEqual(['engine write', 'other write']);
    expect(seen).toEqual([
      { batch: 1, item: 'engine write', context: undefined },
      { batch: 1, item: 'other write', context: undefined },
    ]);
  });
});
