import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonBytes } from './canonical.js';
import { logErrorReason } from './log.test-support.js';

describe('canonicalJson', () => {
  it('matches the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Compared as text: JSON.parse would enumerate the integer-like key "1" first.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('serialises an access-log entry without whitespace and in key order', () => {
    const entry = {
      seq: 7,
      decision: 'allow',
      operator: { id: 'op-1', physicalCountry: 'JP' },
      categories: ['user.contact.phone'],
      at: '2025-01-01T00:00:00.000Z',
      caseRef: null,
    };
    const text =
      '{"at":"2025-01-01T00:00:00.000Z","caseRef":null,"categories":["user.contact.phone"],' +
      '"decision":"allow","operator":{"id":"op-1","physicalCountry":"JP"},"seq":7}';
    expect(canonicalJson(entry)).toBe(text);
    expect(canonicalJsonBytes(entry)).toEqual(Buffer.from(text));
    expect(canonicalJson({ é: 'ü', n: -0 })).toBe('{"n":0,"é":"ü"}');
  });

  it('throws on anything that is not plainly JSON', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad: Record<string, unknown> = {
      undefined: undefined,
      'undefined member': { a: undefined },
      'undefined item': [1, undefined],
      hole: [1, , 3], // eslint-disable-line no-sparse-arrays
      NaN: { n: Number.NaN },
      Infinity: [Number.POSITIVE_INFINITY],
      bigint: { n: 1n },
      function: { f: () => 1 },
      symbol: Symbol('x'),
      Date: { at: new Date(0) },
      Map: new Map(),
      'lone surrogate': { s: '\ud800' },
      'lone surrogate key': { '\udc00': 1 },
      'symbol key': { [Symbol('k')]: 1 },
      circular,
    };
    for (const [why, value] of Object.entries(bad)) {
      expect(logErrorReason(() => canonicalJson(value)), why).toBe('not-json');
    }
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('is a fixed point and ignores key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text) as unknown)).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
      { numRuns: 100 },
    );
  });
});
