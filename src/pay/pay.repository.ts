// Domicile Pay's queries in a cell: wallets, postings and payments. Each takes the cell's
// database or a transaction in it, so the use cases decide what shares a commit. Notes are
// stored sealed by the key ring (the row's subject's key, bound to the row): inserts take the
// key, taken before the transaction; reads outside a transaction open them.
import type { Insertable, Kysely } from 'kysely';
import type { CellDatabase } from '../cells/cell.database.js';
import type { DataKeyHandle, KeyRing } from '../cells/keys/key-ring.js';
import { recordIdOf } from '../cells/keys/sealing.js';
import type { PaymentRow, PaymentTable, PostingTable, WalletTable } from './pay.tables.js';

/** A cell's database, or a transaction in it. */
export type PayDb = Kysely<CellDatabase>;

export async function insertWalletIfAbsent(db: PayDb, row: Insertable<WalletTable>): Promise<void> {
  await db.insertInto('wallet').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/**
 * Adds `amount` to a wallet's balance and counts one more posting; a debit (`amount` < 0) only
 * when the balance covers it. Returns the new balance and posting seq, or undefined when refused.
 */
export async function moveBalance(db: PayDb, walletId: string, amount: number): Promise<{ balance: number; seq: number } | undefined> {
  let update = db
    .updateTable('wallet')
    .set((eb) => ({ balance: eb('balance', '+', amount), posting_seq: eb('posting_seq', '+', 1) }))
    .where('id', '=', walletId);
  if (amount < 0) update = update.where('balance', '>=', -amount);
  const after = await update.returning(['balance', 'posting_seq']).executeTakeFirst();
  return after ? { balance: Number(after.balance), seq: Number(after.posting_seq) } : undefined;
}

const postingId = (transferId: string, walletId: string) => recordIdOf([transferId, walletId]);

/** Writes a posting, its note sealed by `key` (the wallet owner's payment key). */
export async function insertPosting(db: PayDb, row: Insertable<PostingTable>, key: DataKeyHandle): Promise<void> {
  const note = row.note ? key.sealText(postingId(row.transfer_id, row.wallet_id), row.note) : null;
  await db.insertInto('posting').values({ ...row, note }).execute();
}

/** Writes a payment, its note sealed by `key` (the payer's payment key). */
export async function insertPayment(db: PayDb, row: Insertable<PaymentTable>, key: DataKeyHandle): Promise<void> {
  const note = row.note ? key.sealText(row.id, row.note) : null;
  await db.insertInto('payment').values({ ...row, note }).execute();
}

/** A payment row with its note opened (null once shredded); a row not read from storage passes as it is. */
export async function openPayment(keys: KeyRing, row: PaymentRow): Promise<PaymentRow> {
  return row.note === null ? row : { ...row, note: await keys.openText({ recordId: row.id, category: row.category, value: row.note }) };
}

export function paymentByKey(db: PayDb, payerId: string, key: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payment').selectAll().where('payer_id', '=', payerId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** The leg a wallet has in a transfer, if any. */
export function legOf(db: PayDb, transferId: string, walletId: string) {
  return db
    .selectFrom('posting')
    .select(['amount', 'counterparty_id', 'kind', 'currency'])
    .where('transfer_id', '=', transferId)
    .where('wallet_id', '=', walletId)
    .executeTakeFirst();
}

/** How much of payment `refundOf` its payee has refunded so far. */
export async function refundedSoFar(db: PayDb, refundOf: string, refunderId: string): Promise<number> {
  const row = await db
    .selectFrom('payment')
    .select(({ fn }) => fn.sum<number>('amount').as('total'))
    .where('refund_of', '=', refundOf)
    .where('payer_id', '=', refunderId)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function markCompleted(db: PayDb, paymentId: string, at: string): Promise<void> {
  await db.updateTable('payment').set({ status: 'completed', completed_at: at }).where('id', '=', paymentId).where('status', '=', 'pending').execute();
}

/** Pending payments, notes opened: read outside any transaction. */
export async function pendingPayments(db: PayDb, keys: KeyRing, createdBefore: string, limit: number): Promise<PaymentRow[]> {
  const rows = await db.selectFrom('payment').selectAll().where('status', '=', 'pending').where('created_at', '<=', createdBefore).orderBy('created_at').limit(limit).execute();
  return Promise.all(rows.map((row) => openPayment(keys, row)));
}

export function walletOf(db: PayDb, walletId: string) {
  return db.selectFrom('wallet').select(['balance', 'currency', 'created_at']).where('id', '=', walletId).executeTakeFirst();
}

/** A wallet's postings, newest first, notes opened, with the status of the payment when it was made from this cell. */
export async function historyPage(db: PayDb, keys: KeyRing, walletId: string, before: number | undefined, limit: number) {
  let query = db
    .selectFrom('posting')
    .leftJoin('payment', 'payment.id', 'posting.transfer_id')
    .select([
      'posting.transfer_id',
      'posting.kind',
      'posting.amount',
      'posting.currency',
      'posting.counterparty_id',
      'posting.note',
      'posting.category',
      'posting.balance_after',
      'posting.seq',
      'posting.at',
      'payment.status',
    ])
    .where('posting.wallet_id', '=', walletId)
    .orderBy('posting.seq', 'desc')
    .limit(limit);
  if (before !== undefined) query = query.where('posting.seq', '<', before);
  const rows = await query.execute();
  return Promise.all(
    rows.map(async (r) => (r.note === null ? r : { ...r, note: await keys.openText({ recordId: postingId(r.transfer_id, walletId), category: r.category, value: r.note }) })),
  );
}
