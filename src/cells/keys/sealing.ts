// The key ring's pure core: AES-256-GCM (node:crypto) for data keys wrapped by a master key and
// for records sealed by a data key, with the binding data each must match, and the byte and
// text envelopes a sealed record is stored in. No I/O: the key ring (key-ring.ts) supplies keys.
import crypto from 'node:crypto';

export const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const algorithm = 'aes-256-gcm';

/** First bytes of a sealed blob; no image format (or other upload) starts with them. */
const blobMagic = Buffer.from('DMCSEAL1', 'latin1');
const emptyHeader = Buffer.alloc(0);
/** Prefix of a sealed text column: a control character, then the version. */
export const textPrefix = '\u0001dk1:';

export function newDataKey(): Buffer {
  return crypto.randomBytes(keyBytes);
}

// IVs are drawn from a pool refilled in blocks: one system call per few hundred seals instead of
// one per seal, which showed on the message hot path. Random 96-bit IVs stay unique with
// overwhelming odds for far more records than one data key ever seals.
const ivPool = Buffer.alloc(ivBytes * 512);
let ivOffset = ivPool.length;

function nextIv(out: Buffer, at: number): void {
  if (ivOffset === ivPool.length) {
    crypto.randomFillSync(ivPool);
    ivOffset = 0;
  }
  ivPool.copy(out, at, ivOffset, ivOffset + ivBytes);
  ivOffset += ivBytes;
}

/** IV ‖ tag ‖ ciphertext, written after `header` in one buffer (a string plaintext is sealed as UTF-8). */
function gcmSeal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array | string, header: Buffer = emptyHeader): Buffer {
  if (key.length !== keyBytes) throw new Error('an AES-256-GCM key has 32 bytes');
  const length = typeof plaintext === 'string' ? Buffer.byteLength(plaintext, 'utf8') : plaintext.length;
  const out = Buffer.allocUnsafe(header.length + ivBytes + tagBytes + length);
  header.copy(out, 0);
  nextIv(out, header.length);
  const cipher = crypto.createCipheriv(algorithm, key, out.subarray(header.length, header.length + ivBytes), { authTagLength: tagBytes });
  cipher.setAAD(aad);
  // GCM is a stream mode: `update` gives every byte and `final` none, but only `final` makes the tag.
  const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  cipher.final();
  body.copy(out, header.length + ivBytes + tagBytes);
  cipher.getAuthTag().copy(out, header.length + ivBytes);
  return out;
}

/** The plaintext, or null when the key, the binding data or the bytes do not match. */
function gcmOpen(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (key.length !== keyBytes || sealed.length < ivBytes + tagBytes) return null;
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  try {
    const decipher = crypto.createDecipheriv(algorithm, key, bytes.subarray(0, ivBytes), { authTagLength: tagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
    // As in gcmSeal: `update` gives every byte, `final` none (it checks the tag, throwing on a
    // mismatch), so the plaintext is not copied once more into a concatenation (a bulk copy's garbage).
    const plain = decipher.update(bytes.subarray(ivBytes + tagBytes));
    decipher.final();
    return plain;
  } catch {
    return null;
  }
}

/** What a wrapped data key is bound to: its cell, its id, its subject and category. */
export interface DataKeyBinding {
  readonly cellId: string;
  readonly keyId: string;
  readonly subjectId: string;
  readonly category: string;
}

function bindingBytes(parts: readonly string[]): Buffer {
  // NUL cannot occur in ids or categories, so the joined form is unambiguous.
  return Buffer.from(parts.join('\u0000'), 'utf8');
}

function wrapAad(b: DataKeyBinding): Buffer {
  return bindingBytes(['domicile-data-key-v1', b.cellId, b.keyId, b.subjectId, b.category]);
}

/** A data key wrapped by a master key's bytes, bound to its cell, id, subject and category. */
export function wrapDataKey(master: Uint8Array, binding: DataKeyBinding, dataKey: Uint8Array): Buffer {
  return gcmSeal(master, wrapAad(binding), dataKey);
}

/** The data key, or null when this master (or this binding) is not the one it was wrapped with. */
export function unwrapDataKey(master: Uint8Array, binding: DataKeyBinding, wrapped: Uint8Array): Buffer | null {
  const key = gcmOpen(master, wrapAad(binding), wrapped);
  return key && key.length === keyBytes ? key : null;
}

/** The additional data a record is sealed with: its record id and its category. */
export function recordAad(recordId: string, category: string): Buffer {
  // bindingBytes(['domicile-record-v1', recordId, category]), written as one string: it runs per message.
  return Buffer.from(`domicile-record-v1\u0000${recordId}\u0000${category}`, 'utf8');
}

/**
 * Seals the records of one data key: what does not change from record to record is made once. A
 * sealed record in bytes is magic, the data key's id, then IV, tag and ciphertext.
 */
export interface RecordSealer {
  seal(recordId: string, plaintext: Uint8Array): Buffer;
  /** The record's text sealed for a text column: a prefix, then base64 of the sealed bytes. */
  sealText(recordId: string, text: string): string;
}

/** The sealer of a data key (with its id) for records of one category. */
export function recordSealer(props: { key: Uint8Array; keyId: string; category: string }): RecordSealer {
  const id = Buffer.from(props.keyId, 'latin1');
  if (id.length === 0 || id.length > 255) throw new Error('a data key id has 1–255 characters');
  if (props.key.length !== keyBytes) throw new Error('an AES-256-GCM key has 32 bytes');
  const header = Buffer.concat([blobMagic, Buffer.from([id.length]), id]);
  const { key, category } = props;
  return {
    seal: (recordId, plaintext) => gcmSeal(key, recordAad(recordId, category), plaintext, header),
    sealText: (recordId, text) => textPrefix + gcmSeal(key, recordAad(recordId, category), text, header).toString('base64'),
  };
}

/** Whether bytes are a sealed record (as opposed to plaintext written before sealing). */
export function isSealedBytes(bytes: Uint8Array): boolean {
  return bytes.length > blobMagic.length + 1 && Buffer.from(bytes.buffer, bytes.byteOffset, blobMagic.length).equals(blobMagic);
}

/** The data key id a sealed record names, or null when the bytes are not a sealed record. */
export function sealedKeyId(bytes: Uint8Array): string | null {
  if (!isSealedBytes(bytes)) return null;
  const length = bytes[blobMagic.length] as number;
  if (bytes.length < blobMagic.length + 1 + length) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset + blobMagic.length + 1, length).toString('latin1');
}

/** Opens a sealed record; null when the key, record id or category is not the one it was sealed with. */
export function openBytes(props: { key: Uint8Array; recordId: string; category: string; sealed: Uint8Array }): Buffer | null {
  const keyId = sealedKeyId(props.sealed);
  if (keyId === null) return null;
  const body = props.sealed.subarray(blobMagic.length + 1 + Buffer.byteLength(keyId, 'latin1'));
  return gcmOpen(props.key, recordAad(props.recordId, props.category), body);
}

export function isSealedText(value: string): boolean {
  return value.startsWith(textPrefix);
}

/** The sealed bytes of a sealed text, or null when it is not one. */
export function fromSealedText(value: string): Buffer | null {
  if (!isSealedText(value)) return null;
  const bytes = Buffer.from(value.slice(textPrefix.length), 'base64');
  return isSealedBytes(bytes) ? bytes : null;
}

/** The record id a row's key columns give (one column: its value; several: joined by `/`). */
export function recordIdOf(values: readonly unknown[]): string {
  return values.map(String).join('/');
}
