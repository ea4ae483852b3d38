// The directory's tables of region migrations (no personal data: ids, digests, sizes).
import type { Selectable } from 'kysely';

export interface MigrationJobTable {
  id: string;
  /** The job document (MigrationJob) as JSON. */
  state: string;
  phase: string;
  /** `<host>:<pid>` of the process running the job, while it runs. */
  lease_owner: string | null;
  lease_until: string | null;
  updated_at: string;
}

export interface MigrationItemTable {
  job_id: string;
  /** The manifest id: `<table>:<record id>`. */
  id: string;
  table_name: string;
  /** The values of the row's key columns, as a JSON array. */
  row_key: string;
  category: string;
  subject_id: string;
  source_cell: string;
  batch: number;
  /** pending → copied → verified → shredded. */
  step: string;
  /** SHA-256 (hex) of the record's plaintext: the image for a blob row, else the row's canonical JSON. */
  sha256: string | null;
  row_sha256: string | null;
  bytes: number;
}

export interface ServingProcessTable {
  /** `<host>:<pid>:<random>` of a serving process. */
  id: string;
  /** The oldest placement version a write of the process may still act on. */
  placement_version: number;
  heartbeat_at: string;
}

declare module '../../cells/cell.database.js' {
  interface DirectoryDatabase {
    migration_job: MigrationJobTable;
    migration_item: MigrationItemTable;
    serving_process: ServingProcessTable;
  }
}

export type MigrationItemRow = Selectable<MigrationItemTable>;
