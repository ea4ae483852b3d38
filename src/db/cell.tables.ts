// Table types of a cell database and of the directory. Every personal-data table carries the
// subject, the data category, the cell, and the scope (home and class) the placement rules read.
import type { Insertable, Selectable } from 'kysely';

/** Columns every personal-data row carries (invariant 2). */
export interface PersonalColumns {
  subject_id: string;
  subject_home: string;
  category: string;
  cell_id: string;
  /** Home jurisdiction of the scope that decides placement: the subject, or the conversation. */
  scope_home: string;
  scope_class: string;
}

export interface AccountTable extends PersonalColumns {
  id: string;
  handle: string;
  display_name: string;
  kind: string;
  class: string;
  password_hash: string;
  avatar_media_id: string | null;
  created_at: string;
}

export interface ContactPointTable extends PersonalColumns {
  id: string;
  kind: string;
  value: string;
  created_at: string;
}

export interface SessionTable extends PersonalColumns {
  id: string;
  token_hash: string;
  created_at: string;
  last_seen_at: string;
  revoked_at: string | null;
}

export interface ContactTable extends PersonalColumns {
  contact_id: string;
  created_at: string;
}

export interface ConversationTable extends PersonalColumns {
  id: string;
  kind: string;
  title: string | null;
  owner_id: string;
  direct_key: string | null;
  last_seq: number;
  created_at: string;
  updated_at: string;
}

export interface MembershipTable extends PersonalColumns {
  conversation_id: string;
  role: string;
  last_read_seq: number;
  joined_at: string;
}

export interface MessageTable extends PersonalColumns {
  id: string;
  conversation_id: string;
  seq: number;
  kind: string;
  client_id: string;
  text: string | null;
  media_id: string | null;
  media_type: string | null;
  media_size: number | null;
  created_at: string;
}

export interface MediaTable extends PersonalColumns {
  id: string;
  conversation_id: string | null;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
}

export interface CellMetaTable {
  key: string;
  value: string;
}

export interface CellDatabase {
  cell_meta: CellMetaTable;
  account: AccountTable;
  contact_point: ContactPointTable;
  session: SessionTable;
  contact: ContactTable;
  conversation: ConversationTable;
  membership: MembershipTable;
  message: MessageTable;
  media: MediaTable;
}

/** Tables whose rows are personal data; the residency guard and scan cover exactly these. */
export const personalTables = [
  'account',
  'contact_point',
  'session',
  'contact',
  'conversation',
  'membership',
  'message',
  'media',
] as const satisfies readonly (keyof CellDatabase)[];
export type PersonalTable = (typeof personalTables)[number];

export const personalColumnNames = [
  'subject_id',
  'subject_home',
  'category',
  'cell_id',
  'scope_home',
  'scope_class',
] as const satisfies readonly (keyof PersonalColumns)[];

/** The directory holds routing data only: ids, homes, classes and keyed hashes of logins. */
export interface DirectorySubjectTable {
  id: string;
  kind: string;
  home: string;
  class: string;
  created_at: string;
}

export interface DirectoryLoginTable {
  login_key: string;
  subject_id: string;
}

export interface DirectoryMetaTable {
  key: string;
  value: string;
}

export interface DirectoryDatabase {
  subject: DirectorySubjectTable;
  login: DirectoryLoginTable;
  directory_meta: DirectoryMetaTable;
}

export type AccountRow = Selectable<AccountTable>;
export type ConversationRow = Selectable<ConversationTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type MessageRow = Selectable<MessageTable>;
export type NewMessage = Insertable<MessageTable>;
export type MediaRow = Selectable<MediaTable>;
export type SessionRow = Selectable<SessionTable>;
export type DirectorySubject = Selectable<DirectorySubjectTable>;
