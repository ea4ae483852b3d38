// The subject openings of each entry move out of the per-subject index into one row per entry,
// written with the entry: a bulk access of 10,000 people is then one short row per 1,000 people
// in its commit instead of 10,000 index rows spread over the whole index. The per-subject index
// (`log_subject`) stays, built behind the appends up to the watermark `log_subject_indexed` in
// cell_meta; a person's view reads the index below the watermark and the openings above it.
import { PostgresAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export function migration0025LogSubjectOpenings(_cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      // SQLite: an `integer primary key` is the rowid, the fast path for an append-only table.
      await db.schema
        .createTable('log_opening')
        .addColumn('idx', postgres ? 'bigint' : 'integer', (c) => c.primaryKey())
        .addColumn('subjects', 'text', (c) => c.notNull())
        .execute();
      // Existing entries: their openings from the index, which covers all of them.
      const pairs = postgres
        ? sql`cast(json_agg(json_build_array(subject_id, salt) order by subject_id) as text)`
        : sql`json_group_array(json_array(subject_id, salt))`;
      await sql`insert into log_opening (idx, subjects) select idx, ${pairs} from log_subject group by idx`.execute(db);
      // A new cell's meta stays empty until the cell names itself (cell.registry.ts), so the
      // watermark is written only for a log that has entries; absent, it is 0.
      await sql`insert into cell_meta (key, value)
        select 'log_subject_indexed', cast(max(idx) + 1 as text) from log_entry having max(idx) is not null`.execute(db);
    },
  };
}
