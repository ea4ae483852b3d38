// An erasure made while a region migration runs is not undone by it (issue 10 with the erasure
// promise): a record deleted at its source after its copy was verified leaves the destination with
// its blob, is not listed in the manifest, and the move still ends verified. Both dialects; the
// demo world's Japanese people's images kept in Korea move home.
import { describe, expect, it } from 'vitest';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { itemsOf } from '../../src/governance/migration/migration.repository.js';
import { manifestOf, MigrationStopped, runMigration, startMigration } from '../../src/governance/migration/migration.service.js';
import { dialects } from '../support/databases.js';
import { startTestServer } from '../support/server.js';

describe.each(dialects)('a record erased during a move, on %s', (dialect) => {
  it('leaves the destination and the manifest, and the move still ends verified', async () => {
    const server = await startTestServer({ dialect, serving: false, demo: true });
    try {
      const { runtime } = server;
      let stop = false;
      const ctx = { ...migrationContext(runtime), stopping: () => stop };
      const job = await startMigration({ ctx, request: { home: 'JP', categories: ['user.content.media'], to: 'jp' }, actor: 'op-tokyo-admin', graceSeconds: 0 });
      // Paused once the first records are copied and verified.
      await expect(runMigration({ ctx, id: job.id, onProgress: () => (stop = true) })).rejects.toBeInstanceOf(MigrationStopped);
      const verified = (await itemsOf(runtime.directory.db, { jobId: job.id, steps: ['verified'] })).find((i) => i.table_name === 'media');
      expect(verified, 'a media record copied before the pause').toBeDefined();
      const mediaId = String((JSON.parse(verified?.row_key ?? '[]') as unknown[])[0]);
      const source = runtime.cells.get(verified?.source_cell ?? '');
      const destination = runtime.cells.get('jp');
      expect(await destination.db.selectFrom('media').select('id').where('id', '=', mediaId).executeTakeFirst()).toBeDefined();

      // The person erases the picture in its source cell while the move is paused.
      await source.db.deleteFrom('media').where('id', '=', mediaId).execute();
      await source.blobs.delete(mediaId);

      stop = false;
      const done = await runMigration({ ctx, id: job.id });
      expect(done.phase).toBe('done');
      expect(await destination.db.selectFrom('media').select('id').where('id', '=', mediaId).executeTakeFirst()).toBeUndefined();
      expect(await destination.blobs.get(mediaId)).toBeNull();
      const manifest = await manifestOf({ ctx, id: job.id });
      expect(manifest.length).toBeGreaterThan(0);
      expect(manifest.map((e) => e.id)).not.toContain(verified?.id);
    } finally {
      await server.close();
    }
  }, 60_000);
});
