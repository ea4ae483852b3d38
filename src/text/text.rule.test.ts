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
    expect(firstTextProblem({ a: 1, b: null, c: true, d: ['fine'] }, 'body')).toBeNull();
    expect(firstTextProblem(Buffer.from([0, 0, 0]), 'body')).toBeNull();
  });
});
