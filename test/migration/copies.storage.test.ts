// The migration engine's copy into the destination cell, on both dialects: a row already there is
// an earlier copy of the same record and is replaced. A kept stale copy failed verification for
// good after a crash between a copy and its recorded step, when the source row changed at restart
// (a pending payment recovered) — found by the crash harness.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { personalColumnNames } from '../../src/cells/cell.database.js';
import { asMigrationEngine } from '../../src/cells/moving.context.js';
import { insertCopies } from '../../src/governance/migration/migration.repository.js';
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
    const copy = (row: typeof first) => asMigrationEngine(() => insertCopies(jp.db, { tables: [{ table: 'media', rowKey: ['id'], rows: [row] }], placementColumns: personalColumnNames }));
    await copy(first);
    await copy({ ...first, content_type: 'image/webp', size: 7 });
    const stored = await jp.db.selectFrom('media').select(['content_type', 'size', 'cell_id']).where('id', '=', first.id).execute();
    expect(stored).toEqual([{ content_type: 'image/webp', size: 7, cell_id: 'jp' }]);
  });
});
