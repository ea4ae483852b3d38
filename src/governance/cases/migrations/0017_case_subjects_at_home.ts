// A case's subjects are kept each in their own home cell (issue 16.3): the row naming a Korean
// person in a case stays in Korea even when the case itself lives in Japan. So `case_subject`
// can no longer reference `case_record` in the same cell; the table is rebuilt without that
// foreign key (SQLite cannot drop one in place), keeping its rows.
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../../cells/cell.schema.js';

export function migration0017CaseSubjectsAtHome(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('case_subject_next'), cellId)
        .addColumn('case_ref', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_subject_home_pk', ['case_ref', 'subject_id'])
        .execute();
      await sql`insert into case_subject_next (case_ref, role, subject_id, subject_home, category, cell_id, scope_home, scope_class)
        select case_ref, role, subject_id, subject_home, category, cell_id, scope_home, scope_class from case_subject`.execute(db);
      await db.schema.dropTable('case_subject').execute();
      await db.schema.alterTable('case_subject_next').renameTo('case_subject').execute();
      await db.schema.createIndex('case_subject_subject').on('case_subject').column('subject_id').execute();
    },
  };
}
