// Schema of a cell database. The CHECK on cell_id pins every personal row to the cell the
// migration ran in, so even SQL that bypasses the repositories cannot write another cell's id.
import { sql, type Kysely, type Migration, type CreateTableBuilder } from 'kysely';

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
};
