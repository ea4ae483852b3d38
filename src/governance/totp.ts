// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) with node:crypto, and the base32
// secrets authenticator apps exchange (RFC 4648). Pure apart from reading the clock when no
// time is given.
import crypto from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** Seconds per step; RFC 6238's default and every authenticator app's is 30. */
  readonly stepSeconds?: number;
  readonly digits?: number;
  readonly algorithm?: TotpAlgorithm;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes base32, ignoring case, spaces and padding; null when it is not base32: a character
 * outside the alphabet, a length no whole number of bytes encodes to, or non-zero bits after the
 * last byte (RFC 4648 §3.5: an encoder sets them to zero, so two spellings never mean one secret).
 */
export function base32Decode(text: string): Buffer | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32.indexOf(char);
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bits >= 5 || (buffer & ((1 << bits) - 1)) !== 0) return null;
  return Buffer.from(bytes);
}

/** A new random secret (160 bits, as RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return base32Encode(crypto.randomBytes(20));
}

/** HOTP (RFC 4226): the code for one counter value. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export function totpStep(unixSeconds: number, stepSeconds = 30): number {
  return Math.floor(unixSeconds / stepSeconds);
}

/** TOTP (RFC 6238): the code at a time (seconds since the epoch). */
export function totp(secret: Uint8Array, unixSeconds: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(unixSeconds, options.stepSeconds), options.digits ?? 6, options.algorithm);
}

/**
 * The step a code belongs to, within one step either side of now (clock drift), or null. The
 * caller refuses a step it has already accepted, so a code cannot be replayed.
 */
export function verifyTotp(props: { secret: Uint8Array; code: string; unixSeconds: number; options?: TotpOptions }): number | null {
  const digits = props.options?.digits ?? 6;
  if (!new RegExp(`^\\d{${digits}}$`).test(props.code)) return null;
  const now = totpStep(props.unixSeconds, props.options?.stepSeconds);
  const given = Buffer.from(props.code);
  for (const step of [now, now - 1, now + 1]) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(props.secret, step, digits, props.options?.algorithm));
    if (crypto.timingSafeEqual(expected, given)) return step;
  }
  return null;
}
