import { describe, expect, it } from 'vitest';
import { firstTextProblem, textProblem } from './text.rule.js';

describe('the text rule', () => {
  it('accepts ordinary text in any script, with emoji and right-to-left marks', () => {
    for (const ok of ['こんにちは', '안녕하세요 👋🏽', 'Zoë', 'שלום\u200F world', 'a\tb\nc', 'line one\r\nline two']) {
      expect(textProblem(ok, 'text')).toBeNull();
    }
    expect(textProblem('Minato City', 'name')).toBeNull();
    expect(textProblem('👩‍👩‍👧', 'name')).toBeNull();
  });

  it('refuses U+0000, other controls, lone surrogates and bidi overrides', () => {
    expect(textProblem('a\u0000b', 'text')).toMatch(/U\+0000/);
    expect(textProblem('a\u001Bb', 'text')).toMatch(/U\+001B/);
    expect(textProblem('a\u0085b', 'text')).toMatch(/U\+0085/);
    expect(textProblem('a\rb', 'text')).toMatch(/U\+000D/);
    expect(textProblem('\uD800', 'text')).toMatch(/surrogate/);
    expect(textProblem('x\uDC00', 'text')).toMatch(/surrogate/);
    expect(textProblem('invoice\u202Efdp.exe', 'text')).toMatch(/U\+202E/);
    expect(textProblem('a\u2066b', 'text')).toMatch(/U\+2066/);
  });

  it('refuses in free text exactly the controls, bidi controls and lone surrogates, whatever else a string holds', () => {
    // Every UTF-16 code unit between two letters: the quick pre-check must let through only what the full checks accept.
    const refused = (u: number): boolean => (u <= 0x08 || (u >= 0x0b && u <= 0x1f) || (u >= 0x7f && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) || (u >= 0xd800 && u <= 0xdfff));
    const wrong: number[] = [];
    for (let u = 0; u <= 0xffff; u += 1) if ((textProblem(`a${String.fromCharCode(u)}b`, 'text') !== null) !== refused(u)) wrong.push(u);
    expect(wrong).toEqual([]);
    expect(textProblem('a\uD83D\uDE00b\r\n', 'text')).toBeNull();
    expect(textProblem('a\uD83D\uDE00\u0007', 'text')).toMatch(/U\+0007/);
  });

  it('keeps one-line fields to one line and names visible', () => {
    expect(textProblem('a\tb', 'line')).toMatch(/U\+0009/);
    expect(textProblem('a\nb', 'name')).toMatch(/U\+000A/);
    expect(textProblem('a\u2028b', 'line')).toMatch(/U\+2028/);
    for (const blank of ['\u200B', '\u200B\u200C\u200D', ' \u3164 ', '\uFEFF', '\u0301', '\u2060 ']) {
      expect(textProblem(blank, 'name')).toMatch(/shows nothing/);
      expect(textProblem(blank, 'text')).toBeNull();
    }
  });

  it('finds the first bad string anywhere in a value, keys included, and says where', () => {
    expect(firstTextProblem({ a: ['ok', { b: 'x\u0000' }] }, 'body')).toMatch(/^body\/a\/1\/b: .*U\+0000/);
    expect(firstTextProblem({ ['k\u0000']: 1 }, 'body')).toMatch(/field name/);
    expect(firstTextProblem({ a: { ['k\u202E']: 1 } }, 'frame')).toMatch(/^frame\/a \(a field name\): .*U\+202E/);
    expect(firstTextProblem({ a: 1, b: null, c: true, d: ['fine'] }, 'body')).toBeNull();
    expect(firstTextProblem(Buffer.from([0, 0, 0]), 'body')).toBeNull();
  });
});
