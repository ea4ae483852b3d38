// Where a transfer's data came from, when that is not the subject's home: a region migration that
// moves data home from a cell abroad is recorded as a transfer with its origin (no basis needed),
// so the records and the foreign-handling statement show the return, not only the going out.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0022TransferOrigin: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('transfer_record').addColumn('origin', 'text').execute();
  },
};
