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

/** A case (support ticket or abuse report); `subject_id` is the person it was opened for or by. */
export interface CaseRecordTable extends PersonalColumns {
  ref: string;
  kind: string;
  status: string;
  reason: string;
  conversation_id: string | null;
  /** JSON array of the record ids the case is about (the reported message). */
  records: string;
  opened_by: string;
  created_at: string;
  closed_at: string | null;
}

/** Each subject a case concerns, with their part in it (customer, reporter, reported). */
export interface CaseSubjectTable extends PersonalColumns {
  case_ref: string;
  role: string;
}

export interface CellMetaTable {
  key: string;
  value: string;
}

/**
 * One event of a subject's consent history: a consent given (with its Kantara receipt, as JSON)
 * or withdrawn (naming the receipt withdrawn). Append-only.
 */
export interface ConsentEventTable extends PersonalColumns {
  id: string;
  seq: number;
  kind: string;
  notice_id: string;
  notice_version: number | null;
  receipt_id: string;
  receipt: string | null;
  at: string;
}

/**
 * Record of transfers of one subject's data abroad: per day, destination, recipient, data
 * category, purpose and basis, with the number of items. Kept until `keep_until`.
 */
export interface TransferRecordTable extends PersonalColumns {
  id: string;
  day: string;
  destination: string;
  recipient_id: string;
  recipient_name: string;
  data_category: string;
  purpose: string;
  basis: string;
  basis_ref: string;
  consent_ref: string | null;
  item_count: number;
  first_at: string;
  last_at: string;
  keep_until: string;
}

/** Access log: one row per entry, its canonical JSON (ids only, not a personal-data table). */
export interface LogEntryTable {
  idx: number;
  entry: string;
}

/**
 * Access log: the Merkle tree as C2SP hash tiles. Row (level, idx) is tile `idx` of tile level
 * `level` with its `width` hashes and the seven tree levels inside it, packed; the rightmost
 * tile of each level is rewritten as it grows, in the same commit as the entries it covers.
 */
export interface LogTileTable {
  level: number;
  idx: number;
  width: number;
  nodes: Buffer;
}

/** Access log: which entries name which subject, for a person's own view of their accesses. */
export interface LogSubjectTable {
  subject_id: string;
  idx: number;
}

/** Access log: every checkpoint published, as its signed note. */
export interface LogCheckpointTable {
  size: number;
  note: string;
  created_at: string;
}

export interface CellDatabase {
  cell_meta: CellMetaTable;
  log_entry: LogEntryTable;
  log_tile: LogTileTable;
  log_subject: LogSubjectTable;
  log_checkpoint: LogCheckpointTable;
  account: AccountTable;
  contact_point: ContactPointTable;
  session: SessionTable;
  contact: ContactTable;
  conversation: ConversationTable;
  membership: MembershipTable;
  message: MessageTable;
  media: MediaTable;
  case_record: CaseRecordTable;
  case_subject: CaseSubjectTable;
  consent_event: ConsentEventTable;
  transfer_record: TransferRecordTable;
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
  'case_record',
  'case_subject',
  'consent_event',
  'transfer_record',
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

/** Auditors allowed to read access-log entries; only a SHA-256 of their token is kept. */
export interface DirectoryAuditorTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** An operator: a staff member of the platform or of a contractor (roles: JSON array). */
export interface DirectoryOperatorTable {
  id: string;
  name: string;
  /** Recipient id of the employer in registries/recipients.json. */
  employer_id: string;
  employer_entity: string;
  employer_country: string;
  employer_tier: string;
  office_country: string;
  roles: string;
  password_hash: string;
  /** Base32 TOTP secret. */
  totp_secret: string;
  /** The last TOTP step accepted, so a code cannot be used twice. */
  totp_last_step: number;
  created_at: string;
  disabled_at: string | null;
}

/** An operator session; only a SHA-256 of its token is kept. */
export interface DirectoryOperatorSessionTable {
  id: string;
  operator_id: string;
  token_hash: string;
  address: string;
  country: string;
  /** 1 when the source address was a demo-mode simulation. */
  simulated: number;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
}

/** A just-in-time access grant; subjects, categories and fields are JSON arrays. */
export interface DirectoryAccessGrantTable {
  id: string;
  requester_id: string;
  subjects: string;
  categories: string;
  fields: string;
  purpose: string;
  case_ref: string;
  duration_seconds: number;
  requested_location: string;
  required_approvals: number;
  status: string;
  created_at: string;
  approved_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  ended_by: string | null;
}

export interface DirectoryGrantApprovalTable {
  grant_id: string;
  approver_id: string;
  decision: string;
  at: string;
}

/** A jurisdiction cut off from operator access. */
export interface DirectoryJurisdictionBlockTable {
  country: string;
  blocked_at: string;
  blocked_by: string;
}

/** Where each case lives (routing only: no subject ids). */
export interface DirectoryCaseIndexTable {
  ref: string;
  kind: string;
  cell_id: string;
  status: string;
  reason: string;
  created_at: string;
}

/** Governance events (blocks, grant decisions), each written to the access logs once. */
export interface DirectoryGovernanceEventTable {
  id: string;
  at: string;
  kind: string;
  actor: string;
  /** The event as JSON (ids and codes only). */
  entry: string;
  logged_at: string | null;
}

/** Which cell holds an addressable record now (ids and cell ids only). */
export interface DirectoryRecordLocationTable {
  kind: string;
  id: string;
  cell_id: string;
}

export interface DirectoryDatabase {
  subject: DirectorySubjectTable;
  record_location: DirectoryRecordLocationTable;
  auditor: DirectoryAuditorTable;
  login: DirectoryLoginTable;
  directory_meta: DirectoryMetaTable;
  operator: DirectoryOperatorTable;
  operator_session: DirectoryOperatorSessionTable;
  access_grant: DirectoryAccessGrantTable;
  grant_approval: DirectoryGrantApprovalTable;
  jurisdiction_block: DirectoryJurisdictionBlockTable;
  case_index: DirectoryCaseIndexTable;
  governance_event: DirectoryGovernanceEventTable;
}

export type AccountRow = Selectable<AccountTable>;
export type ConversationRow = Selectable<ConversationTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type MessageRow = Selectable<MessageTable>;
export type NewMessage = Insertable<MessageTable>;
export type MediaRow = Selectable<MediaTable>;
export type SessionRow = Selectable<SessionTable>;
export type DirectorySubject = Selectable<DirectorySubjectTable>;
