// Region migration jobs in the directory: the job's state machine (one JSON document, moved by
// conditional updates) and one row per moved record — ids, digests and sizes only, no personal
// data — which is the manifest of the signed receipt.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0014MigrationJobs: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('migration_job')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('migration_item')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('source_cell', 'text', (c) => c.notNull())
      .addColumn('batch', 'integer', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('row_sha256', 'text')
      .addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('migration_item_pk', ['job_id', 'id'])
      .execute();
    await db.schema.createIndex('migration_item_batch').on('migration_item').columns(['job_id', 'batch', 'step']).execute();
  },
};
