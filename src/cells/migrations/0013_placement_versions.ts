// The effective placement as versioned data: version 1 is the configuration's rules, a region
// migration writes the next ones (with the staging rules its copy step may write under, and the fence of its switch).
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0013PlacementVersions: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('placement_version')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('staging', 'text', (c) => c.notNull())
      .addColumn('fence', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
