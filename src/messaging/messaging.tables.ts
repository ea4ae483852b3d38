// Messaging's tables in a cell: accounts, contact points, sessions, contacts, conversations,
// memberships, messages and images. Every one is personal data and carries the personal columns.
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { PersonalColumns } from '../cells/records.js';

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
  /** Who added this person without being among their contacts: a message request until accepted (null: a member). */
  request_from: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * An invitation to a conversation stored outside the invitee's jurisdiction, kept in the invitee's
 * own cell until accepted (through the transfer gate) or declined. Ids only.
 */
export interface InvitationTable extends PersonalColumns {
  conversation_id: string;
  conversation_cell: string;
  inviter_id: string;
  created_at: string;
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
  /** A payment card (JSON) for kind `payment`; null for other kinds. */
  card: string | null;
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

declare module '../cells/cell.database.js' {
  interface CellDatabase {
    account: AccountTable;
    contact_point: ContactPointTable;
    session: SessionTable;
    contact: ContactTable;
    conversation: ConversationTable;
    membership: MembershipTable;
    invitation: InvitationTable;
    message: MessageTable;
    media: MediaTable;
  }
}

export type AccountRow = Selectable<AccountTable>;
export type ConversationRow = Selectable<ConversationTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type InvitationRow = Selectable<InvitationTable>;
export type MessageRow = Selectable<MessageTable>;
export type NewMessage = Insertable<MessageTable>;
export type MediaRow = Selectable<MediaTable>;
export type SessionRow = Selectable<SessionTable>;
