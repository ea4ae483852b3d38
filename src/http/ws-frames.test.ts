import { describe, expect, it } from 'vitest';
import { closeReason } from './ws-frames.js';

describe('closeReason', () => {
  it('fits any message into the 123 bytes of a close frame, never splitting a character', () => {
    const ascii = 'a'.repeat(200);
    expect(closeReason(ascii)).toBe('a'.repeat(123));
    // 120 characters of three bytes each: a cut by characters (the old way) was 360 bytes, which ws refuses.
    const kana = 'あ'.repeat(120);
    expect(Buffer.byteLength(closeReason(kana))).toBe(123);
    expect(closeReason(kana)).toBe('あ'.repeat(41));
    const emoji = `x${'😀'.repeat(40)}`;
    const cut = closeReason(emoji);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut).toBe(`x${'😀'.repeat(30)}`);
    expect(closeReason('short')).toBe('short');
  });
});
