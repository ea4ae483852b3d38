// Domicile Pay's tables in a cell. All are personal financial data of one subject and sit in the
// cell of that subject's wallet: the wallet (with a cached balance), its postings (the
// double-entry legs, immutable), and the payments it made (the journal: one row per transfer,
// in the payer's cell, `pending` until its credit is applied in the payee's cell).
import type { Selectable } from 'kysely';
import type { PersonalColumns } from '../cells/records.js';

export interface WalletTable extends PersonalColumns {
  /** The owner's subject id: one wallet per subject. */
  id: string;
  currency: string;
  /** Minor units; always the sum of the wallet's postings (the audit checks it). */
  balance: number;
  /** The seq of the wallet's last posting. */
  posting_seq: number;
  created_at: string;
}

export interface PostingTable extends PersonalColumns {
  transfer_id: string;
  /** A wallet id, or `external:<source>` for the outside leg of a top-up. */
  wallet_id: string;
  /** Position in the wallet's history; null for an external leg. */
  seq: number | null;
  kind: string;
  /** Signed minor units: negative leaves the wallet, positive enters it. */
  amount: number;
  currency: string;
  counterparty_id: string | null;
  note: string | null;
  /** The wallet's balance after this posting; null for an external leg. */
  balance_after: number | null;
  at: string;
}

export interface PaymentTable extends PersonalColumns {
  id: string;
  kind: string;
  payer_id: string;
  payee_id: string;
  amount: number;
  currency: string;
  note: string | null;
  refund_of: string | null;
  idempotency_key: string;
  status: string;
  /** The cell the credit goes to (the payee's wallet, or this cell). */
  payee_cell: string;
  created_at: string;
  completed_at: string | null;
}

/** A money request in a chat, in the requester's wallet cell. */
export interface PayRequestTable extends PersonalColumns {
  id: string;
  requester_id: string;
  payer_id: string;
  conversation_id: string;
  amount: number;
  currency: string;
  note: string | null;
  /** The requester's key for creating it. */
  idempotency_key: string;
  /** open → accepting → accepted; open → declined | cancelled; accepting → open when the payment was refused. */
  status: string;
  /** The payer's key of the accept, which is also the key of its payment. */
  accept_key: string | null;
  payment_id: string | null;
  created_at: string;
  decided_at: string | null;
}

declare module '../cells/cell.database.js' {
  interface CellDatabase {
    wallet: WalletTable;
    posting: PostingTable;
    payment: PaymentTable;
    pay_request: PayRequestTable;
  }
}

export type WalletRow = Selectable<WalletTable>;
export type PostingRow = Selectable<PostingTable>;
export type PaymentRow = Selectable<PaymentTable>;
export type PayRequestRow = Selectable<PayRequestTable>;
