// The serving processes on a directory, each with a heartbeat: how `domicile migrate start` knows
// a server will run its job, and how a migration's switch knows every process has put the fenced
// placement in force (and finished the writes it began under an older one) before it catches up.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../../cells/cell.schema.js';

export const migration0019ServingProcesses: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('serving_process')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('placement_version', 'integer', (c) => c.notNull())
      .addColumn('heartbeat_at', 'text', (c) => c.notNull())
      .execute();
  },
};
