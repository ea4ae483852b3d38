// `domicile report residency`: clean on the demo world, and a planted row in the wrong cell
// (written around the storage layer, as a careless administrator might) is found and named.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runDomicile, writeTestConfig } from '../support/cli.js';

describe('domicile report residency', () => {
  it('is clean on the demo and fails, naming the row, when a row is planted in the wrong cell', async () => {
    const { file, dataDir } = writeTestConfig();
    const seeded = await runDomicile(['demo', '--config', file]);
    expect(seeded.code).toBe(0);

    const clean = await runDomicile(['report', 'residency', '--config', file]);
    expect(clean.stdout).toMatch(/OK: every personal-data row and blob sits in the cell/);
    expect(clean.stdout).toMatch(/cell kr \(KR\)[\s\S]*user\.content\.media\s+3/);
    expect(clean.code).toBe(0);

    // A Korean user's message planted in the JP cell: the CHECK allows cell_id 'jp', but the
    // placement rules give KR for a KR consumer scope.
    const db = new Database(path.join(dataDir, 'jp.sqlite'));
    db.prepare(
      `insert into message (id, conversation_id, seq, kind, client_id, text, media_id, media_type, media_size, created_at,
        subject_id, subject_home, category, cell_id, scope_home, scope_class)
       select 'jp_plantedplanted01', id, 999, 'text', 'planted', 'moved by hand', null, null, null, '2026-01-01T00:00:00Z',
        'minjun', 'KR', 'user.content.message', 'jp', 'KR', 'consumer' from conversation limit 1`,
    ).run();
    db.close();

    const dirty = await runDomicile(['report', 'residency', '--config', file]);
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/VIOLATIONS: 1/);
    expect(dirty.stdout).toMatch(/cell jp · message jp_plantedplanted01 · subject minjun: .*belongs in cell kr/);

    const json = await runDomicile(['report', 'residency', '--json', '--config', file]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).violations[0]).toMatchObject({ cell: 'jp', table: 'message', row: 'jp_plantedplanted01' });
  });

  it('reports a stray blob that has no record in its cell', async () => {
    const { file, dataDir } = writeTestConfig();
    await runDomicile(['demo', '--config', file]);
    const { createBlobStore } = await import('../../src/cells/blob.store.js');
    await createBlobStore(path.join(dataDir, 'blobs', 'jp')).put('jp_strayblob0000001', Buffer.from('copied by hand'));
    const result = await runDomicile(['report', 'residency', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/blob jp_strayblob0000001 has no media record in cell jp/);
  });

  it('stops with one clear message on an invalid configuration', async () => {
    const { file } = writeTestConfig({ cells: [{ id: 'jp', jurisdiction: 'Japan' }] });
    await expect(runDomicile(['report', 'residency', '--config', file])).rejects.toThrow(/cells\[0\]\.jurisdiction/);
  });
});
