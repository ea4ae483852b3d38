import { describe, expect, it } from 'vitest';
import { e164, normaliseLogin } from './directory.js';

describe('login normalisation', () => {
  it('folds compatibility forms and case so look-alikes are one login', () => {
    expect(normaliseLogin('ＡＩＫＯ@Example.TEST')).toBe('aiko@example.test');
    expect(normaliseLogin(' Straße@example.test ')).toBe(normaliseLogin('STRASSE@example.test'));
    expect(normaliseLogin('ﬁona@example.test')).toBe('fiona@example.test');
  });

  it('compares phone numbers by their E.164 digits', () => {
    expect(normaliseLogin('+81 90-1234-5678')).toBe('tel:819012345678');
    expect(normaliseLogin('＋８１ ９０ １２３４ ５６７８')).toBe('tel:819012345678');
    expect(e164('+81 (90) 1234-5678')).toBe('+819012345678');
    expect(e164('090-1234-5678')).toBeNull();
    expect(e164('+0 1234 5678')).toBeNull();
    expect(e164('+1 2345 6789 0123 4567')).toBeNull();
  });
});
