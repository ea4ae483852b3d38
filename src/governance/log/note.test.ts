import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LogError } from './errors.js';
import { logErrorReason, sharedVectorPath } from './log.test-support.js';
import {
  ed25519KeyId,
  formatSignerKey,
  formatVerifierKey,
  generateKeyPair,
  isValidKeyName,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  publicKeyFromSeed,
  signNote,
  type NoteVerifier,
} from './note.js';

const vectorFile = sharedVectorPath('signed-note.json');

interface ValidVector {
  source: string;
  verifierKey: string;
  signerKey?: string;
  text?: string;
  note: string;
}

interface InvalidVector {
  why: string;
  verifierKey: string;
  note: string | null;
}

interface NoteVectors {
  valid: ValidVector[];
  invalid: InvalidVector[];
}

// readFileSync throws when the file is missing: the suite must fail, never skip.
const vectors = JSON.parse(readFileSync(vectorFile, 'utf8')) as NoteVectors;

function withoutControls(s: string, keepNewline: boolean): string {
  return [...s].filter((c) => c.charCodeAt(0) >= 0x20 || (keepNewline && c === '\n')).join('');
}

const pair = generateKeyPair('domicile.example/jp-1');
const signer = parseSignerKey(pair.signerKey);
const verifier = parseVerifierKey(pair.verifierKey);
const other = generateKeyPair('witness.example');
const otherSigner = parseSignerKey(other.signerKey);
const otherVerifier = parseVerifierKey(other.verifierKey);

describe('signed-note vectors', () => {
  it('has vectors to run', () => {
    expect(vectors.valid.length).toBeGreaterThan(0);
    expect(vectors.invalid.length).toBeGreaterThan(0);
  });

  it.each(vectors.valid)('accepts: $source', (v) => {
    const ver = parseVerifierKey(v.verifierKey);
    const opened = openNote(v.note, [ver]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.verified[0]?.name).toBe(ver.name);
    if (v.text !== undefined) expect(opened.text).toBe(v.text);
    expect(openNote(Buffer.from(v.note, 'utf8'), [ver]).text).toBe(opened.text);
    if (v.signerKey !== undefined && v.text !== undefined) {
      const s = parseSignerKey(v.signerKey);
      expect(s.keyId).toBe(ver.keyId);
      expect(signNote(v.text, [s])).toBe(v.note);
    }
  });

  it.each(vectors.invalid)('rejects: $why', (v) => {
    let ver: NoteVerifier;
    try {
      ver = parseVerifierKey(v.verifierKey);
    } catch (err) {
      expect(err).toBeInstanceOf(LogError);
      return;
    }
    expect(v.note, 'a vector with a valid key must carry a note').not.toBeNull();
    expect(() => openNote(v.note ?? '', [ver])).toThrow(LogError);
  });
});

