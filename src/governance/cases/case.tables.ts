// Cases' tables: the case and its subjects in a cell (personal data), and the routing index in
// the directory.
import type { PersonalColumns } from '../../cells/records.js';

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

/** Where each case lives (routing only: no subject ids). */
export interface DirectoryCaseIndexTable {
  ref: string;
  kind: string;
  cell_id: string;
  status: string;
  reason: string;
  created_at: string;
  /** Second-operator approvals a staff-opened case needs before it is open; 0 for the person's own. */
  required_approvals: number;
}

/** Approvals of a staff-opened case, one per approver. */
export interface DirectoryCaseApprovalTable {
  case_ref: string;
  approver_id: string;
  at: string;
}

declare module '../../cells/cell.database.js' {
  interface CellDatabase {
    case_record: CaseRecordTable;
    case_subject: CaseSubjectTable;
  }
  interface DirectoryDatabase {
    case_index: DirectoryCaseIndexTable;
    case_approval: DirectoryCaseApprovalTable;
  }
}
