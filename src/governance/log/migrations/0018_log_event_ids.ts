// The access log's index of event ids: each entry's `eventId` and its index, so an append of an
// event the log already holds (a governance event written again after a crash between its append
// and its "logged" mark) is answered with the stored index instead of a second entry.
import { PostgresAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export function migration0018LogEventIds(_cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('log_event')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('idx', postgres ? 'bigint' : 'integer', (c) => c.notNull())
        .execute();
      // Entries written before the index: the first entry of each event id is the one it answers
      // (an entry without an event id, which no append makes, has nothing to answer).
      const eventId = postgres ? sql`(entry::jsonb) ->> 'eventId'` : sql`json_extract(entry, '$.eventId')`;
      await sql`insert into log_event (event_id, idx)
        select ${eventId}, min(idx) from log_entry where ${eventId} is not null group by ${eventId}`.execute(db);
    },
  };
}