describe('keys', () => {
  it('round-trips generated keys and derives matching ids', () => {
    expect(signer.name).toBe('domicile.example/jp-1');
    expect(signer.keyId).toBe(verifier.keyId);
    const seed = Buffer.alloc(32, 7);
    const pub = publicKeyFromSeed(seed);
    const vkey = formatVerifierKey('k', pub);
    expect(vkey).toBe(`k+${ed25519KeyId('k', pub).toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`);
    expect(parseSignerKey(formatSignerKey('k', seed)).keyId).toBe(parseVerifierKey(vkey).keyId);
  });

  it('rejects malformed key strings', () => {
    const [, name, id, data] = /^([^+]+)\+([^+]+)\+(.+)$/.exec(pair.verifierKey) as unknown as [string, string, string, string];
    expect(
      logErrorReason(() => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    ).toBe('malformed-key');
    expect(logErrorReason(() => parseVerifierKey(`${name}+${id}+${data.slice(0, -1)}`))).toBe('malformed-key');
    expect(logErrorReason(() => parseVerifierKey(`${name}+${id}`))).toBe('malformed-key');
    expect(logErrorReason(() => parseVerifierKey(`${name}+${id}+${data}+x`))).toBe('malformed-key');
    expect(logErrorReason(() => parseVerifierKey(`other+${id}+${data}`))).toBe('key-hash-mismatch');
    expect(logErrorReason(() => parseVerifierKey(pair.signerKey))).toBe('malformed-key');
    expect(logErrorReason(() => parseSignerKey(pair.verifierKey))).toBe('malformed-key');
    expect(logErrorReason(() => parseSignerKey(pair.signerKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')))).toBe(
      'key-hash-mismatch',
    );
    expect(logErrorReason(() => generateKeyPair('has space'))).toBe('malformed-key');
    expect(logErrorReason(() => generateKeyPair(''))).toBe('malformed-key');
  });

  it('validates names like the spec', () => {
    expect(isValidKeyName('example.com/log')).toBe(true);
    for (const bad of ['', 'a+b', 'a b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u0085b', 'a\u0001b', '\ud800']) {
      expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('notes', () => {
  const text = 'hello\nworld\n';

  it('signs with several keys and reports unknown signatures', () => {
    const note = signNote(text, [signer, otherSigner]);
    expect(note.startsWith(`${text}\n\u2014 domicile.example/jp-1 `)).toBe(true);
    const opened = openNote(note, [verifier]);
    expect(opened.text).toBe(text);
    expect(opened.verified.map((s) => s.name)).toEqual(['domicile.example/jp-1']);
    expect(opened.unverified.map((s) => s.name)).toEqual(['witness.example']);
    expect(openNote(note, [verifier, otherVerifier]).verified).toHaveLength(2);
    expect(parseNote(note).signatures).toHaveLength(2);
  });

  it('refuses notes no known key signed', () => {
    expect(logErrorReason(() => openNote(signNote(text, [otherSigner]), [verifier]))).toBe('no-verified-signature');
    expect(logErrorReason(() => openNote(signNote(text, [signer]), []))).toBe('no-verified-signature');
  });

  it('refuses a bad signature by a known key even beside a good one', () => {
    const good = signNote(text, [signer]);
    const sigLine = good.slice(text.length + 1);
    const raw = Buffer.from(sigLine.trim().split(' ')[2] as string, 'base64');
    raw[10] = (raw[10] as number) ^ 1;
    const bad = `\u2014 domicile.example/jp-1 ${raw.toString('base64')}\n`;
    expect(logErrorReason(() => openNote(`${text}\n${bad}`, [verifier]))).toBe('invalid-signature');
    expect(logErrorReason(() => openNote(`${good}${bad}`, [verifier]))).toBe('invalid-signature');
  });

  it('rejects malformed notes', () => {
    const good = signNote(text, [signer]);
    const sigLine = good.slice(text.length + 1);
    const [, name, b64] = sigLine.trimEnd().split(' ') as [string, string, string];
    const cases: Record<string, string> = {
      'no trailing newline': good.slice(0, -1),
      'no blank line': `${text}${sigLine}`,
      'hyphen instead of em dash': `${text}\n- ${name} ${b64}\n`,
      'two spaces after dash': `${text}\n\u2014  ${name} ${b64}\n`,
      'missing signature': `${text}\n\u2014 ${name}\n`,
      'unpadded base64': `${text}\n\u2014 ${name} ${b64.replace(/=+$/, '')}\n`,
      'trailing space': `${text}\n\u2014 ${name} ${b64} \n`,
      'short signature': `${text}\n\u2014 ${name} AAAA\n`,
      'carriage return': good.replace('hello\n', 'hello\r\n'),
      'control character': good.replace('hello', 'hel\u0007lo'),
      'blank signature line': `${good}\n`,
      'no signatures': `${text}\n`,
      'too many signatures': `${text}\n${sigLine.repeat(101)}`,
    };
    for (const [why, note] of Object.entries(cases)) {
      expect(logErrorReason(() => openNote(note, [verifier])), why).toBe('malformed-note');
    }
    const invalidUtf8 = Buffer.concat([Buffer.from('hel'), Buffer.from([0xff]), Buffer.from(good.slice(3))]);
    expect(logErrorReason(() => openNote(invalidUtf8, [verifier]))).toBe('malformed-note');
  });

  it('refuses to sign text that could not be parsed back', () => {
    for (const bad of ['', 'no newline', 'cr\r\n', 'lone \ud800\n']) {
      expect(logErrorReason(() => signNote(bad, [signer])), JSON.stringify(bad)).toBe('malformed-note');
    }
    expect(logErrorReason(() => signNote(text, []))).toBe('invalid-argument');
  });

  it('round-trips any valid text, and any change to it breaks the signature', () => {
    const validText = fc
      .string({ unit: 'grapheme', maxLength: 60 })
      .map((s) => `${withoutControls(s, true)}\n`);
    fc.assert(
      fc.property(validText, fc.nat(), fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme-ascii' }), (t, at, insert) => {
        const note = signNote(t, [signer]);
        expect(openNote(note, [verifier]).text).toBe(t);
        const pos = at % t.length;
        const changed = t.slice(0, pos) + (withoutControls(insert, false) || 'x') + t.slice(pos);
        const tampered = changed + note.slice(t.length);
        expect(() => openNote(tampered, [verifier])).toThrow(LogError);
      }),
      { numRuns: 100 },
    );
  });
});
