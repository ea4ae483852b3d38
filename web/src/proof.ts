// Verifies, in the browser, that an access-log entry about the person is in their cell's log: the
// leaf hash SHA-256(0x00 ‖ entry bytes), the RFC 9162 §2.1.3.2 inclusion proof up to the root of a
// checkpoint, and the checkpoint's C2SP signed-note Ed25519 signature by the log's own key from
// /.well-known/domicile/log-keys.json — and that the entry really is about the person: its
// subjects are salted commitments, and the salt the server gives for the person's own id must
// open one of them (the others stay sealed). WebCrypto only, no server code; pure apart from
// crypto.subtle.
import type { AccessesPage, AccessItem, LogKeys } from './types.js';

const ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 ';
const HASH_SIZE = 32;

export class ProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProofError';
  }
}

const encoder = new TextEncoder();

/** Strict standard base64 (with padding) to bytes; undefined for anything else. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64url without padding (RFC 4648 §5) to bytes; undefined for anything else. */
function decodeBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}

export function encodeBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(new Uint8Array([0x00]), data));
}

/** RFC 9162 node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(new Uint8Array([0x01]), left, right));
}

/** Recomputes the root from an inclusion proof (RFC 9162 §2.1.3.2); throws ProofError if it cannot be one. */
export async function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    throw new ProofError(`leaf ${index} is not in a tree of size ${treeSize}`);
  }
  if (leaf.length !== HASH_SIZE) throw new ProofError('leaf hash has the wrong length');
  // Division rather than bit operators: indices may pass 2^31.
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_SIZE) throw new ProofError('proof element has the wrong length');
    if (sn === 0) throw new ProofError('proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('proof is too short');
  return r;
}

export interface VerifierKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array<ArrayBuffer>;
}

function readUint32(bytes: Uint8Array): number {
  return (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
}

/** Parses `name+hex(keyid)+base64(0x01 ‖ pub)` and checks the key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub)[0:4]. */
export async function parseVerifierKey(key: string): Promise<VerifierKey> {
  const first = key.indexOf('+');
  const second = first < 0 ? -1 : key.indexOf('+', first + 1);
  if (second < 0) throw new ProofError('verifier key must have the form name+keyid+key');
  const name = key.slice(0, first);
  const hex = key.slice(first + 1, second);
  const encoded = decodeBase64(key.slice(second + 1));
  if (name.length === 0 || /\s/.test(name)) throw new ProofError('verifier key has an invalid name');
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new ProofError('verifier key id must be 8 lower-case hex digits');
  if (!encoded || encoded.length !== 33 || encoded[0] !== ALG_ED25519) {
    throw new ProofError('verifier key is not an Ed25519 key');
  }
  const keyId = Number.parseInt(hex, 16);
  const digest = await sha256(concat(encoder.encode(name), new Uint8Array([0x0a]), encoded));
  if (readUint32(digest) !== keyId) throw new ProofError('verifier key id does not match its name and key');
  return { name, keyId, publicKey: encoded.slice(1) };
}

export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The note text that was signed. */
  text: string;
}

/**
 * Verifies a signed checkpoint note: the log's own key (named after `origin`) must have signed
 * its text with Ed25519, and the body must be origin, decimal size and base64 root hash lines.
 */
export async function verifyCheckpoint(note: string, key: VerifierKey, origin: string): Promise<VerifiedCheckpoint> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new ProofError('checkpoint has no signature block');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw new ProofError('signature block must end with a newline');
  if (key.name !== origin) throw new ProofError(`the key is for ${key.name}, not the log ${origin}`);
  const message = encoder.encode(text);
  let verified = false;
  for (const line of block.slice(0, -1).split('\n')) {
    if (!line.startsWith(SIG_PREFIX)) throw new ProofError('malformed signature line');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new ProofError('malformed signature line');
    const name = rest.slice(0, space);
    const raw = decodeBase64(rest.slice(space + 1));
    if (!raw || raw.length < 5) throw new ProofError('malformed signature line');
    if (name !== key.name || readUint32(raw) !== key.keyId) continue; // someone else's (e.g. a witness)
    const signature = raw.slice(4);
    const publicKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
    if (signature.length !== 64 || !(await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, message))) {
      throw new ProofError(`the signature by ${name} does not verify`);
    }
    verified = true;
  }
  if (!verified) throw new ProofError(`the checkpoint is not signed by the key of ${origin}`);
  const lines = text.slice(0, -1).split('\n');
  const [o, size, root] = lines;
  if (o !== origin) throw new ProofError(`the checkpoint is for ${String(o)}, not ${origin}`);
  if (size === undefined || !/^(?:0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new ProofError('the checkpoint tree size is malformed');
  }
  const rootHash = root === undefined ? undefined : decodeBase64(root);
  if (!rootHash || rootHash.length !== HASH_SIZE) throw new ProofError('the checkpoint root hash is malformed');
  return { origin, size: Number(size), rootHash, text };
}

const COMMITMENT_TAG = 'domicile/access-log/commitment/v1\n';

