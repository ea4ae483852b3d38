// The operator-access control plane: operators and their sessions, just-in-time grants and
// their approvals, jurisdiction blocks, the case index (ref → cell; the cases themselves live
// in cells), and the journal of governance events waiting to be written to the access logs.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

export const migration0003OperatorAccess: Migration = {
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
};
