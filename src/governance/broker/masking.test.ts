import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMask, compileMasker, defaultFieldRules, keyedHash, lastFour, maskPlan } from './masking.js';

const key = Buffer.alloc(32, 7);

describe('masks', () => {
  it('last four keeps only the last four characters, and hides short values whole', () => {
    expect(lastFour('+81 90-1234-5678')).toBe('••••5678');
    expect(lastFour('1234')).toBe('••••');
    expect(lastFour('')).toBe('••••');
    expect(lastFour(null)).toBeNull();
    expect(lastFour(123456)).toBe('••••3456');
  });

  it('the keyed hash is stable per field and value, differs by field and by key, and never contains the value', () => {
    expect(keyedHash(key, 'email', 'hanako@example.jp')).toBe(keyedHash(key, 'email', 'hanako@example.jp'));
    expect(keyedHash(key, 'email', 'hanako@example.jp')).not.toBe(keyedHash(key, 'phone', 'hanako@example.jp'));
    expect(keyedHash(key, 'email', 'hanako@example.jp')).not.toBe(keyedHash(Buffer.alloc(32, 8), 'email', 'hanako@example.jp'));
    expect(keyedHash(key, 'email', null)).toBeNull();
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), (value) => {
        const hashed = keyedHash(key, 'text', value) ?? '';
        expect(hashed).toMatch(/^h:[A-Za-z0-9_-]{16}$/);
      }),
    );
  });

  it('redact releases nothing', () => {
    expect(applyMask('redact', key, 'text', 'secret words')).toBeNull();
    expect(applyMask('clear', key, 'text', 'words')).toBe('words');
  });
});

describe('mask plans', () => {
  it('uses the category rule unless the field is granted in clear; unknown fields are redacted', () => {
    const plan = maskPlan({ rules: defaultFieldRules, category: 'user.contact', fields: ['email', 'phone', 'fax'], clear: new Set() });
    expect(plan).toEqual({ email: 'clear', phone: 'last4', fax: 'redact' });
    expect(maskPlan({ rules: defaultFieldRules, category: 'user.contact', fields: ['phone'], clear: new Set(['phone']) })).toEqual({ phone: 'clear' });
    expect(maskPlan({ rules: defaultFieldRules, category: 'user.content.message', fields: ['text', 'seq'], clear: null })).toEqual({ text: 'clear', seq: 'clear' });
    expect(maskPlan({ rules: defaultFieldRules, category: 'no.such.category', fields: ['x'], clear: new Set() })).toEqual({ x: 'redact' });
  });

  it('a compiled masker applies the plan and releases only the planned fields', () => {
    const mask = compileMasker({ email: 'clear', phone: 'last4', text: 'redact', conversationId: 'hash' }, key);
    const out = mask({ email: 'a@b.jp', phone: '+81 90-1234-5678', text: 'hello', conversationId: 'jp_x', extra: 'not asked for' });
    expect(out).toEqual({ email: 'a@b.jp', phone: '••••5678', text: null, conversationId: keyedHash(key, 'conversationId', 'jp_x') });
    const clear = compileMasker({ email: 'clear' }, key);
    expect(clear({ email: 'a@b.jp', phone: '1' })).toEqual({ email: 'a@b.jp' });
  });
});

describe('the all-clear masker', () => {
  it('passes a record with exactly the planned fields through, and copies anything else down to the plan', () => {
    const mask = compileMasker({ email: 'clear', phone: 'clear' }, key);
    const exact = { email: 'a@b.jp', phone: '1' };
    expect(mask(exact)).toBe(exact);
    expect(mask({ email: 'a@b.jp', phone: '1', secret: 'x' })).toEqual({ email: 'a@b.jp', phone: '1' });
    expect(mask({ email: 'a@b.jp' })).toEqual({ email: 'a@b.jp', phone: null });
  });
});
