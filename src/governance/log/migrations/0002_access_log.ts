// The cell's access log. Entries hold ids only, so these are not personal-data tables.
import { PostgresAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

/** Column types that differ by dialect: 64-bit indices, and raw bytes. */
function logColumnTypes(db: AnyDb): { index: 'bigint' | 'integer'; bytes: 'bytea' | 'blob' } {
  // SQLite makes an `integer primary key` the rowid, which is the fast path for an append-only
  // table; PostgreSQL's integer is 32-bit, too small for a long-lived log.
  return db.getExecutor().adapter instanceof PostgresAdapter ? { index: 'bigint', bytes: 'bytea' } : { index: 'integer', bytes: 'blob' };
}

export function migration0002AccessLog(_cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      const { index, bytes } = logColumnTypes(db);
      await db.schema
        .createTable('log_entry')
        .addColumn('idx', index, (c) => c.primaryKey())
        .addColumn('entry', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('log_tile')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', index, (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('nodes', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_tile_pk', ['level', 'idx'])
        .execute();
      // On SQLite the subject index is the table itself (WITHOUT ROWID): one B-tree to update
      // per row instead of a table and its primary-key index.
      const subjects = db.schema
        .createTable('log_subject')
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('idx', index, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_subject_pk', ['subject_id', 'idx']);
      await (index === 'integer' ? subjects.modifyEnd(sql`without rowid`) : subjects).execute();
      await db.schema
        .createTable('log_checkpoint')
        .addColumn('size', index, (c) => c.primaryKey())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
