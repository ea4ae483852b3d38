// Message requests: a membership made by someone the person does not have among their contacts
// records who made it (`request_from`) until the person accepts; null is an ordinary membership.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

export function migration0007MessageRequests(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('membership').addColumn('request_from', 'text').execute();
    },
  };
}
