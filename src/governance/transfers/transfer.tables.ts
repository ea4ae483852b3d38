// The transfer module's tables in a subject's own cell: the consent history and the records of
// transfers abroad. Both are personal data.
import type { PersonalColumns } from '../../cells/records.js';

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
  /** The country the data left when that was not the subject's home (a move home); null otherwise. */
  origin: string | null;
}

declare module '../../cells/cell.database.js' {
  interface CellDatabase {
    consent_event: ConsentEventTable;
    transfer_record: TransferRecordTable;
  }
}
