// putMany (the migration's bulk copy) leaves what put leaves: every file whole at its place, no
// temp file behind, an existing file replaced, and an invalid key refused before anything is read.
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

  it('refuses an invalid key', async () => {
    const blobs = createBlobStore(dir);
    await expect(blobs.putMany([{ key: '../escape', bytes: Buffer.from('x') }])).rejects.toThrow(/invalid blob key/);
  });
});
