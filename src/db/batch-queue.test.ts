// A batch runs outside the async context of the push that started it: a writer whose context
// lets its writes through a migration's fence must not lend it to the others in its batch. With
// `ready`, the next batch is cut once the handler can take it, so it holds what came meanwhile.
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

  it('cuts a batch only once `ready` resolves: items pushed in later turns while it waits join that batch', async () => {
    const batches: string[][] = [];
    let open = true;
    let opened: (() => void) | null = null;
    const queue = createBatchQueue<string, string>(
      10,
      async (batch) => {
        batches.push(batch.map((p) => p.input));
        for (const p of batch) p.resolve(p.input);
      },
      { ready: () => (open ? undefined : new Promise<void>((resolve) => (opened = resolve))) },
    );
    expect(await queue.push('a')).toBe('a');
    open = false;
    const later = [queue.push('b')];
    await new Promise((r) => setTimeout(r, 5));
    later.push(queue.push('c'));
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([['a']]);
    open = true;
    (opened as (() => void) | null)?.();
    expect(await Promise.all(later)).toEqual(['b', 'c']);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });
});
