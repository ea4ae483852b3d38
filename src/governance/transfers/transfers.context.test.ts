import { describe, expect, it } from 'vitest';
import { keepUntil } from './transfer.terms.js';
import { createKeyedLock } from './transfers.context.js';

describe('createKeyedLock', () => {
  it('runs work for one key in call order, even when earlier work fails, and other keys alongside', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const slow = (label: string, ms: number, fail = false) => async () => {
      await new Promise((r) => setTimeout(r, ms));
      order.push(label);
      if (fail) throw new Error(label);
      return label;
    };
    const a1 = lock.run('a', slow('a1', 30, true));
    const a2 = lock.run('a', slow('a2', 1));
    const b1 = lock.run('b', slow('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    expect(order).toEqual(['b1', 'a1', 'a2']);
  });
});

describe('keepUntil', () => {
  it('keeps a record three years to the day, and a 29 February record until 1 March', () => {
    expect(keepUntil(new Date('2026-11-27T23:59:59Z'))).toBe('2029-11-27');
    expect(keepUntil(new Date('2028-02-29T10:00:00Z'))).toBe('2031-03-01');
  });
});
