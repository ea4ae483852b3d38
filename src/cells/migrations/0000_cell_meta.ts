// The cell's identity (its id and jurisdiction), checked at every open. It used to be created by
// messaging's first migration, hence `if not exists` and its place before it.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

export const migration0000CellMeta: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('cell_meta')
      .ifNotExists()
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
