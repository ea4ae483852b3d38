// putMany and batch (the migration's bulk copy) leave what put leaves: every file whole at its
// place, no temp file behind, an existing file replaced, and an invalid key refused before anything
// is read; a delete of a file already gone is no error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlobStore } from './blob.store.js';
import { newId } from './ids.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-blobs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('blob store putMany', () => {
  it('writes every file in place, replaces an existing one and leaves no temp file', async () => {
    const blobs = createBlobStore(dir);
    const entries = Array.from({ length: 40 }, (_, i) => ({ key: newId(), bytes: Buffer.from(`image ${i}`) }));
    await blobs.put(entries[0]?.key as string, Buffer.from('older copy'));
    await blobs.putMany(entries);
    for (const e of entries) expect(await blobs.get(e.key)).toEqual(e.bytes);
    expect(await blobs.keys()).toEqual(entries.map((e) => e.key).sort());
    const files = fs.readdirSync(dir, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('batch: each put whole at its place once done and read back, an earlier file replaced, new shard folders made on the way, no temp file behind', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-blobs-batch-'));
    try {
      const blobs = createBlobStore(fresh);
      const batch = blobs.batch();
      const entries = Array.from({ length: 20 }, (_, i) => ({ key: newId(), bytes: Buffer.from(`picture ${i}`) }));
      await blobs.put(entries[1]?.key as string, Buffer.from('an earlier copy, longer than the new one'));
      const back = await Promise.all(entries.map((e) => batch.put(e.key, e.bytes)));
      // What put gives back is what the store holds at the key (new files and a replaced one).
      expect(back).toEqual(entries.map((e) => e.bytes));
      await batch.done();
      for (const e of entries) expect(await blobs.get(e.key)).toEqual(e.bytes);
      expect(fs.readdirSync(fresh, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const gone = entries[0]?.key as string;
      await blobs.delete(gone);
      await blobs.delete(gone);
      expect(await blobs.get(gone)).toBeNull();
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses an invalid key', async () => {
    const blobs = createBlobStore(dir);
    await expect(blobs.putMany([{ key: '../escape', bytes: Buffer.from('x') }])).rejects.toThrow(/invalid blob key/);
  });
});