/** The commitment to `id` under `salt`: c1:base64url(SHA-256(tag ‖ salt ‖ UTF-8 id)), as the log writes it. */
export async function commitmentTo(salt: string, id: string): Promise<string> {
  const saltBytes = decodeBase64Url(salt);
  if (!saltBytes) throw new ProofError('the salt is not base64url');
  const digest = await sha256(concat(encoder.encode(COMMITMENT_TAG), saltBytes, encoder.encode(id)));
  return `c1:${encodeBase64(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** True when the entry's subjects hold the person's commitment (or, in an entry from before commitments, their id). */
async function namesSubject(canonical: string, salt: string | null, subject: string): Promise<boolean> {
  const parsed = JSON.parse(canonical) as { subjects?: unknown };
  const subjects = Array.isArray(parsed.subjects) ? parsed.subjects : [];
  const wanted = salt === null ? subject : await commitmentTo(salt, subject);
  return subjects.includes(wanted);
}

export type EntryVerification =
  | { index: number; status: 'verified'; treeSize: number }
  | { index: number; status: 'pending'; reason: string }
  | { index: number; status: 'failed'; reason: string };

/**
 * Checks one entry: its bytes hash to its leaf, they commit to `subject` (the person), and its
 * proof leads to the verified checkpoint's root.
 */
export async function verifyEntry(item: AccessItem, checkpoint: VerifiedCheckpoint, subject: string): Promise<EntryVerification> {
  const { index } = item;
  try {
    const leaf = await leafHash(encoder.encode(item.canonical));
    const claimed = decodeBase64(item.leafHash);
    if (!claimed || !bytesEqual(claimed, leaf)) {
      return { index, status: 'failed', reason: 'the entry does not hash to its leaf hash: it was changed' };
    }
    if (!(await namesSubject(item.canonical, item.subjectSalt, subject))) {
      return { index, status: 'failed', reason: 'the entry does not commit to you: it is not about you' };
    }
    if (item.inclusionProof === null) {
      if (index >= checkpoint.size) return { index, status: 'pending', reason: 'newer than the checkpoint; proof follows within a second' };
      return { index, status: 'failed', reason: 'no inclusion proof for an entry the checkpoint covers' };
    }
    const proof = item.inclusionProof.map((p) => decodeBase64(p));
    if (proof.some((p) => p === undefined)) return { index, status: 'failed', reason: 'the proof is not base64' };
    const root = await rootFromInclusionProof(leaf, index, checkpoint.size, proof as Uint8Array[]);
    if (!bytesEqual(root, checkpoint.rootHash)) {
      return { index, status: 'failed', reason: 'the proof does not lead to the signed root: the entry is not in the log as signed' };
    }
    return { index, status: 'verified', treeSize: checkpoint.size };
  } catch (err) {
    return { index, status: 'failed', reason: err instanceof Error ? err.message : 'verification failed' };
  }
}

/** The parsed entry as verified: shown from the canonical bytes, never from the unchecked copy. */
export function entryOf(item: AccessItem): AccessItem['entry'] | null {
  try {
    return JSON.parse(item.canonical) as AccessItem['entry'];
  } catch {
    return null;
  }
}

export interface PageVerification {
  /** Null when the checkpoint itself verified. */
  checkpointError: string | null;
  checkpoint: VerifiedCheckpoint | null;
  entries: EntryVerification[];
}

/**
 * Verifies a /v1/me/accesses page: the checkpoint against the cell's key from log-keys.json
 * (matched by cell and origin), then each entry against that checkpoint. If the checkpoint fails,
 * every entry fails with it.
 */
export async function verifyAccessesPage(page: AccessesPage, keys: LogKeys): Promise<PageVerification> {
  let checkpoint: VerifiedCheckpoint | null = null;
  let checkpointError: string | null = null;
  try {
    const log = keys.logs.find((l) => l.cell === page.cell);
    if (!log) throw new ProofError(`no published key for the log of cell ${page.cell}`);
    if (log.origin !== page.origin) throw new ProofError(`the log origin ${page.origin} is not the published ${log.origin}`);
    checkpoint = await verifyCheckpoint(page.checkpoint.note, await parseVerifierKey(log.key), log.origin);
    const claimedRoot = decodeBase64(page.checkpoint.rootHash);
    if (checkpoint.size !== page.checkpoint.size || !claimedRoot || !bytesEqual(claimedRoot, checkpoint.rootHash)) {
      throw new ProofError('the checkpoint summary does not match the signed note');
    }
  } catch (err) {
    checkpointError = err instanceof Error ? err.message : 'the checkpoint does not verify';
    checkpoint = null;
  }
  const entries: EntryVerification[] = [];
  for (const item of page.accesses) {
    if (!checkpoint) {
      entries.push({ index: item.index, status: 'failed', reason: `checkpoint not verified: ${checkpointError ?? ''}` });
    } else {
      entries.push(await verifyEntry(item, checkpoint, page.subject));
    }
  }
  return { checkpointError, checkpoint, entries };
}
