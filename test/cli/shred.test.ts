// `domicile shred`: after it, the raw SQLite files (database, WAL, shared memory) and the blob
// files hold no copy of the subject's data keys, so nothing they sealed can be decrypted even
// with the cell's master key; before it, their plaintext was nowhere in those files at all. The
// shred is an entry in the access log of the subject's jurisdiction.
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/app/runtime.js';
import { categories } from '../../src/cells/records.js';
import { loadConfig } from '../../src/config/config.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';

/** Every file a cell keeps on disk: databases, their WAL and shared memory, and blob files. */
function rawFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function filesContaining(dir: string, needle: string | Buffer): string[] {
  const bytes = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  return rawFiles(dir).filter((f) => fs.readFileSync(f).includes(bytes));
}

function wrappedKeysOf(dataDir: string, subject: string): string[] {
  return ['jp', 'kr'].flatMap((cell) => {
    const db = new Database(path.join(dataDir, `${cell}.sqlite`), { readonly: true });
    try {
      return (db.prepare('select wrapped from data_key where subject_id = ?').all(subject) as { wrapped: string }[]).map((r) => r.wrapped);
    } finally {
      db.close();
    }
  });
}

const hanakoSaid = ['Taro, are we still on for lunch in Shiba Park on Saturday?', 'Min-jun, welcome to Tokyo next week!', 'A group for Min-jun and Ji-woo’s visit!', 'Lunch in Shiba Park'];
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('domicile shred', () => {
  it('leaves no decryptable copy of a subject in the database files, WAL or blob files, and logs it', async () => {
    const { file, dataDir } = writeTestConfig();
    expect((await runDomicile(['demo', '--config', file])).code).toBe(0);

    // Stored sealed from the first seed: no plaintext body, note or image anywhere on disk.
    for (const said of [...hanakoSaid, 'Yes! 12:30 at the east gate. I will bring onigiri.']) expect(filesContaining(dataDir, said)).toEqual([]);
    expect(filesContaining(dataDir, pngSignature)).toEqual([]);
    const wrapped = wrappedKeysOf(dataDir, 'hanako');
    expect(wrapped.length).toBeGreaterThanOrEqual(3); // messages, images, payments
    for (const w of wrapped) expect(filesContaining(dataDir, w).length).toBeGreaterThan(0);

    const shred = await runDomicile(['shred', '--subject', 'hanako', '--config', file, '--json']);
    expect(shred.stderr).toBe('');
    expect(shred.code).toBe(0);
    const result = JSON.parse(shred.stdout) as { logged: { cellId: string; index: number }; cells: { cell: string; categories: string[] }[] };
    expect(result.logged.cellId).toBe('jp');
    expect(result.cells.flatMap((c) => c.categories)).toEqual(expect.arrayContaining([categories.message, categories.media, categories.payment]));

    // Not in any file any more: the database, its WAL, shared memory, or a blob.
    for (const w of wrapped) expect(filesContaining(dataDir, w)).toEqual([]);
    expect(wrappedKeysOf(dataDir, 'hanako')).toEqual([]);

    const runtime = await openRuntime(loadConfig({ file }));
    try {
      // Her sealed records are still on disk, and open for no one; Taro's still open.
      const jp = runtime.cells.get('jp');
      const rows = await jp.db.selectFrom('message').select(['id', 'subject_id', 'text']).where('kind', '=', 'text').execute();
      const opened = await Promise.all(rows.map(async (r) => ({ subject: r.subject_id, text: await jp.keys.openText({ recordId: r.id, category: categories.message, value: r.text as string }) })));
      expect(opened.filter((o) => o.subject === 'hanako').map((o) => o.text)).toEqual(expect.arrayContaining([null]));
      expect(opened.filter((o) => o.subject === 'hanako').every((o) => o.text === null)).toBe(true);
      expect(opened.filter((o) => o.subject === 'taro').map((o) => o.text)).toContain('Yes! 12:30 at the east gate. I will bring onigiri.');
      const kr = runtime.cells.get('kr');
      const images = await kr.db.selectFrom('media').select('id').where('subject_id', '=', 'hanako').execute();
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) {
        const sealed = (await kr.blobs.get(image.id)) as Buffer;
        expect(sealed).not.toBeNull();
        expect(await kr.keys.open({ recordId: image.id, category: categories.media, sealed })).toBeNull();
      }
      // The entry in the JP log: codes, and hanako as a commitment that her opening opens.
      const [logged] = await readOpenedEntries(jp.db, result.logged.index, result.logged.index + 1);
      expect(logged?.entry).toMatchObject({ action: 'shred', subjects: ['hanako'], subjectJurisdiction: 'JP', purpose: 'DATA_ERASURE', categories: ['user'] });
      const leaf = await jp.db.selectFrom('log_entry').select('entry').where('idx', '=', result.logged.index).executeTakeFirstOrThrow();
      expect(leaf.entry).not.toContain('hanako');
    } finally {
      await runtime.close();
    }
  }, 120_000);

  it('refuses an unknown subject or category and destroys nothing', async () => {
    const { file, dataDir } = writeTestConfig();
    expect((await runDomicile(['demo', '--config', file])).code).toBe(0);
    const before = wrappedKeysOf(dataDir, 'hanako');
    const unknown = await runDomicile(['shred', '--subject', 'nobody', '--config', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no subject "nobody"/);
    const badCategory = await runDomicile(['shred', '--subject', 'hanako', '--category', 'user.photos', '--config', file]);
    expect(badCategory.code).toBe(1);
    expect(badCategory.stderr).toMatch(/no data category "user.photos"/);
    expect(wrappedKeysOf(dataDir, 'hanako')).toEqual(before);
    // One category only: her images' key goes, her messages' key stays.
    const images = await runDomicile(['shred', '--subject', 'hanako', '--category', categories.media, '--config', file, '--json']);
    expect(images.code).toBe(0);
    expect((JSON.parse(images.stdout) as { cells: { categories: string[] }[] }).cells.flatMap((c) => c.categories)).toEqual([categories.media]);
    expect(wrappedKeysOf(dataDir, 'hanako')).toHaveLength(before.length - 1);
  }, 120_000);
});
