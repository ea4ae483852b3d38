// Incidents (issue 11): the privacy officer's record of a suspected breach and its log scope.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0011Incidents: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('incident')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('known_at', 'text', (c) => c.notNull())
      .addColumn('home', 'text', (c) => c.notNull())
      .addColumn('actor_outside', 'text')
      .addColumn('actor_country', 'text')
      .addColumn('employer', 'text')
      .addColumn('from_day', 'text', (c) => c.notNull())
      .addColumn('to_day', 'text', (c) => c.notNull())
      .addColumn('wrongful_purpose', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('incident_known_at').on('incident').column('known_at').execute();
  },
};
