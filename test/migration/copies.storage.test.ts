// The migration engine's copy into the destination cell, on both dialects: a row already there is
// an earlier copy of the same record and is replaced. A kept stale copy failed verification for
// good after a crash between a copy and its recorded step, when the source row changed at restart
// (a pending payment recovered) — found by the crash harness. Every copied row meets the residency
// guard (on SQLite the copy runs past Kysely, so it asks the guard itself). And the change capture a job puts on
// its source cells: what the catch-up reads instead of every source row again.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { personalColumnNames } from '../../src/cells/cell.database.js';
import { asMigrationEngine } from '../../src/cells/moving.context.js';
import { forgetChanges, insertCopies, installChangeCapture, readChanges, removeChangeCapture } from '../../src/governance/migration/migration.repository.js';
import { dialects } from '../support/databases.js';
import { buildCells, buildMediaRow } from '../support/factories.js';

describe.each(dialects)('migration copies on %s', (dialect) => {
  let cells: CellRegistry;
  beforeAll(async () => {
    cells = await buildCells(dialect, [{ home: 'JP', category: 'user.content.media', cell: 'jp' }]);
  });
  afterAll(async () => {
    await cells.close();
  });

  it('replaces an earlier copy of the same record, placement columns untouched', async () => {
    const jp = cells.get('jp');
    const first = buildMediaRow('jp');
    const copy = (row: typeof first) => asMigrationEngine(() => insertCopies(jp.db, { tables: [{ table: 'media', rowKey: ['id'], rows: [row] }], placementColumns: personalColumnNames, guard: jp.guard }));
    await copy(first);
    await copy({ ...first, content_type: 'image/webp', size: 7 });
    const stored = await jp.db.selectFrom('media').select(['content_type', 'size', 'cell_id']).where('id', '=', first.id).execute();
    expect(stored).toEqual([{ content_type: 'image/webp', size: 7, cell_id: 'jp' }]);
  });

  it('puts every copied row to the residency guard: a misplaced one refuses the whole copy, nothing written', async () => {
    const jp = cells.get('jp');
    const placed = buildMediaRow('jp');
    const misplaced = { ...buildMediaRow('jp'), cell_id: 'kr' };
    const copy = asMigrationEngine(() => insertCopies(jp.db, { tables: [{ table: 'media', rowKey: ['id'], rows: [placed, misplaced] }], placementColumns: personalColumnNames, guard: jp.guard }));
    await expect(copy).rejects.toMatchObject({ code: 'WRONG_CELL' });
    expect(await jp.db.selectFrom('media').select('id').where('id', 'in', [placed.id, misplaced.id]).execute()).toEqual([]);
  });

  it('captures the keys of the moving home rows inserted, updated or deleted while a job runs, until taken off', async () => {
    const jp = cells.get('jp');
    const capture = { postgres: dialect === 'postgres', tables: [{ table: 'media', rowKey: ['id'] }] };
    const insert = async () => {
      const row = buildMediaRow('jp');
      await jp.db.insertInto('media').values(row).execute();
      return row.id;
    };
    await installChangeCapture(jp.db, { ...capture, home: 'JP', fresh: true });
    const id = await insert();
    await jp.db.updateTable('media').set({ size: 2 }).where('id', '=', id).execute();
    // A delete is caught too: the copy of an erased record must leave the destination.
    const erased = await insert();
    await jp.db.deleteFrom('media').where('id', '=', erased).execute();
    const changes = await readChanges(jp.db);
    expect(changes.map((c) => [c.table, c.rowKey])).toEqual([
      ['media', [id]],
      ['media', [id]],
      ['media', [erased]],
      ['media', [erased]],
    ]);
    await forgetChanges(jp.db, changes.slice(0, 1).map((c) => c.seq));
    expect((await readChanges(jp.db)).map((c) => c.seq)).toEqual(changes.slice(1).map((c) => c.seq));
    // Another home's capture replaces it (and empties the log): JP rows are not caught any more.
    await installChangeCapture(jp.db, { ...capture, home: 'KR', fresh: true });
    await insert();
    expect(await readChanges(jp.db)).toEqual([]);
    await installChangeCapture(jp.db, { ...capture, home: 'JP', fresh: true });
    await removeChangeCapture(jp.db, capture);
    await insert();
    expect(await readChanges(jp.db)).toEqual([]);
  });

  it('upgrades a capture of older code (no delete trigger) in place, keeping what it recorded', async () => {
    const jp = cells.get('jp');
    const capture = { postgres: dialect === 'postgres', tables: [{ table: 'media', rowKey: ['id'] }], home: 'JP' };
    await installChangeCapture(jp.db, { ...capture, fresh: true });
    // The older capture: inserts and updates only.
    await sql.raw(dialect === 'postgres' ? 'drop trigger migration_change_media_delete on media' : 'drop trigger migration_change_media_delete').execute(jp.db);
    const kept = buildMediaRow('jp');
    await jp.db.insertInto('media').values(kept).execute();
    await jp.db.deleteFrom('media').where('id', '=', kept.id).execute();
    expect((await readChanges(jp.db)).map((c) => c.rowKey)).toEqual([[kept.id]]);
    await installChangeCapture(jp.db, { ...capture, fresh: false });
    const erased = buildMediaRow('jp');
    await jp.db.insertInto('media').values(erased).execute();
    await jp.db.deleteFrom('media').where('id', '=', erased.id).execute();
    expect((await readChanges(jp.db)).map((c) => c.rowKey)).toEqual([[kept.id], [erased.id], [erased.id]]);
    await removeChangeCapture(jp.db, capture);
  });
});
