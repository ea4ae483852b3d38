// Messaging's tables: accounts, contact points, sessions, contacts, conversations, memberships,
// images and messages — all personal data, each row pinned to its cell by a CHECK.
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../cells/cell.schema.js';

export function migration0001Messaging(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('account'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('avatar_media_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await withPersonalColumns(db.schema.createTable('contact_point'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('contact_point_subject').on('contact_point').column('subject_id').execute();

      await withPersonalColumns(db.schema.createTable('session'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('session_subject').on('session').column('subject_id').execute();

      await withPersonalColumns(db.schema.createTable('contact'), cellId)
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_pk', ['subject_id', 'contact_id'])
        .execute();

      await withPersonalColumns(db.schema.createTable('conversation'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('direct_key', 'text', (c) => c.unique())
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await withPersonalColumns(db.schema.createTable('membership'), cellId)
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversation.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('membership_pk', ['conversation_id', 'subject_id'])
        .execute();
      await db.schema.createIndex('membership_subject').on('membership').column('subject_id').execute();

      await withPersonalColumns(db.schema.createTable('media'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text')
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await withPersonalColumns(db.schema.createTable('message'), cellId)
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
  };
}
