import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellOfId, newId } from './ids.js';

describe('ids', () => {
  it('start with their cell and route back to it', () => {
    fc.assert(
      fc.property(fc.constantFrom('jp', 'kr', 'de1'), (cell) => {
        const id = newId(cell);
        expect(id).toMatch(new RegExp(`^${cell}_[A-Za-z0-9]{16}$`));
        expect(cellOfId(id)).toBe(cell);
      }),
    );
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 50_000 }, () => newId('jp')));
    expect(ids.size).toBe(50_000);
  });

  it('refuse malformed ids', () => {
    for (const bad of ['', 'jp', 'jp_', 'JP_abcdefghij', 'jp_abc', 'jp_abcdefgh/../x', '1p_abcdefghij']) expect(cellOfId(bad)).toBeNull();
  });
});
