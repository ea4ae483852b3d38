// After a region migration's switch, its source cell is sealed for the rows that moved (issue 10,
// "never written to the old cell after the switch"), on both dialects: an update or a delete of a
// moved row in the source — what a writer that still holds the row's old location would run — is
// refused as `moving` (the caller retries and finds the new cell) instead of landing where the
// move no longer looks, whoever runs it; rows of another home in the same table are written as
// before, and only the moving tables are sealed. The engine's own
// deletes pass the seal, and the seal goes with the shredded rows. The demo world's Japanese
// people's images kept in Korea move home, with a grace period that keeps the sources readable.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CellDatabase } from '../../src/cells/cell.database.js';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { itemsOf } from '../../src/governance/migration/migration.repository.js';
import { runMigration, startMigration } from '../../src/governance/migration/migration.service.js';
import type { Dialect } from '../../src/db/connect.js';
import { dialects } from '../support/databases.js';
import { buildMediaRow } from '../support/factories.js';
import { startTestServer } from '../support/server.js';

const refusedAsMoving = { code: 'CELL_UNAVAILABLE', details: { moving: true } };

/** The names of the seal's triggers on `db`. */
async function sealTriggers(db: Kysely<CellDatabase>, dialect: Dialect): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'trigger' and name like 'migration_seal%'`
      : sql<{ name: string }>`select tgname as name from pg_trigger where tgname like 'migration_seal%'`;
  return (await query.execute(db)).rows.map((r) => r.name);
}

describe.each(dialects)('a source cell sealed after a move, on %s', (dialect) => {
  it('refuses updates and deletes of the moved rows there to all but the engine, until they are shredded', async () => {
    const server = await startTestServer({ dialect, serving: false, demo: true });
    try {
      const { runtime } = server;
      const ctx = migrationContext(runtime);
      const started = await startMigration({ ctx, request: { home: 'JP', categories: ['user.content.media'], to: 'jp' }, actor: 'op-tokyo-admin', graceSeconds: 2 });
      // Switched, caught up, fence lifted: the sources stay readable for the grace period.
      const inGrace = await runMigration({ ctx, id: started.id });
      expect(inGrace.phase).toBe('shredding');
      const moved = (await itemsOf(runtime.directory.db, { jobId: started.id, steps: ['verified'] })).find((i) => i.table_name === 'media' && i.source_cell === 'kr');
      expect(moved, 'a JP image kept in kr, moved').toBeDefined();
      const id = String((JSON.parse(moved?.row_key ?? '[]') as unknown[])[0]);
      const kr = runtime.cells.get('kr').db;
      const jp = runtime.cells.get('jp').db;
      expect(await kr.selectFrom('media').select('id').where('id', '=', id).execute()).toHaveLength(1);

      // A writer holding the old location: refused, and nothing changed on either side.
      await expect(kr.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', id).execute()).rejects.toMatchObject(refusedAsMoving);
      await expect(kr.deleteFrom('media').where('id', '=', id).execute()).rejects.toMatchObject(refusedAsMoving);
      expect(await kr.selectFrom('media').select('content_type').where('id', '=', id).executeTakeFirst()).toEqual({ content_type: 'image/png' });
      expect(await jp.selectFrom('media').select('content_type').where('id', '=', id).executeTakeFirst()).toEqual({ content_type: 'image/png' });
      // The move's copy is where the write belongs: there it goes through.
      await jp.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', id).execute();

      // A Korean image in the same table is written as before; no other table is sealed.
      const sealed = await sealTriggers(kr, dialect);
      expect(sealed.length).toBeGreaterThan(0);
      expect(sealed.filter((name) => !name.startsWith('migration_seal_media'))).toEqual([]);
      const korean = buildMediaRow('kr', 'KR');
      await kr.insertInto('media').values(korean).execute();
      await kr.updateTable('media').set({ content_type: 'image/webp' }).where('id', '=', korean.id).execute();
      await kr.deleteFrom('media').where('id', '=', korean.id).execute();

      // The grace over, the engine deletes the moved rows through the seal, and takes it off.
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(inGrace.switchedAt ?? '') + 2_100 - Date.now())));
      const done = await runMigration({ ctx, id: started.id });
      expect(done.phase).toBe('done');
      expect(await kr.selectFrom('media').select('id').where('id', '=', id).execute()).toEqual([]);
      expect(await sealTriggers(kr, dialect)).toEqual([]);
      expect(await jp.selectFrom('media').select('content_type').where('id', '=', id).executeTakeFirst()).toEqual({ content_type: 'image/gif' });
    } finally {
      await server.close();
    }
  }, 60_000);
});
