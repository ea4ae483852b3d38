// The openings of the access log's commitments, beside the entries and outside their leaves: the
// salt of each subject's commitment in the subject index, and an entry's operator id with the
// salt of its commitment (see entry.ts, sealAccessEntry, and docs/access-log.md).
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export function migration0010LogOpenings(_cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      // Null in rows written before commitments: those entries name their ids in clear.
      await db.schema.alterTable('log_subject').addColumn('salt', 'text').execute();
      await db.schema.alterTable('log_entry').addColumn('actor_id', 'text').execute();
      await db.schema.alterTable('log_entry').addColumn('actor_salt', 'text').execute();
    },
  };
}
