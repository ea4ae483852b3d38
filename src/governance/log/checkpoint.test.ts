import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { logErrorReason, sharedVectorPath } from './log.test-support.js';
import { leafHash } from './merkle.js';
import { generateKeyPair, parseNote, parseSignerKey, parseVerifierKey } from './note.js';

const vectorFile = sharedVectorPath('signed-note.json');

interface CheckpointVector {
  note: string;
  origin: string;
  treeSize: number;
  rootHash: string;
}

const { checkpointFormat } = JSON.parse(readFileSync(vectorFile, 'utf8')) as { checkpointFormat: CheckpointVector };

const origin = 'domicile.example/log/jp-1';
const logKeys = generateKeyPair(origin);
const logSigner = parseSignerKey(logKeys.signerKey);
const logVerifier = parseVerifierKey(logKeys.verifierKey);
const witnessKeys = generateKeyPair('witness.example');
const witnessSigner = parseSignerKey(witnessKeys.signerKey);
const witnessVerifier = parseVerifierKey(witnessKeys.verifierKey);

const sample: Checkpoint = {
  origin,
  treeSize: 1234,
  rootHash: leafHash(Buffer.from('root')),
  extensions: [],
};

describe('checkpoint', () => {
  it('parses the C2SP example and formats it back byte for byte', () => {
    const { text } = parseNote(checkpointFormat.note);
    const cp = parseCheckpoint(text);
    expect(cp.origin).toBe(checkpointFormat.origin);
    expect(cp.treeSize).toBe(checkpointFormat.treeSize);
    expect(Buffer.from(cp.rootHash).toString('base64')).toBe(checkpointFormat.rootHash);
    expect(formatCheckpoint(cp)).toBe(text);
    // Its signing key is not published: no key we hold may accept it.
    expect(logErrorReason(() => openCheckpoint(checkpointFormat.note, [logVerifier], checkpointFormat.origin))).toBe(
      'no-verified-signature',
    );
  });

  it('signs and opens, keeping extension lines', () => {
    const cp = { ...sample, extensions: ['Timestamp: 1718000000', 'cell JP'] };
    const note = signCheckpoint(cp, [logSigner]);
    expect(note.startsWith(`${origin}\n1234\n`)).toBe(true);
    const opened = openCheckpoint(note, [logVerifier], origin);
    expect(opened.checkpoint).toEqual({ ...cp, rootHash: Buffer.from(cp.rootHash) });
    expect(opened.note.verified.map((s) => s.name)).toEqual([origin]);
  });

  it('accepts witness cosignatures beside the log signature, but not instead of it', () => {
    const both = signCheckpoint(sample, [logSigner, witnessSigner]);
    expect(openCheckpoint(both, [logVerifier, witnessVerifier], origin).note.verified).toHaveLength(2);
    expect(openCheckpoint(both, [logVerifier], origin).note.unverified).toHaveLength(1);
    const witnessOnly = signCheckpoint(sample, [witnessSigner]);
    expect(logErrorReason(() => openCheckpoint(witnessOnly, [logVerifier, witnessVerifier], origin))).toBe(
      'no-verified-signature',
    );
  });

  it('refuses a checkpoint of another log', () => {
    const note = signCheckpoint({ ...sample, origin: 'domicile.example/log/kr-1' }, [logSigner]);
    expect(logErrorReason(() => openCheckpoint(note, [logVerifier], origin))).toBe('origin-mismatch');
  });

  it('rejects malformed bodies', () => {
    const root = Buffer.from(sample.rootHash).toString('base64');
    const bad: Record<string, string> = {
      'missing newline': `${origin}\n5\n${root}`,
      'missing root': `${origin}\n5\n`,
      'empty origin': `\n5\n${root}\n`,
      'leading zero': `${origin}\n05\n${root}\n`,
      'plus sign': `${origin}\n+5\n${root}\n`,
      negative: `${origin}\n-5\n${root}\n`,
      exponent: `${origin}\n1e3\n${root}\n`,
      'beyond 2^53': `${origin}\n9007199254740993\n${root}\n`,
      'short root': `${origin}\n5\n${Buffer.alloc(31).toString('base64')}\n`,
      'unpadded root': `${origin}\n5\n${root.replace(/=+$/, '')}\n`,
      'empty extension': `${origin}\n5\n${root}\n\n`,
      'carriage return': `${origin}\r\n5\n${root}\n`,
    };
    for (const [why, text] of Object.entries(bad)) {
      expect(logErrorReason(() => parseCheckpoint(text)), why).toBe('malformed-checkpoint');
    }
    expect(parseCheckpoint(`${origin}\n0\n${root}\n`).treeSize).toBe(0);
    expect(logErrorReason(() => formatCheckpoint({ ...sample, treeSize: 1.5 }))).toBe('malformed-checkpoint');
    expect(logErrorReason(() => formatCheckpoint({ ...sample, extensions: ['a\nb'] }))).toBe('malformed-checkpoint');
    expect(logErrorReason(() => formatCheckpoint({ ...sample, origin: '' }))).toBe('malformed-checkpoint');
  });

  it('round-trips any well-formed checkpoint', () => {
    const line = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => [...s].every((c) => c.charCodeAt(0) >= 0x20));
    fc.assert(
      fc.property(
        line,
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (o, treeSize, rootHash, extensions) => {
          const cp: Checkpoint = { origin: o, treeSize, rootHash: Buffer.from(rootHash), extensions };
          expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
        },
      ),
    );
  });
});
