// Invitations: a person added to a conversation stored outside their jurisdiction, with no basis
// to store their membership there, is invited instead. The invitation sits in the invitee's own
// cell and holds ids only (the conversation, its cell, who invited, when); accepting it through the
// transfer gate turns it into a membership abroad (docs/residency.md).
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../cells/cell.schema.js';

export function migration0016Invitations(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('invitation'), cellId)
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('conversation_cell', 'text', (c) => c.notNull())
        .addColumn('inviter_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('invitation_pk', ['conversation_id', 'subject_id'])
        .execute();
      await db.schema.createIndex('invitation_subject').on('invitation').column('subject_id').execute();
    },
  };
}
