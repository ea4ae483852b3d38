// A cell's blob store: image bytes on the cell's own disk, written durably (temp file, fsync,
// rename, fsync of the folder) so an acknowledged upload survives a crash. A bulk batch (a
// migration's copy, whose rows commit only after it) writes a new file in place instead: one
// open, write, fsync and close through libuv's threads, not five calls.
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
   * put is as durable as `put`. Meant for blobs no one reads until the batch is done and their rows
   * are committed (a migration's copies): a new file is written in place, not renamed into it.
   */
  batch(): BlobBatch;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Every key present on disk (for the residency scan). */
  keys(): Promise<string[]>;
  pathOf(key: string): string;
}

export interface BlobBatch {
  /** Writes and syncs the file, then reads it back by its path: resolves to the bytes the store now holds there. */
  put(key: string, bytes: Uint8Array): Promise<Buffer>;
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

  /** Opens `file` with `flags`, making the shard folder first if it is missing (the first file of its two-character suffix). */
  async function openIn(folder: string, file: string, flags: string): Promise<number> {
    return open(file, flags).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await fsp.mkdir(folder, { recursive: true });
      return open(file, flags);
    });
  }

  async function writeAndSync(fd: number, bytes: Uint8Array): Promise<void> {
    try {
      for (let at = 0; at < bytes.length; ) at += (await write(fd, bytes, at, bytes.length - at)).bytesWritten;
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
    await writeAndSync(await openIn(folder, temp, 'w'), bytes);
    await fsp.rename(temp, target);
    return folder;
  }

  /**
   * A batch's write: a file not there yet is created and written where it belongs (no temp file,
   * no rename: nothing reads it before the batch's rows commit, and a crash before then leaves a
   * file the resumed copy replaces, through `writeSynced`, or the abort deletes); one already
   * there (an earlier copy) is replaced as `put` does, so a reader never sees it half written.
   */
  async function writeNewSynced(key: string, bytes: Uint8Array): Promise<string> {
    const target = pathOf(key);
    const folder = path.dirname(target);
    let fd: number;
    try {
      fd = await openIn(folder, target, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return writeSynced(key, bytes);
      throw err;
    }
    await writeAndSync(fd, bytes);
    return folder;
  }

  function batch(): BlobBatch {
    const folders = new Set<string>();
    return {
      async put(key, bytes) {
        folders.add(await writeNewSynced(key, bytes));
        // Read synchronously: its pages were just written, so this is a copy from memory, not a
        // disk wait, and four thread-pool round trips (open, stat, read, close) fewer per blob.
        return fs.readFileSync(pathOf(key));
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
      await inFlight(entries, 16, async (e) => {
        await b.put(e.key, e.bytes);
      });
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
