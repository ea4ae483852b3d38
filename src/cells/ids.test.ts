import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idLength, isRecordId, newId } from './ids.js';

describe('ids', () => {
  it('are random base62 and name no cell', () => {
    const id = newId();
    expect(id).toMatch(new RegExp(`^[A-Za-z0-9]{${idLength}}$`));
    expect(id).not.toContain('_');
    expect(isRecordId(id)).toBe(true);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 50_000 }, () => newId()));
    expect(ids.size).toBe(50_000);
  });

  it('accept the older cell-prefixed ids and refuse malformed ones', () => {
    expect(isRecordId('jp_abcdefghij')).toBe(true);
    for (const bad of ['', 'jp', 'jp_', 'JP_abcdefghij', 'jp_abc', 'jp_abcdefgh/../x', '1p_abcdefghij', '../etc/passwd']) expect(isRecordId(bad)).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => !isRecordId(s) || /^[a-z0-9_A-Z]+$/.test(s)));
  });
});
