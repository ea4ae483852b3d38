// Cross-border transfers: each subject's consent history and the records of transfers of
// their data abroad. Both are personal data about the subject and live in the subject's
// own cell, never at the destination. Records are kept until keep_until (three years).
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../../cells/cell.schema.js';

export function migration0004Transfers(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('consent_event'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Position in the subject's history: ties in time go to the later event.
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('notice_id', 'text', (c) => c.notNull())
        .addColumn('notice_version', 'integer')
        .addColumn('receipt_id', 'text', (c) => c.notNull())
        .addColumn('receipt', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addUniqueConstraint('consent_event_seq', ['subject_id', 'seq'])
        .execute();

      // One row per subject, day, destination, recipient, data category, purpose and basis,
      // counting the items transferred that day (APPI Rule 19(2) allows one record for
      // repeated provision to the same recipient).
      await withPersonalColumns(db.schema.createTable('transfer_record'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('recipient_id', 'text', (c) => c.notNull())
        .addColumn('recipient_name', 'text', (c) => c.notNull())
        .addColumn('data_category', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('basis', 'text', (c) => c.notNull())
        .addColumn('basis_ref', 'text', (c) => c.notNull())
        .addColumn('consent_ref', 'text')
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'text', (c) => c.notNull())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .addColumn('keep_until', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('transfer_record_subject').on('transfer_record').columns(['subject_id', 'day']).execute();
      await db.schema.createIndex('transfer_record_keep').on('transfer_record').column('keep_until').execute();
    },
  };
}
