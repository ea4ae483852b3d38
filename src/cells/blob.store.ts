// A cell's blob store: image bytes on the cell's own disk, written durably (temp file, fsync,
// rename, fsync of the folder) so an acknowledged upload survives a crash.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isRecordId } from './ids.js';
import { inFlight } from './in-flight.js';

export interface BlobStore {
  readonly dir: string;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Puts many (a bulk copy), as durably as `put` once it resolves, with each folder synced once, not once a file. */
  putMany(entries: readonly { key: string; bytes: Uint8Array }[]): Promise<void>;
  /**
   * A bulk write fed one blob at a time (a copy that reads, re-seals and writes in a pipeline):
   * each `put` writes and syncs its file; once `done` resolves (each folder synced once) every
   * put is as durable as `put`.
   */
  batch(): BlobBatch;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Every key present on disk (for the residency scan). */
  keys(): Promise<string[]>;
  pathOf(key: string): string;
}

export interface BlobBatch {
  put(key: string, bytes: Uint8Array): Promise<void>;
  done(): Promise<void>;
}

// Callback fs, promisified: a bulk copy's thousands of small files cost less main-thread time
// than through FileHandle objects.
const open = promisify(fs.open);
const write = promisify(fs.write);
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);
const readFile = promisify(fs.readFile);
const unlink = promisify(fs.unlink);

export function createBlobStore(dir: string): BlobStore {
  fs.mkdirSync(dir, { recursive: true });

  function pathOf(key: string): string {
    if (!isRecordId(key)) throw new Error(`invalid blob key: ${key}`);
    return path.join(dir, key.slice(-2), key);
  }

  async function fsyncDir(folder: string): Promise<void> {
    const fd = await open(folder, 'r');
    try {
      await fsync(fd);
    } finally {
      await close(fd);
    }
  }

  /** Writes the file in place (temp file, fsync, rename); the folder is not synced yet. Returns the folder. */
  async function writeSynced(key: string, bytes: Uint8Array): Promise<string> {
    const target = pathOf(key);
    const folder = path.dirname(target);
    const temp = `${target}.${process.pid}.tmp`;
    // The shard folder exists but for the first file of its two-character suffix.
    const fd = await open(temp, 'w').catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await fsp.mkdir(folder, { recursive: true });
      return open(temp, 'w');
    });
    try {
      for (let at = 0; at < bytes.length; ) at += (await write(fd, bytes, at, bytes.length - at)).bytesWritten;
      await fsync(fd);
    } finally {
      await close(fd);
    }
    await fsp.rename(temp, target);
    return folder;
  }

  function batch(): BlobBatch {
    const folders = new Set<string>();
    return {
      async put(key, bytes) {
        folders.add(await writeSynced(key, bytes));
      },
      async done() {
        const list = [...folders];
        folders.clear();
        await inFlight(list, 16, fsyncDir);
      },
    };
  }

  return {
    dir,
    pathOf,
    async put(key, bytes) {
      await fsyncDir(await writeSynced(key, bytes));
    },
    batch,
    async putMany(entries) {
      const b = batch();
      await inFlight(entries, 16, (e) => b.put(e.key, e.bytes));
      await b.done();
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      await unlink(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },
    async keys() {
      const out: string[] = [];
      for (const shard of await fsp.readdir(dir, { withFileTypes: true })) {
        if (!shard.isDirectory()) continue;
        for (const file of await fsp.readdir(path.join(dir, shard.name))) {
          if (!file.endsWith('.tmp')) out.push(file);
        }
      }
      return out.sort();
    },
  };
}
