// The change log a region migration reads in every cell it moves records out of: while a job
// runs, triggers on the moving tables (src/governance/migration/migration.repository.ts) add one
// row per insert or update of a row of the moving home, naming the row by its key columns only
// (ids, no personal data). The catch-up reads what changed since its last pass from here instead
// of reading every source row again, so the pass behind the switch's fence lasts as long as what
// changed, not as long as the move.
import { PostgresAdapter } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0026MigrationChanges: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('migration_change')
      .ifNotExists()
      .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .execute();
  },
};
