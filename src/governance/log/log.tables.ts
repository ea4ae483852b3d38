// The access log's tables: in each cell the entries, hash tiles, subject index and checkpoints
// (ids and codes only, not personal-data tables); in the directory, the auditors.

/**
 * Access log: one row per entry, its canonical JSON (ids only, not a personal-data table) — the
 * leaf — and, outside the leaf, the opening of its operator commitment (null for entries whose
 * actor is in clear: system jobs, and entries written before commitments).
 */
export interface LogEntryTable {
  idx: number;
  entry: string;
  actor_id: string | null;
  actor_salt: string | null;
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

/**
 * Access log: which entries name which subject, for a person's own view of their accesses, with
 * the salt that opens the subject's commitment in that entry (null: the entry names the id).
 * Built from `log_opening` behind the appends, up to the `log_subject_indexed` watermark.
 */
export interface LogSubjectTable {
  subject_id: string;
  idx: number;
  salt: string | null;
}

/**
 * Access log: the openings of one entry's subject commitments, written with the entry — a JSON
 * array of [subject id, salt] pairs (salt null: the entry names the id in clear).
 */
export interface LogOpeningTable {
  idx: number;
  subjects: string;
}

/** Access log: the index of each entry's event id, so an event is appended at most once. */
export interface LogEventTable {
  event_id: string;
  idx: number;
}

/** Access log: every checkpoint published, as its signed note. */
export interface LogCheckpointTable {
  size: number;
  note: string;
  created_at: string;
}

/** Auditors allowed to read access-log entries; only a SHA-256 of their token is kept. */
export interface DirectoryAuditorTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

declare module '../../cells/cell.database.js' {
  interface CellDatabase {
    log_entry: LogEntryTable;
    log_tile: LogTileTable;
    log_subject: LogSubjectTable;
    log_opening: LogOpeningTable;
    log_event: LogEventTable;
    log_checkpoint: LogCheckpointTable;
  }
  interface DirectoryDatabase {
    auditor: DirectoryAuditorTable;
  }
}
