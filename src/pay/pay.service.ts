// Domicile Pay's use cases: the wallet, top-ups from a simulated bank, payments to people and
// official accounts, refunds, history, and recovery of payments whose credit was not applied.
//
// Cross-cell design (a transfer outbox in the payer's cell): one transaction in the payer's cell
// checks the idempotency key, debits the payer (never below zero: a conditional update), and
// writes the payment row and the payer's posting. When the payee's wallet is in the same cell,
// the credit is in that same transaction and the payment is `completed` at once. Otherwise the
// payment row is `pending` — it is the outbox entry — and the credit is applied in the payee's
// cell in a second transaction that refuses to apply it twice (one posting per transfer and
// wallet, enforced by the primary key), then the payment is marked `completed`. A crash between
// the two leaves a pending payment that recovery (at start and every few seconds while serving)
// applies exactly once. Money is never created (no credit without a durable debit) nor lost (a
// durable debit is always followed by its credit).
import crypto from 'node:crypto';
import type { Cell, CellRegistry } from '../cells/cell.registry.js';
import type { Directory, Subject } from '../cells/directory.js';
import { authorizeWrite, categories, cellFor, newId, personalColumns, scopeOf, writeWhileMoving, type CrossBorderWrites } from '../cells/records.js';
import { DomainError } from '../errors/catalogue.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { checkAmount, checkIdempotencyKey, checkNote, currencyOfHome, externalWallet, type Currency } from './ledger.js';
import {
  historyPage,
  insertPayment,
  insertPosting,
  insertWalletIfAbsent,
  legOf,
  markCompleted,
  moveBalance,
  openPayment,
  paymentByKey,
  pendingPayments,
  refundedSoFar,
  walletOf,
  type PayDb,
} from './pay.repository.js';
import type { PaymentRow } from './pay.tables.js';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';

/** Payment data of Domicile Pay, under fideslang's `user.financial` (src/cells/categories.ts). */
export const payCategories = { wallet: categories.wallet, transaction: categories.payment } as const;

/** The stand-in for a bank account that top-ups come from; labelled as simulated everywhere. */
export const simulatedBank = 'simulated-bank';

/** A payment card in a chat, as messaging shows it (src/messaging/presenters.ts PaymentCard). */
export interface PayCard {
  readonly type: 'payment' | 'request' | 'request_update';
  readonly status: string;
  readonly amount: number;
  readonly currency: string;
  readonly note: string | null;
  readonly payerId: string;
  readonly payeeId: string;
  readonly paymentId: string | null;
  readonly requestId: string | null;
}

/**
 * The small port through which Pay writes into chats (wired to messaging in src/app/runtime.ts):
 * Pay never reads or writes messaging's tables, and messaging never reads the ledger.
 */
export interface PaymentChat {
  /** Both are members, the chat takes the actor's posts and any transfer basis is on record; else a DomainError. */
  check(props: { actor: Subject; conversationId: string; counterpartyId: string }): Promise<void>;
  /** Posts the card as a `payment` message from `actor`; a retry with the same clientId writes nothing new. */
  post(props: { actor: Subject; conversationId: string; clientId: string; card: PayCard }): Promise<void>;
}

export interface PayContext {
  readonly cells: CellRegistry;
  /** Where payment and request cards go in chats. */
  readonly chat: PaymentChat;
  readonly directory: Directory;
  readonly gate: CrossBorderWrites;
  /** Top-ups from the simulated bank: demo mode or tests only. */
  readonly simulatedFunding: boolean;
  readonly now?: () => Date;
}

export interface WalletView {
  readonly balance: number;
  readonly currency: Currency;
  readonly storedIn: { readonly cell: string; readonly jurisdiction: string };
}

