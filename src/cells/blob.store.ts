// A cell's blob store: image bytes on the cell's own disk, written durably (temp file, fsync,
// rename, fsync of the folder) so an acknowledged upload survives a crash.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isRecordId } from './ids.js';

export interface BlobStore {
  readonly dir: string;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Puts many (a bulk copy), as durably as `put` once it resolves, with each folder synced once, not once a file. */
  putMany(entries: readonly { key: string; bytes: Uint8Array }[]): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Every key present on disk (for the residency scan). */
  keys(): Promise<string[]>;
  pathOf(key: string): string;
}

export function createBlobStore(dir: string): BlobStore {
  fs.mkdirSync(dir, { recursive: true });

  function pathOf(key: string): string {
    if (!isRecordId(key)) throw new Error(`invalid blob key: ${key}`);
    return path.join(dir, key.slice(-2), key);
  }

  async function fsyncDir(folder: string): Promise<void> {
    const handle = await fsp.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Writes the file in place (temp file, fsync, rename); the folder is not synced yet. Returns the folder. */
  async function writeSynced(key: string, bytes: Uint8Array): Promise<string> {
    const target = pathOf(key);
    const folder = path.dirname(target);
    await fsp.mkdir(folder, { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
    return folder;
  }

  return {
    dir,
    pathOf,
    async put(key, bytes) {
      await fsyncDir(await writeSynced(key, bytes));
    },
    async putMany(entries) {
      const folders = new Set<string>();
      // A few at a time: libuv's thread pool runs four file operations at once anyway.
      for (let i = 0; i < entries.length; i += 16) {
        for (const folder of await Promise.all(entries.slice(i, i + 16).map((e) => writeSynced(e.key, e.bytes)))) folders.add(folder);
      }
      const list = [...folders];
      for (let i = 0; i < list.length; i += 16) await Promise.all(list.slice(i, i + 16).map(fsyncDir));
    },
    async get(key) {
      try {
        return await fsp.readFile(pathOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      await fsp.rm(pathOf(key), { force: true });
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
