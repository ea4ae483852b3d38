// Auditors allowed to read access-log entry bundles (a hash of their token only).
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0002Auditors: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('auditor')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
  },
};
