// Cases (support tickets, abuse reports) are personal data about their subjects, so they
// live in a cell under the residency guard like any other personal row. `records` lists the
// record ids a case is about (the reported message), as a JSON array.
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../../cells/cell.schema.js';

export function migration0003Cases(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('case_record'), cellId)
        .addColumn('ref', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text')
        .addColumn('records', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .execute();
      await withPersonalColumns(db.schema.createTable('case_subject'), cellId)
        .addColumn('case_ref', 'text', (c) => c.notNull().references('case_record.ref'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_subject_pk', ['case_ref', 'subject_id'])
        .execute();
    },
  };
}
