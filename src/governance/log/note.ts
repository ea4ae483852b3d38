// C2SP signed-note with Ed25519 keys: key strings, key ids, signing, and strict parsing and
// verification of notes. Checkpoints travel as signed notes; this module knows nothing of their body.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { LogError } from './errors.js';

const ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 ';
const MAX_SIGNATURES = 100;
// RFC 8410 DER wrappers: Node imports raw Ed25519 keys only inside PKCS#8 / SPKI structures.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteSigner {
  readonly name: string;
  /** First four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian. */
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** The verifier key string, `name+hex(keyId)+base64(0x01 ‖ public key)`. */
  readonly key: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** base64(keyId ‖ signature), exactly as on the signature line. */
  readonly base64: string;
}

export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface OpenedNote {
  readonly text: string;
  /** Signatures checked against a known verifier: each known key at most once. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the caller does not know, kept so a note can be passed on intact. */
  readonly unverified: readonly NoteSignature[];
}

function malformedKey(message: string): LogError {
  return new LogError('malformed-key', message);
}

function malformedNote(message: string): LogError {
  return new LogError('malformed-note', message);
}

function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function hasControlCharacter(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}

/** A key name: non-empty UTF-8 with no '+', no white space and no control characters. */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('+') &&
    !/\p{White_Space}/u.test(name) &&
    !hasControlCharacter(name, false) &&
    !hasLoneSurrogate(name)
  );
}

/** Note text: non-empty, newline-terminated UTF-8 with no control characters other than newline. */
export function isValidNoteText(text: string): boolean {
  return text.endsWith('\n') && !hasControlCharacter(text, true) && !hasLoneSurrogate(text);
}

/** Key id of a key whose encoded form (algorithm byte ‖ key) is `encodedKey`. */
function keyIdOf(name: string, encodedKey: Uint8Array): number {
  const digest = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a])).update(encodedKey).digest();
  return digest.readUInt32BE(0);
}

/** Ed25519 key id: first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  return keyIdOf(name, Buffer.concat([Buffer.from([ALG_ED25519]), publicKey]));
}

function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function parseKeyIdHex(text: string): number | undefined {
  return /^[0-9a-f]{8}$/.test(text) ? Number.parseInt(text, 16) : undefined;
}

function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) throw malformedKey(`invalid key name ${JSON.stringify(name)}`);
}

function assertRawKey(what: string, key: Uint8Array): void {
  if (key.length !== 32) throw malformedKey(`${what} must be 32 bytes, got ${key.length}`);
}

export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  assertKeyName(name);
  assertRawKey('public key', publicKey);
  const encoded = Buffer.concat([Buffer.from([ALG_ED25519]), publicKey]);
  return `${name}+${keyIdHex(keyIdOf(name, encoded))}+${encodeBase64(encoded)}`;
}

export function formatSignerKey(name: string, seed: Uint8Array): string {
  assertKeyName(name);
  assertRawKey('seed', seed);
  const publicKey = publicKeyFromSeed(seed);
  const encoded = Buffer.concat([Buffer.from([ALG_ED25519]), seed]);
  return `PRIVATE+KEY+${name}+${keyIdHex(ed25519KeyId(name, publicKey))}+${encodeBase64(encoded)}`;
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** The raw 32-byte Ed25519 public key of a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): Buffer {
  assertRawKey('seed', seed);
  const spki = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

/** Splits `name+hex+base64` into its checked parts; base64 may itself contain '+'. */
function splitKey(key: string, what: string): { name: string; keyId: number; encoded: Buffer } {
  const first = key.indexOf('+');
  const second = first < 0 ? -1 : key.indexOf('+', first + 1);
  if (second < 0) throw malformedKey(`${what} must have the form name+keyid+key`);
  const name = key.slice(0, first);
  const hash = key.slice(first + 1, second);
  const data = key.slice(second + 1);
  assertKeyName(name);
  const keyId = parseKeyIdHex(hash);
  const encoded = decodeBase64Strict(data);
  if (keyId === undefined) throw malformedKey(`${what} key id must be 8 lower-case hex digits`);
  if (encoded === undefined || encoded.length === 0) throw malformedKey(`${what} key data is not base64`);
  if (encoded[0] !== ALG_ED25519) throw malformedKey(`${what} uses unknown algorithm ${encoded[0]}`);
  if (encoded.length !== 33) throw malformedKey(`${what} Ed25519 key must be 32 bytes`);
  return { name, keyId, encoded };
}

