import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromSealedText, isSealedBytes, newDataKey, openBytes, recordSealer, sealedKeyId, unwrapDataKey, wrapDataKey } from './sealing.js';

const binding = { cellId: 'jp', keyId: 'K1', subjectId: 'hanako', category: 'user.content.message' };

describe('wrapping data keys', () => {
  it('unwraps with the master that wrapped it', () => {
    const master = crypto.randomBytes(32);
    const key = newDataKey();
    expect(unwrapDataKey(master, binding, wrapDataKey(master, binding, key))?.equals(key)).toBe(true);
  });

  it("refuses another cell's master", () => {
    const jp = crypto.randomBytes(32);
    const kr = crypto.randomBytes(32);
    expect(unwrapDataKey(kr, binding, wrapDataKey(jp, binding, newDataKey()))).toBeNull();
  });

  it('refuses a wrapped key moved to another cell, subject or category', () => {
    const master = crypto.randomBytes(32);
    const wrapped = wrapDataKey(master, binding, newDataKey());
    expect(unwrapDataKey(master, { ...binding, cellId: 'kr' }, wrapped)).toBeNull();
    expect(unwrapDataKey(master, { ...binding, subjectId: 'jiwoo' }, wrapped)).toBeNull();
    expect(unwrapDataKey(master, { ...binding, category: 'user.content.media' }, wrapped)).toBeNull();
  });
});

describe('sealing records', () => {
  const key = newDataKey();
  const record = { key, keyId: 'K1', recordId: 'm1', category: 'user.content.message' };
  const plaintext = Buffer.from('今日は雨です', 'utf8');
  const sealBytes = (r: typeof record & { plaintext: Uint8Array }): Buffer => recordSealer(r).seal(r.recordId, r.plaintext);

  it('opens what it sealed, and names its key', () => {
    const sealed = sealBytes({ ...record, plaintext });
    expect(isSealedBytes(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe('K1');
    expect(openBytes({ key, recordId: 'm1', category: record.category, sealed })?.toString('utf8')).toBe('今日は雨です');
    expect(sealed.includes(plaintext)).toBe(false);
  });

  it('does not open under another record id or category (AAD mismatch)', () => {
    const sealed = sealBytes({ ...record, plaintext });
    expect(openBytes({ key, recordId: 'm2', category: record.category, sealed })).toBeNull();
    expect(openBytes({ key, recordId: 'm1', category: 'user.content.media', sealed })).toBeNull();
  });

  it('does not open with another key or after a flipped byte', () => {
    const sealed = sealBytes({ ...record, plaintext });
    expect(openBytes({ key: newDataKey(), recordId: 'm1', category: record.category, sealed })).toBeNull();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(openBytes({ key, recordId: 'm1', category: record.category, sealed: flipped })).toBeNull();
  });

  it("a key's sealer seals text (UTF-8) as it seals bytes: each record alone opens, bound to its own id", () => {
    const sealer = recordSealer({ key, keyId: 'K1', category: record.category });
    const texts = ['今日は雨です', 'a', '🙂 emoji and ascii'];
    const sealed = texts.map((text, i) => fromSealedText(sealer.sealText(`m${i}`, text)));
    texts.forEach((text, i) => {
      const bytes = sealed[i];
      if (!bytes) throw new Error('a sealed text envelope');
      expect(sealedKeyId(bytes)).toBe('K1');
      expect(openBytes({ key, recordId: `m${i}`, category: record.category, sealed: bytes })?.toString('utf8')).toBe(text);
      expect(openBytes({ key, recordId: `m${i + 1}`, category: record.category, sealed: bytes })).toBeNull();
    });
    // A fresh IV each time: the same text under the same id never seals to the same bytes.
    expect(sealer.sealText('m0', texts[0] as string)).not.toBe(sealer.sealText('m0', texts[0] as string));
  });

  it('round-trips through the text envelope, and plain text is not mistaken for it', () => {
    const text = recordSealer(record).sealText(record.recordId, '今日は雨です');
    const sealed = fromSealedText(text);
    expect(sealed && openBytes({ key, recordId: 'm1', category: record.category, sealed })?.toString('utf8')).toBe('今日は雨です');
    expect(fromSealedText('dk1:hello')).toBeNull();
    expect(isSealedBytes(Buffer.from('\x89PNG\r\n\x1a\n'))).toBe(false);
  });
});
