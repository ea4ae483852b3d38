import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJsonBytes } from '../log/canonical.js';
import { leafHash, nodeHash } from '../log/merkle.js';
import { generateKeyPair, parseSignerKey } from '../log/note.js';
import { countsOf, manifestLines, manifestRoot, signReceipt, verifyReceipt, type Receipt } from './receipt.js';

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const entries = [
  { category: 'user.financial.wallet', id: 'wallet:u2', sha256: sha('w'), bytes: 10 },
  { category: 'user.content.media', id: 'media:b', sha256: sha('b'), bytes: 300 },
  { category: 'user.content.media', id: 'media:a', sha256: sha('a'), bytes: 200 },
];

function signed() {
  const { signerKey, verifierKey } = generateKeyPair('domicile.test/log/jp');
  const lines = manifestLines(entries);
  const receipt: Receipt = {
    job: 'mig-1',
    deployment: 'domicile.test',
    home: 'JP',
    categories: ['user.content.media', 'user.financial'],
    from: { cells: ['kr'], jurisdictions: ['KR'] },
    to: { cell: 'jp', jurisdiction: 'JP' },
    counts: countsOf(entries),
    manifestRoot: manifestRoot(lines),
    placementVersion: { before: 1, after: 3 },
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:01:00.000Z',
    checkpoints: [{ origin: 'domicile.test/log/jp', size: 12, root: Buffer.alloc(32).toString('base64') }],
  };
  return { doc: signReceipt(receipt, parseSignerKey(signerKey), verifierKey), manifest: lines.map((l) => `${l}\n`).join(''), verifierKey };
}

describe('migration receipt', () => {
  it('writes manifest lines as RFC 8785 objects sorted by id', () => {
    const lines = manifestLines(entries);
    expect(lines[0]).toBe(`{"category":"user.content.media","id":"media:a","sha256":"${sha('a')}"}`);
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['media:a', 'media:b', 'wallet:u2']);
  });

  it('hashes the lines as an RFC 9162 tree', () => {
    const [a, b, c] = manifestLines(entries).map((l) => leafHash(Buffer.from(l)));
    expect(manifestRoot(manifestLines(entries))).toBe(nodeHash(nodeHash(a as Buffer, b as Buffer), c as Buffer).toString('base64'));
    expect(manifestRoot([])).toBe(crypto.createHash('sha256').update('').digest('base64'));
  });

  it('counts records and bytes per category', () => {
    expect(countsOf(entries)).toEqual({ 'user.content.media': { records: 2, bytes: 500 }, 'user.financial.wallet': { records: 1, bytes: 10 } });
  });

  it('verifies a receipt signed over the RFC 8785 bytes of receipt, with node:crypto alone', () => {
    const { doc, manifest, verifierKey } = signed();
    expect(verifyReceipt({ signed: doc, manifest, trustedKey: verifierKey })).toEqual([]);
    // What an auditor does with public tools: after the name and key id, base64(0x01 ‖ the Ed25519 public key), which may hold '+'.
    const raw = Buffer.from(doc.key.split('+').slice(2).join('+'), 'base64').subarray(1);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
    const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(crypto.verify(null, canonicalJsonBytes(doc.receipt), key, Buffer.from(doc.signature, 'base64'))).toBe(true);
  });

  it('names what fails: a changed field, a changed manifest line, a missing line, another key', () => {
    const { doc, manifest } = signed();
    expect(verifyReceipt({ signed: { ...doc, receipt: { ...doc.receipt, home: 'KR' } }, manifest })).toEqual(['signature: does not verify over the RFC 8785 bytes of receipt']);
    const changed = manifest.replace(sha('b'), sha('x'));
    expect(verifyReceipt({ signed: doc, manifest: changed })).toEqual(["manifestRoot: the manifest's tree hash differs from the receipt's"]);
    const shorter = manifest.split('\n').slice(1).join('\n');
    expect(verifyReceipt({ signed: doc, manifest: shorter })).toEqual([
      "manifestRoot: the manifest's tree hash differs from the receipt's",
      'counts: user.content.media has 1 records in the manifest, the receipt says 2',
    ]);
    expect(verifyReceipt({ signed: doc, trustedKey: generateKeyPair('domicile.test/log/jp').verifierKey })).toEqual(['key: the receipt is signed by a key other than the published one']);
    expect(verifyReceipt({ signed: { receipt: doc.receipt } })).toEqual(['receipt: not a signed receipt ({"receipt", "signature", "key"})']);
  });
});