export function parseVerifierKey(key: string): NoteVerifier {
  const { name, keyId, encoded } = splitKey(key, 'verifier key');
  if (keyIdOf(name, encoded) !== keyId) {
    throw new LogError('key-hash-mismatch', 'verifier key id does not match its name and key');
  }
  let publicKey: KeyObject;
  try {
    publicKey = publicKeyObject(encoded.subarray(1));
  } catch {
    throw malformedKey('verifier key is not a valid Ed25519 public key');
  }
  return {
    name,
    keyId,
    key,
    verify: (message, signature) => signature.length === 64 && verify(null, message, publicKey, signature),
  };
}

export function parseSignerKey(key: string): NoteSigner {
  if (!key.startsWith('PRIVATE+KEY+')) throw malformedKey('signer key must start with PRIVATE+KEY+');
  const { name, keyId, encoded } = splitKey(key.slice('PRIVATE+KEY+'.length), 'signer key');
  const seed = encoded.subarray(1);
  // The id names the public key, so it can only be checked after deriving it from the seed.
  if (ed25519KeyId(name, publicKeyFromSeed(seed)) !== keyId) {
    throw new LogError('key-hash-mismatch', 'signer key id does not match its name and key');
  }
  const privateKey = privateKeyFromSeed(seed);
  return { name, keyId, sign: (message) => sign(null, message, privateKey) };
}

/** A fresh Ed25519 key pair as signer and verifier key strings. */
export function generateKeyPair(name: string): { signerKey: string; verifierKey: string } {
  const seed = randomBytes(32);
  return { signerKey: formatSignerKey(name, seed), verifierKey: formatVerifierKey(name, publicKeyFromSeed(seed)) };
}

/** Signs `text` with every signer, producing the full note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!isValidNoteText(text)) throw malformedNote('note text must be newline-terminated, without control characters');
  if (signers.length === 0) throw new LogError('invalid-argument', 'a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  let note = `${text}\n`;
  for (const signer of signers) {
    assertKeyName(signer.name);
    const idBytes = Buffer.alloc(4);
    idBytes.writeUInt32BE(signer.keyId);
    note += `${SIG_PREFIX}${signer.name} ${encodeBase64(Buffer.concat([idBytes, signer.sign(message)]))}\n`;
  }
  return note;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strictly splits a note into text and signature lines without verifying anything. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  let msg: string;
  if (typeof note === 'string') {
    msg = note;
  } else {
    try {
      msg = utf8.decode(note);
    } catch {
      throw malformedNote('note is not valid UTF-8');
    }
  }
  if (hasLoneSurrogate(msg) || hasControlCharacter(msg, true)) {
    throw malformedNote('note contains control characters or invalid UTF-8');
  }
  // Signature lines never contain a blank line, so the last one separates text from signatures.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('note has no signature block');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformedNote('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformedNote('note has too many signatures');
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(SIG_PREFIX)) throw malformedNote('signature line must start with an em dash and a space');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const bytes = decodeBase64Strict(b64);
    if (!isValidKeyName(name) || bytes === undefined || bytes.length < 5) {
      throw malformedNote('malformed signature line');
    }
    return { name, keyId: bytes.readUInt32BE(0), base64: b64 };
  });
  return { text, signatures };
}

/**
 * Parses and verifies a note. Signatures by unknown keys are set aside; a bad signature by a
 * known key rejects the whole note, and at least one known key must have signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const message = Buffer.from(text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<NoteVerifier>();
  for (const sig of signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (verifier === undefined) {
      if (!unverified.some((u) => u.name === sig.name && u.base64 === sig.base64)) unverified.push(sig);
      continue;
    }
    const raw = decodeBase64Strict(sig.base64);
    if (raw === undefined || !verifier.verify(message, raw.subarray(4))) {
      throw new LogError('invalid-signature', `signature by ${sig.name} does not verify`);
    }
    if (!seen.has(verifier)) {
      seen.add(verifier);
      verified.push(sig);
    }
  }
  if (verified.length === 0) throw new LogError('no-verified-signature', 'note is not signed by any known key');
  return { text, verified, unverified };
}
