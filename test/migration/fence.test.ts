// A region migration's fence in the storage layer, on both dialects: while the switch's fence
// stands, inserts of the moving records and updates in the destination cell are refused as
// `moving` (an update there could be overwritten by the catch-up's copy) for everyone but the
// migration engine; `writeWhileMoving` waits for the fence and lands the write in the new cell;
// a write in flight holds back the placement version the migration's settle waits for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { asMigrationEngine, oldestWriteVersion } from '../../src/cells/moving.context.js';
import type { PlacementRule } from '../../src/cells/placement.js';
import { cellFor, writeWhileMoving } from '../../src/cells/records.js';
import { dialects } from '../support/databases.js';
import { buildCells, buildMediaRow as mediaRow } from '../support/factories.js';

const moved: PlacementRule[] = [{ home: 'JP', category: 'user.content.media', cell: 'jp' }];


describe.each(dialects)('a migration fence on %s', (dialect) => {
  let cells: CellRegistry;
  const fence = (on: boolean) => cells.replacePlacement(moved, { version: cells.placement.version + 1, staging: [], fence: on ? moved : [] });
  beforeAll(async () => {
    cells = await buildCells(dialect);
  });
  afterAll(async () => {
    await cells.close();
  });

  it('refuses inserts of moving records and updates in the destination, but lets the engine through', async () => {
    const jp = cells.get('jp');
    const row = mediaRow('jp');
    fence(true);
    await expect(jp.db.insertInto('media').values(mediaRow('jp')).execute()).rejects.toMatchObject({ code: 'CELL_UNAVAILABLE', details: { moving: true } });
    await asMigrationEngine(() => jp.db.insertInto('media').values(row).execute());
    // The catch-up may still copy this row again: an update now would be lost under the copy.
    await expect(jp.db.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', row.id).execute()).rejects.toMatchObject({ code: 'CELL_UNAVAILABLE', details: { moving: true } });
    await asMigrationEngine(() => jp.db.updateTable('media').set({ size: 2 }).where('id', '=', row.id).execute());
    fence(false);
    await jp.db.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', row.id).execute();
    expect(await jp.db.selectFrom('media').select(['content_type', 'size']).where('id', '=', row.id).executeTakeFirst()).toEqual({ content_type: 'image/gif', size: 2 });
  });

  it('makes a write wait for the fence and land in the new cell, counting it in flight under its version', async () => {
    fence(true);
    const fencedVersion = cells.placement.version;
    let attempts = 0;
    const started = performance.now();
    const write = writeWhileMoving(cells, async () => {
      attempts++;
      const cell = cellFor(cells, { home: 'JP', class: 'consumer' }, 'user.content.media');
      const row = mediaRow(cell.id);
      await cell.db.insertInto('media').values(row).execute();
      return { id: row.id, cell: cell.id };
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(oldestWriteVersion(cells)).toBe(fencedVersion);
    fence(false);
    const done = await write;
    const waited = performance.now() - started;
    expect(done.cell).toBe('jp');
    expect(attempts).toBeGreaterThan(1);
    expect(waited).toBeLessThan(1000);
    expect(oldestWriteVersion(cells)).toBe(cells.placement.version);
    expect(await cells.get('jp').db.selectFrom('media').select('id').where('id', '=', done.id).execute()).toHaveLength(1);
  });
});
