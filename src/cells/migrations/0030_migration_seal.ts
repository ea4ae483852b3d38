// What lets the migration engine, and only it, through a source cell's seal: after a region
// migration's switch, triggers on the moving tables (src/governance/migration/migration.repository.ts)
// refuse any update or delete of a row that moved out, unless this table holds a row. The engine
// adds one at the start of its own transaction and takes it out before the commit, so no other
// transaction ever sees it (neither dialect shows another transaction's uncommitted rows).
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0030MigrationSeal: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable('migration_seal_open').ifNotExists().addColumn('opened_by', 'text', (c) => c.notNull()).execute();
  },
};
