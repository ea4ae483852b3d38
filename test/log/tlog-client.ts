// A minimal, independent tlog-tiles client, written only from the C2SP specifications
// (signed-note, tlog-checkpoint, tlog-tiles) and RFC 6962/9162. It deliberately shares no code
// with src/governance/log, so the log's output is checked by a second implementation.
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';

/** Fetches one resource relative to the log's prefix; null when it does not exist (404). */
export type TlogFetch = (path: string) => Promise<Uint8Array | null>;

export interface ClientKey {
  name: string;
  keyHash: Buffer;
  publicKey: KeyObject;
}

export interface VerifiedLog {
  origin: string;
  size: number;
  root: Buffer;
  entries: Buffer[];
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

const leafHashOf = (entry: Uint8Array): Buffer => sha256(Buffer.from([0]), entry);
const nodeHashOf = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Buffer.from([1]), left, right);

/** signed-note: `<name>+<hex key hash>+<base64(0x01 ‖ 32-byte Ed25519 key)>`. */
export function parseClientKey(vkey: string): ClientKey {
  // The name has no '+'; base64 may, so only the first two split.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new Error('a verifier key is name+hash+key');
  const name = vkey.slice(0, first);
  const hash = vkey.slice(first + 1, second);
  const data = vkey.slice(second + 1);
  const key = Buffer.from(data, 'base64');
  if (key.length !== 33 || key[0] !== 0x01 || !/^[0-9a-f]{8}$/.test(hash)) throw new Error('not an Ed25519 verifier key');
  const keyHash = sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a]), key).subarray(0, 4);
  if (keyHash.toString('hex') !== hash) throw new Error('verifier key hash does not match');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]);
  return { name, keyHash, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

/** signed-note: returns the note text once a signature by `key` verifies over it. */
export function openSignedNote(note: string, key: ClientKey): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('note has no signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split('\n');
  if (lines.pop() !== '') throw new Error('signature block must end with a newline');
  for (const line of lines) {
    if (!line.startsWith('\u2014 ')) throw new Error('malformed signature line');
    const [name, b64] = line.slice(2).split(' ');
    if (name !== key.name || !b64) continue;
    const sig = Buffer.from(b64, 'base64');
    if (sig.length !== 68 || !sig.subarray(0, 4).equals(key.keyHash)) continue;
    if (verifySignature(null, Buffer.from(text, 'utf8'), key.publicKey, sig.subarray(4))) return text;
    throw new Error('signature does not verify');
  }
  throw new Error(`no signature by ${key.name}`);
}

/** tlog-checkpoint: origin, decimal tree size, base64 root hash, optional extension lines. */
export function parseCheckpointBody(text: string): { origin: string; size: number; root: Buffer } {
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !/^(0|[1-9][0-9]*)$/.test(size) || !root) throw new Error('malformed checkpoint');
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32) throw new Error('root hash is not 32 bytes');
  return { origin, size: Number(size), root: hash };
}

/** tlog-tiles: N as 3-digit elements, all but the last prefixed with x; `.p/W` for partial tiles. */
export function tilePath(level: number | 'entries', index: number, width: number): string {
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups = digits.match(/.{3}/g) ?? [];
  const n = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
  return `tile/${level}/${n}${width < 256 ? `.p/${width}` : ''}`;
}

/** RFC 6962 §2.1 MTH over leaf hashes. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHashOf(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.2: does `proof` place `leaf` at `index` under `root`? */
export function checkInclusion(leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHashOf(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHashOf(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

async function must(fetch: TlogFetch, path: string): Promise<Buffer> {
  const bytes = await fetch(path);
  if (!bytes) throw new Error(`${path} is missing`);
  return Buffer.from(bytes);
}

/**
 * Fetches the checkpoint, every hash tile and every entry bundle of its tree, and checks all of
 * them: the signature, each entry against its leaf hash, each higher tile hash against the tile
 * below, and the root recomputed from the leaves against the signed root.
 */
export async function verifyTiledLog(props: { fetch: TlogFetch; verifierKey: string; origin: string }): Promise<VerifiedLog> {
  const key = parseClientKey(props.verifierKey);
  const body = openSignedNote((await must(props.fetch, 'checkpoint')).toString('utf8'), key);
  const { origin, size, root } = parseCheckpointBody(body);
  if (origin !== props.origin) throw new Error(`checkpoint is for ${origin}`);

  const leaves: Buffer[] = [];
  const entries: Buffer[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const width = Math.min(256, size - n * 256);
    const tile = await must(props.fetch, tilePath(0, n, width));
    const bundle = await must(props.fetch, tilePath('entries', n, width));
    if (tile.length !== width * 32) throw new Error(`tile 0/${n} has the wrong length`);
    let at = 0;
    for (let i = 0; i < width; i++) {
      const length = bundle.readUInt16BE(at);
      const entry = bundle.subarray(at + 2, at + 2 + length);
      at += 2 + length;
      const leaf = leafHashOf(entry);
      if (!leaf.equals(tile.subarray(i * 32, (i + 1) * 32))) throw new Error(`entry ${n * 256 + i} does not match tile 0/${n}`);
      leaves.push(leaf);
      entries.push(Buffer.from(entry));
    }
    if (at !== bundle.length) throw new Error(`bundle ${n} has trailing bytes`);
  }

  // Level l ≥ 1: hash i of tile n is the root of full tile 256n + i at level l − 1.
  let below = leaves;
  for (let level = 1; Math.floor(size / 256 ** level) > 0; level++) {
    const count = Math.floor(size / 256 ** level);
    const hashes: Buffer[] = [];
    for (let n = 0; n * 256 < count; n++) {
      const width = Math.min(256, count - n * 256);
      const tile = await must(props.fetch, tilePath(level, n, width));
      if (tile.length !== width * 32) throw new Error(`tile ${level}/${n} has the wrong length`);
      for (let i = 0; i < width; i++) {
        const j = n * 256 + i;
        const expected = merkleRoot(below.slice(j * 256, (j + 1) * 256));
        const got = tile.subarray(i * 32, (i + 1) * 32);
        if (!expected.equals(got)) throw new Error(`tile ${level}/${n} hash ${i} is wrong`);
        hashes.push(Buffer.from(got));
      }
    }
    below = hashes;
  }

  if (!merkleRoot(leaves).equals(root)) throw new Error('the entries do not hash to the signed root');
  return { origin, size, root, entries };
}
