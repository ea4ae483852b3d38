// Schema of a cell database. The CHECK on cell_id pins every personal row to the cell the
// migration ran in, so even SQL that bypasses the repositories cannot write another cell's id.
import { PostgresAdapter, sql, type Kysely, type CreateTableBuilder } from 'kysely';
import type { Migration } from 'kysely/migration';

// Migrations take Kysely<any> by design (Kysely's guidance): they describe the schema as it was.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

type PersonalColumn = 'subject_id' | 'subject_home' | 'category' | 'cell_id' | 'scope_home' | 'scope_class';

function personal<T extends string>(table: CreateTableBuilder<T, never>, cellId: string): CreateTableBuilder<T, PersonalColumn> {
  return table
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('subject_home', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('cell_id', 'text', (c) => c.notNull().check(sql`cell_id = ${sql.lit(cellId)}`))
    .addColumn('scope_home', 'text', (c) => c.notNull())
    .addColumn('scope_class', 'text', (c) => c.notNull());
}

/** Column types that differ by dialect: 64-bit indices, and raw bytes. */
function logTypes(db: AnyDb): { index: 'bigint' | 'integer'; bytes: 'bytea' | 'blob' } {
  // SQLite makes an `integer primary key` the rowid, which is the fast path for an append-only
  // table; PostgreSQL's integer is 32-bit, too small for a long-lived log.
  return db.getExecutor().adapter instanceof PostgresAdapter ? { index: 'bigint', bytes: 'bytea' } : { index: 'integer', bytes: 'blob' };
}

export function cellMigrations(cellId: string): Record<string, Migration> {
  return {
    '0001_messaging': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('cell_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();

        await personal(db.schema.createTable('account'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('handle', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('class', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('avatar_media_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await personal(db.schema.createTable('contact_point'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('contact_point_subject').on('contact_point').column('subject_id').execute();

        await personal(db.schema.createTable('session'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createIndex('session_subject').on('session').column('subject_id').execute();

        await personal(db.schema.createTable('contact'), cellId)
          .addColumn('contact_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('contact_pk', ['subject_id', 'contact_id'])
          .execute();

        await personal(db.schema.createTable('conversation'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('title', 'text')
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('direct_key', 'text', (c) => c.unique())
          .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await personal(db.schema.createTable('membership'), cellId)
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversation.id'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('joined_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('membership_pk', ['conversation_id', 'subject_id'])
          .execute();
        await db.schema.createIndex('membership_subject').on('membership').column('subject_id').execute();

        await personal(db.schema.createTable('media'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text')
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await personal(db.schema.createTable('message'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversation.id'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('media_id', 'text')
          .addColumn('media_type', 'text')
          .addColumn('media_size', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('message_seq', ['conversation_id', 'seq'])
          .addUniqueConstraint('message_client', ['conversation_id', 'subject_id', 'client_id'])
          .execute();
      },
    },
    // The cell's access log. Entries hold ids only, so these are not personal-data tables.
    '0002_access_log': {
      async up(db: AnyDb) {
        const { index, bytes } = logTypes(db);
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
    },
    // Cases (support tickets, abuse reports) are personal data about their subjects, so they
    // live in a cell under the residency guard like any other personal row. `records` lists the
    // record ids a case is about (the reported message), as a JSON array.
    '0003_cases': {
      async up(db: AnyDb) {
        await personal(db.schema.createTable('case_record'), cellId)
          .addColumn('ref', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text')
          .addColumn('records', 'text', (c) => c.notNull())
          .addColumn('opened_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('closed_at', 'text')
          .execute();
        await personal(db.schema.createTable('case_subject'), cellId)
          .addColumn('case_ref', 'text', (c) => c.notNull().references('case_record.ref'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('case_subject_pk', ['case_ref', 'subject_id'])
          .execute();
      },
    },
    // Cross-border transfers: each subject's consent history and the records of transfers of
    // their data abroad. Both are personal data about the subject and live in the subject's
    // own cell, never at the destination. Records are kept until keep_until (three years).
    '0004_transfers': {
      async up(db: AnyDb) {
        await personal(db.schema.createTable('consent_event'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          // Position in the subject's history: ties in time go to the later event.
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('notice_id', 'text', (c) => c.notNull())
          .addColumn('notice_version', 'integer')
          .addColumn('receipt_id', 'text', (c) => c.notNull())
          .addColumn('receipt', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .addUniqueConstraint('consent_event_seq', ['subject_id', 'seq'])
          .execute();

        // One row per subject, day, destination, recipient, data category, purpose and basis,
        // counting the items transferred that day (APPI Rule 19(2) allows one record for
        // repeated provision to the same recipient).
        await personal(db.schema.createTable('transfer_record'), cellId)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('destination', 'text', (c) => c.notNull())
          .addColumn('recipient_id', 'text', (c) => c.notNull())
          .addColumn('recipient_name', 'text', (c) => c.notNull())
          .addColumn('data_category', 'text', (c) => c.notNull())
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('basis', 'text', (c) => c.notNull())
          .addColumn('basis_ref', 'text', (c) => c.notNull())
          .addColumn('consent_ref', 'text')
          .addColumn('item_count', 'integer', (c) => c.notNull())
          .addColumn('first_at', 'text', (c) => c.notNull())
          .addColumn('last_at', 'text', (c) => c.notNull())
          .addColumn('keep_until', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('transfer_record_subject').on('transfer_record').columns(['subject_id', 'day']).execute();
        await db.schema.createIndex('transfer_record_keep').on('transfer_record').column('keep_until').execute();
      },
    },
  };
}

export const directoryMigrations: Record<string, Migration> = {
  '0001_directory': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('directory_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('subject')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('home', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('login')
        .addColumn('login_key', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_auditors': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('auditor')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
  },
  // The operator-access control plane: operators and their sessions, just-in-time grants and
  // their approvals, jurisdiction blocks, the case index (ref → cell; the cases themselves live
  // in cells), and the journal of governance events waiting to be written to the access logs.
  '0003_operator_access': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('operator')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('employer_id', 'text', (c) => c.notNull())
        .addColumn('employer_entity', 'text', (c) => c.notNull())
        .addColumn('employer_country', 'text', (c) => c.notNull())
        .addColumn('employer_tier', 'text', (c) => c.notNull())
        .addColumn('office_country', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret', 'text', (c) => c.notNull())
        .addColumn('totp_last_step', 'bigint', (c) => c.notNull().defaultTo(-1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('operator_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull().references('operator.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('simulated', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoke_reason', 'text')
        .execute();
      await db.schema.createIndex('operator_session_operator').on('operator_session').column('operator_id').execute();
      await db.schema
        .createTable('access_grant')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('requester_id', 'text', (c) => c.notNull().references('operator.id'))
        .addColumn('subjects', 'text', (c) => c.notNull())
        .addColumn('categories', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('case_ref', 'text', (c) => c.notNull())
        .addColumn('duration_seconds', 'integer', (c) => c.notNull())
        .addColumn('requested_location', 'text', (c) => c.notNull())
        .addColumn('required_approvals', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('ended_by', 'text')
        .execute();
      await db.schema.createIndex('access_grant_requester').on('access_grant').columns(['requester_id', 'status']).execute();
      await db.schema
        .createTable('grant_approval')
        .addColumn('grant_id', 'text', (c) => c.notNull().references('access_grant.id'))
        .addColumn('approver_id', 'text', (c) => c.notNull().references('operator.id'))
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('grant_approval_pk', ['grant_id', 'approver_id'])
        .execute();
      await db.schema
        .createTable('jurisdiction_block')
        .addColumn('country', 'text', (c) => c.primaryKey())
        .addColumn('blocked_at', 'text', (c) => c.notNull())
        .addColumn('blocked_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('case_index')
        .addColumn('ref', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('cell_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('governance_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('logged_at', 'text')
        .execute();
      await db.schema.createIndex('governance_event_pending').on('governance_event').columns(['logged_at', 'at']).execute();
    },
  },
};
