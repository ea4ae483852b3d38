// `domicile pay audit`: reads the ledger of every cell and hands it to the pure audit — every
// balance recomputed from its postings, every transfer summing to zero, no cross-cell payment
// half-applied. Reads ids and amounts only.
import type { CellRegistry } from '../cells/cell.registry.js';
import { auditLedger, type AuditPayment, type AuditPosting, type AuditWallet, type Discrepancy } from './ledger.js';

export interface PayAudit {
  readonly at: string;
  readonly wallets: number;
  readonly postings: number;
  readonly payments: number;
  readonly discrepancies: readonly Discrepancy[];
}

export async function auditPay(props: { cells: CellRegistry }): Promise<PayAudit> {
  const wallets: AuditWallet[] = [];
  const postings: AuditPosting[] = [];
  const payments: AuditPayment[] = [];
  for (const cell of props.cells.all()) {
    for (const w of await cell.db.selectFrom('wallet').select(['id', 'balance', 'posting_seq']).execute()) {
      wallets.push({ cell: cell.id, id: w.id, balance: Number(w.balance), postingSeq: Number(w.posting_seq) });
    }
    for (const p of await cell.db.selectFrom('posting').select(['transfer_id', 'wallet_id', 'seq', 'amount', 'currency', 'balance_after']).execute()) {
      postings.push({
        cell: cell.id,
        transferId: p.transfer_id,
        walletId: p.wallet_id,
        seq: p.seq === null ? null : Number(p.seq),
        amount: Number(p.amount),
        currency: p.currency,
        balanceAfter: p.balance_after === null ? null : Number(p.balance_after),
      });
    }
    for (const p of await cell.db.selectFrom('payment').select(['id', 'kind', 'payer_id', 'payee_id', 'amount', 'currency', 'status']).execute()) {
      payments.push({ cell: cell.id, id: p.id, kind: p.kind, payerId: p.payer_id, payeeId: p.payee_id, amount: Number(p.amount), currency: p.currency, status: p.status });
    }
  }
  return { at: new Date().toISOString(), wallets: wallets.length, postings: postings.length, payments: payments.length, discrepancies: auditLedger({ wallets, postings, payments }) };
}
