// A cell's master key: the key-encryption key that wraps the cell's data keys. `MasterKey` and
// `MasterKeyStore` are the interface a KMS or HSM can implement later; this module's store keeps
// it in `<keyDir>/<cell>.master.key` (mode 0600, made on first start), and during a rotation the
// next one in `<cell>.master.key.next` until every data key is rewrapped. The key's bytes never
// leave this module: callers wrap and unwrap through it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeSecretFileOnce } from '../../crypto/secret-file.js';
import { keyBytes, unwrapDataKey, wrapDataKey, type DataKeyBinding } from './sealing.js';

export interface MasterKey {
  /** Names the key in each data key it wraps (not secret). */
  readonly id: string;
  wrap(binding: DataKeyBinding, dataKey: Uint8Array): Promise<Buffer>;
  /** The data key, or null when this master did not wrap it (or the binding differs). */
  unwrap(binding: DataKeyBinding, wrapped: Uint8Array): Promise<Buffer | null>;
}

export interface MasterKeyStore {
  /** The master new data keys are wrapped with: the next one while a rotation is under way. */
  current(): Promise<MasterKey>;
  /** A master that still exists (current or next) by id; null once retired or unknown. */
  byId(id: string): Promise<MasterKey | null>;
  /** The next master while a rotation is under way, else null. */
  next(): Promise<MasterKey | null>;
  /** Starts a rotation (makes the next master), or returns the one a crashed rotation left. */
  beginRotation(): Promise<MasterKey>;
  /** The next master becomes the current one; the old one is destroyed (retired). */
  completeRotation(): Promise<void>;
}

export function masterKeyFile(keyDir: string, cellId: string): string {
  return path.join(keyDir, `${cellId}.master.key`);
}

interface StoredKey {
  id: string;
  bytes: Buffer;
}

function fromBytes(stored: StoredKey): MasterKey {
  return {
    id: stored.id,
    wrap: (binding, dataKey) => Promise.resolve(wrapDataKey(stored.bytes, binding, dataKey)),
    unwrap: (binding, wrapped) => Promise.resolve(unwrapDataKey(stored.bytes, binding, wrapped)),
  };
}

function read(file: string): StoredKey | null {
  let text: string;
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) throw new Error(`${file} is readable by other users; run chmod 600 on it`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as { version?: unknown; id?: unknown; key?: unknown };
  const bytes = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : Buffer.alloc(0);
  if (parsed.version !== 1 || typeof parsed.id !== 'string' || bytes.length !== keyBytes) throw new Error(`${file} does not hold a valid master key`);
  return { id: parsed.id, bytes };
}

/** Writes a fresh key to `file` unless one is there (then that one is the key). */
function create(file: string): StoredKey {
  const key = { id: crypto.randomBytes(8).toString('hex'), bytes: crypto.randomBytes(keyBytes) };
  const written = writeSecretFileOnce(file, `${JSON.stringify({ version: 1, id: key.id, key: key.bytes.toString('base64') })}\n`);
  return written ? key : (read(file) as StoredKey);
}

/**
 * The file-backed store. Files are read on each call (only a data key's creation or first use
 * asks), so a rotation made by another process is seen at once.
 */
export function createFileMasterKeyStore(props: { keyDir: string; cellId: string }): MasterKeyStore {
  const file = masterKeyFile(props.keyDir, props.cellId);
  const nextFile = `${file}.next`;
  const currentKey = (): StoredKey => read(file) ?? create(file);
  // Made at once, so a cell's key exists from its first start.
  currentKey();
  return {
    current: () => Promise.resolve(fromBytes(read(nextFile) ?? currentKey())),
    byId(id) {
      const found = [read(file), read(nextFile)].find((k) => k?.id === id);
      return Promise.resolve(found ? fromBytes(found) : null);
    },
    next() {
      const next = read(nextFile);
      return Promise.resolve(next ? fromBytes(next) : null);
    },
    beginRotation: () => Promise.resolve(fromBytes(read(nextFile) ?? create(nextFile))),
    completeRotation() {
      if (!read(nextFile)) return Promise.resolve();
      // rename() replaces the old key in one step: a crash leaves either the old key with its
      // next beside it (the rotation resumes) or the new key alone.
      fs.renameSync(nextFile, file);
      fsyncDir(path.dirname(file));
      return Promise.resolve();
    },
  };
}
