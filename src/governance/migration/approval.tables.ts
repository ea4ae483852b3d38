// The directory's table of migration requests awaiting a second admin (the two-person rule for
// moves of many people): what to move and the plan's totals, who asked and who decided. Ids,
// codes and counts only, no personal data.
export interface MigrationRequestTable {
  id: string;
  home: string;
  /** The categories to move, as a JSON array. */
  categories: string;
  to_cell: string;
  /** The plan's totals when the request was made (the approval starts a job from a fresh plan). */
  subjects: number;
  records: number;
  bytes: number;
  /** Seconds the source stays readable after the switch (the job's grace). */
  grace_seconds: number;
  requested_by: string;
  requested_at: string;
  /** pending → approved | denied. */
  status: string;
  decided_by: string | null;
  decided_at: string | null;
  /** The job the approval started. */
  job_id: string | null;
}

declare module '../../cells/cell.database.js' {
  interface DirectoryDatabase {
    migration_request: MigrationRequestTable;
  }
}
