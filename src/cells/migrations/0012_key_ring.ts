// The key ring's table in every cell: one data key per (subject, category), stored only wrapped
// by the cell's master key (whose id each row names). Shredding deletes the row.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0012KeyRing: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('data_key')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('master_id', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('data_key_subject_category').ifNotExists().unique().on('data_key').columns(['subject_id', 'category']).execute();
    await db.schema.createIndex('data_key_master').ifNotExists().on('data_key').column('master_id').execute();
  },
};
