import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPlacement, PlacementError, subjectClasses } from './placement.js';

const cells = [
  { id: 'jp', jurisdiction: 'JP' },
  { id: 'kr', jurisdiction: 'KR' },
];

describe('placement', () => {
  it('places records in the home cell by default', () => {
    const p = createPlacement(cells, []);
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.message' })).toBe('jp');
    expect(p.cellFor({ home: 'KR', class: 'consumer', category: 'user.contact.email' })).toBe('kr');
  });

  it('applies a category rule for one home only', () => {
    const p = createPlacement(cells, [{ home: 'JP', category: 'user.content.media', cell: 'kr' }]);
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.media' })).toBe('kr');
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.message' })).toBe('jp');
    expect(p.cellFor({ home: 'KR', class: 'consumer', category: 'user.content.media' })).toBe('kr');
  });

  it('lets a staged migration copy in without moving where records are read or written', () => {
    const rules = [{ home: 'JP', category: 'user.content.media', cell: 'kr' }];
    const p = createPlacement(cells, rules, { version: 2, staging: [{ home: 'JP', category: 'user.content.media', cell: 'jp' }] });
    const media = { home: 'JP', class: 'consumer' as const, category: 'user.content.media' };
    expect(p.version).toBe(2);
    expect(p.cellFor(media)).toBe('kr');
    expect(p.accepts(media, 'kr')).toBe(true);
    expect(p.accepts(media, 'jp')).toBe(true);
    expect(p.accepts({ ...media, category: 'user.content.message' }, 'kr')).toBe(false);
    expect(p.accepts({ ...media, home: 'KR' }, 'jp')).toBe(false);
    expect(createPlacement(cells, rules).accepts(media, 'jp')).toBe(false);
    expect(() => createPlacement(cells, rules, { version: 2, staging: [{ home: 'JP', category: 'user.content.media', cell: 'cn' }] })).toThrow(PlacementError);
  });

  it('prefers the most specific rule', () => {
    const p = createPlacement(cells, [
      { category: 'user.content', cell: 'kr' },
      { home: 'JP', category: 'user.content.message', cell: 'jp' },
    ]);
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.message' })).toBe('jp');
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.media' })).toBe('kr');
  });

  it('does not match a category that only shares a string prefix', () => {
    const p = createPlacement(cells, [{ home: 'JP', category: 'user.content.med', cell: 'kr' }]);
    expect(p.cellFor({ home: 'JP', class: 'consumer', category: 'user.content.media' })).toBe('jp');
  });

  it('keeps government-class data home whatever the rules say', () => {
    const p = createPlacement(cells, [{ category: 'user', cell: 'kr' }]);
    fc.assert(
      fc.property(fc.constantFrom('user.content.media', 'user.contact.phone_number', 'user.content.message'), (category) => {
        expect(p.cellFor({ home: 'JP', class: 'government', category })).toBe('jp');
      }),
    );
  });

  it('refuses a rule that would move government data or names an unknown cell', () => {
    expect(() => createPlacement(cells, [{ class: 'government', category: 'user', cell: 'kr' }])).toThrow(
      PlacementError,
    );
    expect(() => createPlacement(cells, [{ category: 'user', cell: 'cn' }])).toThrow(/not configured/);
  });

  it('gives null for a home no cell serves', () => {
    const p = createPlacement(cells, []);
    expect(p.cellFor({ home: 'US', class: 'consumer', category: 'user.content.message' })).toBeNull();
  });

  it('always answers a configured cell or the home cell', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('JP', 'KR'),
        fc.constantFrom(...subjectClasses),
        fc.array(fc.constantFrom('user', 'content', 'media', 'contact'), { minLength: 1, maxLength: 4 }),
        (home, cls, parts) => {
          const p = createPlacement(cells, [{ home: 'JP', category: 'user.content', cell: 'kr' }]);
          const cell = p.cellFor({ home, class: cls, category: parts.join('.') });
          expect(['jp', 'kr']).toContain(cell);
        },
      ),
    );
  });
});
