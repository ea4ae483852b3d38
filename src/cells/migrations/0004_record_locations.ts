// Where each addressable record lives now: ids no longer name their cell, so records can move.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0004RecordLocations: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('record_location')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('record_location_pk', ['kind', 'id'])
      .execute();
  },
};
