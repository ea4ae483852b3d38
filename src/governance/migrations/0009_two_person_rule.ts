// The two-person rule held across requests and cases: approvals of staff-opened cases (a case
// an operator opens is pending until a second operator approves it, two beyond 100 subjects),
// and the tally of distinct people each operator read for each purpose, which the broker counts
// over a rolling window.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

export const migration0009TwoPersonRule: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('case_index').addColumn('required_approvals', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('case_approval')
      .addColumn('case_ref', 'text', (c) => c.notNull().references('case_index.ref'))
      .addColumn('approver_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('case_approval_pk', ['case_ref', 'approver_id'])
      .execute();
    await db.schema
      .createTable('access_tally')
      .addColumn('operator_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('access_tally_window').on('access_tally').columns(['operator_id', 'purpose', 'at']).execute();
  },
};
