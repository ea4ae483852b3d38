import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, verifyTotp, type TotpAlgorithm } from './totp.js';

// RFC 6238 Appendix B: the seed is the ASCII string repeated to the hash's block-size key length.
const seeds: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

const vectors: [number, TotpAlgorithm, string][] = [
  [59, 'sha1', '94287082'],
  [59, 'sha256', '46119246'],
  [59, 'sha512', '90693936'],
  [1111111109, 'sha1', '07081804'],
  [1111111109, 'sha256', '68084774'],
  [1111111109, 'sha512', '25091201'],
  [1111111111, 'sha1', '14050471'],
  [1111111111, 'sha256', '67062674'],
  [1111111111, 'sha512', '99943326'],
  [1234567890, 'sha1', '89005924'],
  [1234567890, 'sha256', '91819424'],
  [1234567890, 'sha512', '93441116'],
  [2000000000, 'sha1', '69279037'],
  [2000000000, 'sha256', '90698825'],
  [2000000000, 'sha512', '38618901'],
  [20000000000, 'sha1', '65353130'],
  [20000000000, 'sha256', '77737706'],
  [20000000000, 'sha512', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(vectors)('at %i with %s gives %s', (time, algorithm, code) => {
    expect(totp(seeds[algorithm], time, { digits: 8, algorithm })).toBe(code);
  });

  it('matches the RFC 4226 HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(seeds.sha1, counter)).toBe(code));
  });

  it('accepts a code one step either side and refuses others', () => {
    const secret = seeds.sha1;
    const now = 1_700_000_000;
    expect(verifyTotp({ secret, code: totp(secret, now), unixSeconds: now })).toBe(Math.floor(now / 30));
    expect(verifyTotp({ secret, code: totp(secret, now - 30), unixSeconds: now })).toBe(Math.floor(now / 30) - 1);
    expect(verifyTotp({ secret, code: totp(secret, now + 30), unixSeconds: now })).toBe(Math.floor(now / 30) + 1);
    expect(verifyTotp({ secret, code: totp(secret, now - 90), unixSeconds: now })).toBeNull();
    expect(verifyTotp({ secret, code: '12345', unixSeconds: now })).toBeNull();
    expect(verifyTotp({ secret, code: 'abcdef', unixSeconds: now })).toBeNull();
  });
});

describe('base32', () => {
  it('encodes the RFC 4648 examples (without padding)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(Buffer.from('f'))).toBe('MY');
    expect(base32Decode('MZXW6YTBOI======')?.toString()).toBe('foobar');
    expect(base32Decode('mzxw 6ytb oi')?.toString()).toBe('foobar');
    expect(base32Decode('not base32!')).toBeNull();
  });

  it('refuses non-zero trailing bits and lengths no bytes encode to (RFC 4648 §3.5)', () => {
    // "MY" is "f" (0x66): 10 bits, the last 2 zero. "MZ" would set them: a second spelling of "f".
    expect(base32Decode('MY')?.toString()).toBe('f');
    expect(base32Decode('MZ')).toBeNull();
    expect(base32Decode('MZXW6YTBOJ')).toBeNull();
    expect(base32Decode('M')).toBeNull();
    expect(base32Decode('MZX')).toBeNull();
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(Buffer.from(base32Decode(base32Encode(bytes)) ?? [0]).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
      }),
    );
  });
});
