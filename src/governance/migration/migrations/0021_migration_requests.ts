// Migration requests awaiting a second admin's approval (ids, codes and counts only).
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0021MigrationRequests: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('migration_request')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('home', 'text', (c) => c.notNull())
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('to_cell', 'text', (c) => c.notNull())
      .addColumn('subjects', 'integer', (c) => c.notNull())
      .addColumn('records', 'integer', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('grace_seconds', 'integer', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('job_id', 'text')
      .execute();
    await db.schema.createIndex('migration_request_status').on('migration_request').columns(['status', 'requested_at']).execute();
  },
};
