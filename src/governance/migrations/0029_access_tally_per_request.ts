// The two-person rule's tally becomes one row per request: the people released to one operator
// for one purpose at one moment, as a JSON array of ids. A bulk read of 10,000 people wrote 10,000
// rows (and as many index entries) before its data could leave; now it writes one. The count of
// distinct people over the window expands the arrays (access-tally.repository.ts). Existing rows
// are folded into one row per (operator, purpose, moment), which is what one request wrote.
import { PostgresAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

export const migration0029AccessTallyPerRequest: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('access_tally_request')
      .addColumn('operator_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('subjects', 'text', (c) => c.notNull())
      .execute();
    const ids = postgres ? sql`cast(json_agg(subject_id order by subject_id) as text)` : sql`json_group_array(subject_id)`;
    await sql`insert into access_tally_request (operator_id, purpose, at, subjects)
      select operator_id, purpose, at, ${ids} from access_tally group by operator_id, purpose, at`.execute(db);
    await db.schema.dropTable('access_tally').execute();
    await db.schema.alterTable('access_tally_request').renameTo('access_tally').execute();
    await db.schema.createIndex('access_tally_window').on('access_tally').columns(['operator_id', 'purpose', 'at']).execute();
  },
};
