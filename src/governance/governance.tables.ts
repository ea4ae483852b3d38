// The operator-access control plane's tables in the directory: operators and their sessions,
// just-in-time grants and approvals, jurisdiction blocks, and the journal of governance events
// waiting to be written to the access logs. Ids and codes only.

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

/** One person read by one operator for one purpose (the broker counts them over a window). */
/** One request's people released to one operator for one purpose (migration 0029). */
export interface DirectoryAccessTallyTable {
  operator_id: string;
  purpose: string;
  at: string;
  /** JSON array of the subject ids released. */
  subjects: string;
}

declare module '../cells/cell.database.js' {
  interface DirectoryDatabase {
    operator: DirectoryOperatorTable;
    operator_session: DirectoryOperatorSessionTable;
    access_grant: DirectoryAccessGrantTable;
    grant_approval: DirectoryGrantApprovalTable;
    jurisdiction_block: DirectoryJurisdictionBlockTable;
    governance_event: DirectoryGovernanceEventTable;
    access_tally: DirectoryAccessTallyTable;
  }
}
