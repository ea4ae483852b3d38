import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charIndexOfByteOffset, lineColumnAt, splitPolicies } from './policy.text.js';

describe('splitPolicies', () => {
  it('cuts at top-level semicolons only', () => {
    const text = [
      '// first; with a semicolon in a comment',
      '@id("a;b")',
      'permit (principal, action, resource) when { resource.category like "x;*" };',
      '',
      '  forbid (principal, action, resource) when { context.grantId == "\\";" };',
      '// trailing comment;',
      '',
    ].join('\n');
    const chunks = splitPolicies(text);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]?.text.startsWith('// first')).toBe(true);
    expect(chunks[0]?.bodyStart).toBe(text.indexOf('@id'));
    expect(chunks[1]?.bodyStart).toBe(text.indexOf('forbid'));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(text.slice(0, text.lastIndexOf('};') + 2));
  });

  it('property: chunks tile the text up to the last cut', () => {
    const policy = fc.constantFrom(
      'permit (principal, action, resource);',
      '// note;\nforbid (principal, action, resource) when { context.x == "a;b" };',
      '@id("p;1") permit (principal, action, resource);',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(policy, fc.constantFrom('', '\n', '\n\n  '))), (parts) => {
        const text = parts.map(([p, gap]) => `${gap}${p}`).join('');
        const chunks = splitPolicies(text);
        expect(chunks).toHaveLength(parts.length);
        let at = 0;
        for (const chunk of chunks) {
          expect(chunk.start).toBe(at);
          expect(text.slice(chunk.start, chunk.start + chunk.text.length)).toBe(chunk.text);
          at += chunk.text.length;
        }
      }),
    );
  });
});

describe('source positions', () => {
  it('turns UTF-8 byte offsets into string indexes', () => {
    const text = 'é—a😀b';
    expect(charIndexOfByteOffset(text, 0)).toBe(0);
    expect(charIndexOfByteOffset(text, 2)).toBe(1);
    expect(charIndexOfByteOffset(text, 5)).toBe(2);
    expect(charIndexOfByteOffset(text, 6)).toBe(3);
    expect(charIndexOfByteOffset(text, 10)).toBe(5);
    expect(charIndexOfByteOffset('abc', 2)).toBe(2);
  });

  it('property: the byte offset of any index maps back to it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), (text, n) => {
        const points = [...text];
        const cut = points.slice(0, n % (points.length + 1)).join('');
        expect(charIndexOfByteOffset(text, Buffer.byteLength(cut))).toBe(cut.length);
      }),
    );
  });

  it('reports 1-based lines and columns', () => {
    const text = 'ab\ncd\n\nef';
    expect(lineColumnAt(text, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt(text, 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt(text, 7)).toEqual({ line: 4, column: 1 });
  });
});