export interface PaymentView {
  readonly id: string;
  readonly kind: 'topup' | 'payment' | 'refund';
  readonly status: 'pending' | 'completed';
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly currency: string;
  readonly note: string | null;
  readonly refundOf: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

export interface HistoryItem {
  readonly id: string;
  readonly kind: string;
  readonly direction: 'in' | 'out';
  readonly amount: number;
  readonly currency: string;
  /** The other party: a user id, or the simulated bank of a top-up. */
  readonly counterparty: string | null;
  readonly note: string | null;
  readonly status: string;
  readonly balanceAfter: number;
  readonly seq: number;
  readonly at: string;
}

export const nowOf = (ctx: PayContext): string => (ctx.now ?? (() => new Date()))().toISOString();

export function presentPayment(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    kind: row.kind as PaymentView['kind'],
    status: row.status as PaymentView['status'],
    from: row.kind === 'topup' ? simulatedBank : row.payer_id,
    to: row.payee_id,
    amount: Number(row.amount),
    currency: row.currency,
    note: row.note,
    refundOf: row.refund_of,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

/** The cell a subject's wallet is in, or would be created in. */
export async function walletCellOf(ctx: PayContext, subject: Subject): Promise<Cell> {
  const located = await ctx.directory.locations.find('wallet', subject.id);
  if (located !== null) {
    // A wallet whose cell this deployment cannot reach is refused, never started afresh elsewhere.
    if (!ctx.cells.has(located)) throw new DomainError('CELL_UNAVAILABLE', `the wallet of ${subject.id} is in cell ${located}, which this service cannot reach; try again later`);
    return ctx.cells.get(located);
  }
  const cell = cellFor(ctx.cells, scopeOf(subject), payCategories.wallet);
  if (cellFor(ctx.cells, scopeOf(subject), payCategories.transaction).id !== cell.id) {
    throw new DomainError('CONFIG_INVALID', 'placement rules split wallets from their postings; fix placement.rules');
  }
  return cell;
}

/**
 * Makes sure the wallet is in the record directory before any of its rows is written. A wallet
 * placed already costs a cached lookup; only a first one writes to the directory.
 */
export async function placeWallet(ctx: PayContext, subject: Subject, cell: Cell): Promise<Cell> {
  if ((await ctx.directory.locations.find('wallet', subject.id)) === cell.id) return cell;
  const stored = await ctx.directory.locations.placeIfAbsent('wallet', subject.id, cell.id);
  return ctx.cells.get(stored);
}

function walletRow(subject: Subject, cell: Cell, at: string) {
  return {
    id: subject.id,
    currency: currencyOfHome(subject.home),
    balance: 0,
    posting_seq: 0,
    created_at: at,
    ...personalColumns({ subject, scope: scopeOf(subject), category: payCategories.wallet, cell }),
  };
}

interface Leg {
  readonly transferId: string;
  readonly kind: string;
  readonly owner: Subject;
  readonly cell: Cell;
  readonly amount: number;
  readonly currency: string;
  readonly counterparty: string | null;
  readonly note: string | null;
  readonly at: string;
  /** The owner's payment key in `cell`, taken before the transaction. */
  readonly key: DataKeyHandle;
}

/** The subject's payment key in `cell`: taken before a transaction, as making one writes to the cell. */
const paymentKeyOf = (cell: Cell, subject: Subject) => cell.keys.dataKey(subject.id, payCategories.transaction);

/** Adds `leg.amount` to the owner's wallet (creating it) and writes the posting; null when a debit would go below zero. */
async function post(trx: PayDb, leg: Leg): Promise<number | null> {
  if (leg.amount > 0) await insertWalletIfAbsent(trx, walletRow(leg.owner, leg.cell, leg.at));
  const after = await moveBalance(trx, leg.owner.id, leg.amount);
  if (!after) return null;
  await insertPosting(trx, {
    transfer_id: leg.transferId,
    wallet_id: leg.owner.id,
    seq: after.seq,
    kind: leg.kind,
    amount: leg.amount,
    currency: leg.currency,
    counterparty_id: leg.counterparty,
    note: leg.note,
    balance_after: after.balance,
    at: leg.at,
    ...personalColumns({ subject: leg.owner, scope: scopeOf(leg.owner), category: payCategories.transaction, cell: leg.cell }),
  }, leg.key);
  return after.balance;
}

type Outcome = { kind: 'done'; payment: PaymentRow; replay: boolean } | { kind: 'refused'; error: DomainError };

interface Transfer {
  readonly kind: 'payment' | 'refund';
  readonly payer: Subject;
  readonly payee: Subject;
  readonly amount: number;
  readonly currency: Currency;
  readonly note: string | null;
  readonly refundOf: string | null;
  readonly idempotencyKey: string;
}

function sameRequest(row: PaymentRow, t: Transfer): boolean {
  return row.kind === t.kind && row.payee_id === t.payee.id && Number(row.amount) === t.amount && row.currency === t.currency && row.refund_of === t.refundOf;
}

function replayOrConflict(existing: PaymentRow, same: boolean): Outcome {
  if (same) return { kind: 'done', payment: existing, replay: true };
  return { kind: 'refused', error: new DomainError('PAY_IDEMPOTENCY_CONFLICT', 'this idempotencyKey was already used for a different payment; use a fresh key for a new payment') };
}

/** Moves money from payer to payee: the debit (and a same-cell credit) in one transaction, a cross-cell credit after it. */
// Every transfer is all-or-nothing per cell and keyed by its idempotency key, so one refused
// during a region migration's switch is safely run again once the switch is done.
function transfer(ctx: PayContext, t: Transfer): Promise<{ payment: PaymentView; replay: boolean }> {
  return writeWhileMoving(ctx.cells, () => transferOnce(ctx, t));
}

async function transferOnce(ctx: PayContext, t: Transfer): Promise<{ payment: PaymentView; replay: boolean }> {
  const payerCell = await walletCellOf(ctx, t.payer);
  const payeeCell = await walletCellOf(ctx, t.payee);
  // Payment data placed abroad passes the transfer gate first, as images do; the payee's
  // posting also names the payer, so the payer's data entering the payee's cell does too.
  await authorizeWrite(ctx.gate, { subject: t.payer, cell: payerCell, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  await authorizeWrite(ctx.gate, { subject: t.payee, cell: payeeCell, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  await authorizeWrite(ctx.gate, { subject: t.payer, cell: payeeCell, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  await placeWallet(ctx, t.payee, payeeCell);
  const at = nowOf(ctx);
  const id = newId();
  const sameCell = payerCell.id === payeeCell.id;
  const payerKey = await paymentKeyOf(payerCell, t.payer);
  const payeeKey = await paymentKeyOf(payeeCell, t.payee);

  const outcome = await payerCell.commits.run<Outcome>(async (trx) => {
    const existing = await paymentByKey(trx, t.payer.id, t.idempotencyKey);
    if (existing) return replayOrConflict(existing, sameRequest(existing, t));
    if (t.refundOf !== null) {
      const refusal = await refundRefusal(trx, t);
      if (refusal) return { kind: 'refused', error: refusal };
    }
    const leg = { transferId: id, kind: t.kind, currency: t.currency, note: t.note, at };
    const debited = await post(trx, { ...leg, owner: t.payer, cell: payerCell, amount: -t.amount, counterparty: t.payee.id, key: payerKey });
    if (debited === null) {
      return { kind: 'refused', error: new DomainError('PAY_INSUFFICIENT_FUNDS', `your balance is too low for ${t.amount} ${t.currency}; top up or send less`) };
    }
    const payment = {
      id,
      kind: t.kind,
      payer_id: t.payer.id,
      payee_id: t.payee.id,
      amount: t.amount,
      currency: t.currency,
      note: t.note,
      refund_of: t.refundOf,
      idempotency_key: t.idempotencyKey,
      status: sameCell ? 'completed' : 'pending',
      payee_cell: payeeCell.id,
      created_at: at,
      completed_at: sameCell ? at : null,
      ...personalColumns({ subject: t.payer, scope: scopeOf(t.payer), category: payCategories.transaction, cell: payerCell }),
    };
    await insertPayment(trx, payment, payerKey);
    if (sameCell) await post(trx, { ...leg, owner: t.payee, cell: payeeCell, amount: t.amount, counterparty: t.payer.id, key: payeeKey });
    return { kind: 'done', payment, replay: false };
  });
  if (outcome.kind === 'refused') throw outcome.error;
  let payment = await openPayment(payerCell.keys, outcome.payment);
  if (payment.status === 'pending') payment = (await applyCredit(ctx, payerCell, payment)) ?? payment;
  return { payment: presentPayment(payment), replay: outcome.replay };
}

/** A refund returns at most what the refunder received in that payment, less earlier refunds of it. */
async function refundRefusal(trx: PayDb, t: Transfer): Promise<DomainError | null> {
  const received = await legOf(trx, t.refundOf as string, t.payer.id);
  if (!received || Number(received.amount) <= 0 || received.kind !== 'payment' || received.counterparty_id !== t.payee.id) {
    return new DomainError('PAY_NOT_REFUNDABLE', 'you can refund only a payment you received, to the person who paid it');
  }
  const left = Number(received.amount) - (await refundedSoFar(trx, t.refundOf as string, t.payer.id));
  if (t.amount > left) return new DomainError('PAY_NOT_REFUNDABLE', `at most ${left} ${t.currency} of this payment is left to refund`);
  return null;
}

/**
 * Applies a pending payment's credit in the payee's cell, exactly once, then marks it completed
 * in the payer's cell. Returns the completed row, or null when the payee's cell is unavailable
 * (recovery tries again).
 */
async function applyCredit(ctx: PayContext, payerCell: Cell, payment: PaymentRow): Promise<PaymentRow | null> {
  const payee = await ctx.directory.find(payment.payee_id);
  if (!payee || !ctx.cells.has(payment.payee_cell)) return null;
  const payeeCell = ctx.cells.get(payment.payee_cell);
  try {
    const key = await paymentKeyOf(payeeCell, payee);
    await payeeCell.commits.run(async (trx) => {
      if (await legOf(trx, payment.id, payee.id)) return;
      await post(trx, {
        transferId: payment.id,
        kind: payment.kind,
        owner: payee,
        cell: payeeCell,
        amount: Number(payment.amount),
        currency: payment.currency,
        counterparty: payment.payer_id,
        note: payment.note,
        at: payment.created_at,
        key,
      });
    });
  } catch {
    return null;
  }
  const completedAt = nowOf(ctx);
  await payerCell.commits.run((trx) => markCompleted(trx, payment.id, completedAt));
  return { ...payment, status: 'completed', completed_at: completedAt };
}

/** Applies every pending payment of every cell; run at start and periodically. Returns how many were applied. */
export async function recoverPendingPayments(props: { ctx: PayContext; olderThanMs?: number }): Promise<number> {
  const { ctx } = props;
  const before = new Date(Date.now() - (props.olderThanMs ?? 0)).toISOString();
  let applied = 0;
  for (const cell of ctx.cells.all()) {
    const pending = await pendingPayments(cell.db, cell.keys, before, 1000);
    for (const payment of pending) if (await applyCredit(ctx, cell, payment)) applied++;
  }
  return applied;
}

export async function getWallet(props: { ctx: PayContext; owner: Subject }): Promise<WalletView> {
  const { ctx, owner } = props;
  const currency = currencyOfHome(owner.home);
  const cell = await walletCellOf(ctx, owner);
  const row = await walletOf(cell.db, owner.id);
  return { balance: Number(row?.balance ?? 0), currency: (row?.currency as Currency | undefined) ?? currency, storedIn: { cell: cell.id, jurisdiction: cell.jurisdiction } };
}

export async function topUp(props: { ctx: PayContext; owner: Subject; amount: unknown; idempotencyKey: unknown }): Promise<{ payment: PaymentView; replay: boolean }> {
  const { ctx, owner } = props;
  if (!ctx.simulatedFunding) {
    throw new DomainError('PAY_TOPUP_DISABLED', 'top-ups come from a simulated bank, available in demo mode only; this deployment has no real funding source yet');
  }
  const currency = currencyOfHome(owner.home);
  const amount = checkAmount(props.amount, currency);
  const key = checkIdempotencyKey(props.idempotencyKey);
  // The gate first: a refused top-up leaves nothing behind, not even the wallet's location.
  const placed = await walletCellOf(ctx, owner);
  await authorizeWrite(ctx.gate, { subject: owner, cell: placed, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  const cell = await placeWallet(ctx, owner, placed);
  const at = nowOf(ctx);
  const id = newId();
  const ownerKey = await paymentKeyOf(cell, owner);
  const outcome = await cell.commits.run<Outcome>(async (trx) => {
    const existing = await paymentByKey(trx, owner.id, key);
    if (existing) return replayOrConflict(existing, existing.kind === 'topup' && Number(existing.amount) === amount);
    const personal = personalColumns({ subject: owner, scope: scopeOf(owner), category: payCategories.transaction, cell });
    const payment = { id, kind: 'topup', payer_id: owner.id, payee_id: owner.id, amount, currency, note: null, refund_of: null, idempotency_key: key, status: 'completed', payee_cell: cell.id, created_at: at, completed_at: at, ...personal };
    await insertPayment(trx, payment, ownerKey);
    await post(trx, { transferId: id, kind: 'topup', owner, cell, amount, currency, counterparty: simulatedBank, note: null, at, key: ownerKey });
    // The outside leg: money entering from the simulated bank, so the transfer sums to zero.
    await insertPosting(trx, { transfer_id: id, wallet_id: externalWallet(simulatedBank), seq: null, kind: 'topup', amount: -amount, currency, counterparty_id: owner.id, note: null, balance_after: null, at, ...personal }, ownerKey);
    return { kind: 'done', payment, replay: false };
  });
  if (outcome.kind === 'refused') throw outcome.error;
  return { payment: presentPayment(await openPayment(cell.keys, outcome.payment)), replay: outcome.replay };
}

/** The other party of a payment or request, by user id: it exists and is not the actor. */
export async function counterpartyOf(ctx: PayContext, actor: Subject, id: unknown, field = 'to'): Promise<Subject> {
  if (typeof id !== 'string' || id.length === 0) throw new DomainError('PAY_UNKNOWN_PAYEE', `name the other person by their user id in \`${field}\``);
  const subject = await ctx.directory.find(id.trim().toLowerCase());
  if (!subject) throw new DomainError('PAY_UNKNOWN_PAYEE', `no user or account "${id}"; check the id`);
  if (subject.id === actor.id) throw new DomainError('PAY_SELF_PAYMENT', 'you cannot pay yourself or ask yourself for money');
  return subject;
}

export function sameCurrency(payer: Subject, receiver: Subject, asked: unknown): Currency {
  const currency = currencyOfHome(payer.home);
  const theirs = currencyOfHome(receiver.home);
  if (asked !== currency) throw new DomainError('PAY_CURRENCY_MISMATCH', `your wallet is in ${currency}; send the amount in ${currency}`);
  if (theirs !== currency) throw new DomainError('PAY_CURRENCY_MISMATCH', `${receiver.id}'s wallet is in ${theirs} and yours in ${currency}; Domicile Pay does not exchange currencies`);
  return currency;
}

/**
 * Pays a person or an official account. With `conversationId` the payment is sent in that chat:
 * both must be members, and a payment card follows the money into the chat (on a retry too, so
 * a card lost to a crash is written by the retry, never twice).
 */
export async function pay(props: {
  ctx: PayContext;
  payer: Subject;
  to: unknown;
  amount: unknown;
  currency: unknown;
  note?: string | undefined;
  idempotencyKey: unknown;
  conversationId?: string | undefined;
}) {
  const { ctx, conversationId } = props;
  const receiver = await counterpartyOf(ctx, props.payer, props.to);
  const currency = sameCurrency(props.payer, receiver, props.currency);
  if (conversationId !== undefined) await ctx.chat.check({ actor: props.payer, conversationId, counterpartyId: receiver.id });
  const result = await transfer(ctx, {
    kind: 'payment',
    payer: props.payer,
    payee: receiver,
    amount: checkAmount(props.amount, currency),
    currency,
    note: checkNote(props.note),
    refundOf: null,
    idempotencyKey: checkIdempotencyKey(props.idempotencyKey),
  });
  if (conversationId !== undefined) {
    const p = result.payment;
    const card: PayCard = { type: 'payment', status: p.status, amount: p.amount, currency: p.currency, note: p.note, payerId: p.from, payeeId: p.to, paymentId: p.id, requestId: null };
    await ctx.chat.post({ actor: props.payer, conversationId, clientId: `pay-${p.id}`, card });
  }
  return result;
}

/** The payee of `paymentId` returns all or part of it to the payer. */
export async function refund(props: { ctx: PayContext; actor: Subject; paymentId: string; amount?: unknown; idempotencyKey: unknown; note?: string | undefined }) {
  const { ctx, actor } = props;
  const cell = await walletCellOf(ctx, actor);
  const received = await legOf(cell.db, props.paymentId, actor.id);
  const payer = received?.counterparty_id ? await ctx.directory.find(received.counterparty_id) : null;
  if (!received || Number(received.amount) <= 0 || !payer) {
    throw new DomainError('PAY_NOT_REFUNDABLE', 'no payment with this id was received into your wallet');
  }
  const currency = sameCurrency(actor, payer, received.currency);
  return transfer(ctx, {
    kind: 'refund',
    payer: actor,
    payee: payer,
    amount: checkAmount(props.amount ?? Number(received.amount), currency),
    currency,
    note: checkNote(props.note),
    refundOf: props.paymentId,
    idempotencyKey: checkIdempotencyKey(props.idempotencyKey),
  });
}

export async function history(props: { ctx: PayContext; owner: Subject; before?: number | undefined; limit?: number | undefined }): Promise<{ items: HistoryItem[]; nextBefore: number | null }> {
  const { ctx, owner } = props;
  const limit = Math.min(Math.max(props.limit ?? 50, 1), 100);
  const cell = await walletCellOf(ctx, owner);
  const rows = await historyPage(cell.db, cell.keys, owner.id, props.before, limit + 1);
  const items = rows.slice(0, limit).map((r) => toItem(r));
  return { items, nextBefore: rows.length > limit ? (items[items.length - 1]?.seq ?? null) : null };
}

function toItem(r: Awaited<ReturnType<typeof historyPage>>[number]): HistoryItem {
  const amount = Number(r.amount);
  return {
    id: r.transfer_id,
    kind: r.kind,
    direction: amount < 0 ? 'out' : 'in',
    amount: Math.abs(amount),
    currency: r.currency,
    counterparty: r.counterparty_id,
    note: r.note,
    // A credit exists only once applied; the payer's side says whether the credit landed yet.
    status: r.status ?? 'completed',
    balanceAfter: Number(r.balance_after),
    seq: Number(r.seq),
    at: r.at,
  };
}

/** A fresh idempotency key, for callers that make one payment and do not retry (the demo). */
export const freshIdempotencyKey = (): string => crypto.randomBytes(12).toString('base64url');
