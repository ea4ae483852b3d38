// The pure core of Domicile Pay: currencies and amounts, and the audit of a ledger — no I/O.
// Amounts are integers of minor units; a JPY or KRW amount has no fraction at all.
import { DomainError } from '../errors/catalogue.js';

export type Currency = 'JPY' | 'KRW' | 'EUR' | 'GBP' | 'USD';

/** The wallet currency of each home jurisdiction Domicile serves payments in. */
const homeCurrency: Readonly<Record<string, Currency>> = { JP: 'JPY', KR: 'KRW', DE: 'EUR', FR: 'EUR', GB: 'GBP', US: 'USD' };

/**
 * The most one payment or top-up may move, in minor units: roughly ¥1,000,000 everywhere, a
 * limit a wallet for everyday payments would have (large transfers go through a bank).
 */
export const paymentLimit: Readonly<Record<Currency, number>> = { JPY: 1_000_000, KRW: 10_000_000, EUR: 700_000, GBP: 600_000, USD: 700_000 };

export function currencyOfHome(home: string): Currency {
  const currency = homeCurrency[home];
  if (!currency) throw new DomainError('PAY_UNSUPPORTED_HOME', `Domicile Pay does not serve people whose home is ${home} yet`);
  return currency;
}

/** An amount a person may move: a positive whole number of minor units within the limit. */
export function checkAmount(amount: unknown, currency: Currency): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new DomainError('PAY_INVALID_AMOUNT', `the amount must be a positive whole number of ${currency} minor units (e.g. 500)`);
  }
  if (amount > paymentLimit[currency]) {
    throw new DomainError('PAY_INVALID_AMOUNT', `one payment may move at most ${paymentLimit[currency]} ${currency}`);
  }
  return amount;
}

export const maxNoteLength = 140;

export function checkNote(note: string | undefined): string | null {
  if (note === undefined) return null;
  const trimmed = note.trim();
  if (trimmed.length > maxNoteLength) throw new DomainError('VALIDATION_FAILED', `a note has at most ${maxNoteLength} characters`);
  return trimmed.length === 0 ? null : trimmed;
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
    throw new DomainError('VALIDATION_FAILED', 'idempotencyKey must be 8–64 letters, digits, "_" or "-" (a fresh random value per payment, reused only to retry it)');
  }
  return key;
}

// ---- the audit --------------------------------------------------------------------------

export interface AuditWallet {
  readonly cell: string;
  readonly id: string;
  readonly balance: number;
  readonly postingSeq: number;
}

export interface AuditPosting {
  readonly cell: string;
  readonly transferId: string;
  readonly walletId: string;
  readonly seq: number | null;
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number | null;
}

export interface AuditPayment {
  readonly cell: string;
  readonly id: string;
  readonly kind: string;
  readonly payerId: string;
  readonly payeeId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
}

export interface Discrepancy {
  readonly kind: 'balance' | 'sequence' | 'unbalanced-transfer' | 'half-applied' | 'orphan-posting' | 'negative-balance';
  readonly cell: string;
  readonly ref: string;
  readonly problem: string;
}

export const externalWallet = (source: string): string => `external:${source}`;
export const isExternal = (walletId: string): boolean => walletId.startsWith('external:');

/**
 * Recomputes every balance from the postings and checks each transfer: its postings sum to zero
 * per currency, a completed payment has both legs, a pending one has none on the payee's side
 * (it is waiting for recovery, which the audit reports so it is seen).
 */
export function auditLedger(input: { wallets: readonly AuditWallet[]; postings: readonly AuditPosting[]; payments: readonly AuditPayment[] }): Discrepancy[] {
  const out: Discrepancy[] = [];
  const byWallet = new Map<string, AuditPosting[]>();
  const byTransfer = new Map<string, AuditPosting[]>();
  for (const p of input.postings) {
    if (!isExternal(p.walletId)) byWallet.set(p.walletId, [...(byWallet.get(p.walletId) ?? []), p]);
    byTransfer.set(p.transferId, [...(byTransfer.get(p.transferId) ?? []), p]);
  }
  for (const wallet of input.wallets) {
    const postings = (byWallet.get(wallet.id) ?? []).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    let running = 0;
    postings.forEach((p, i) => {
      running += p.amount;
      if (p.seq !== i + 1) out.push({ kind: 'sequence', cell: wallet.cell, ref: `${wallet.id}#${p.seq}`, problem: `posting ${p.transferId} has seq ${p.seq}, expected ${i + 1}` });
      if (p.balanceAfter !== running) out.push({ kind: 'balance', cell: wallet.cell, ref: `${wallet.id}#${p.seq}`, problem: `balance after ${p.transferId} is stored as ${p.balanceAfter}, the postings give ${running}` });
      if (running < 0) out.push({ kind: 'negative-balance', cell: wallet.cell, ref: wallet.id, problem: `the balance went below zero (${running}) at ${p.transferId}` });
    });
    if (running !== wallet.balance) out.push({ kind: 'balance', cell: wallet.cell, ref: wallet.id, problem: `wallet balance is ${wallet.balance}, its postings sum to ${running}` });
    if (postings.length !== wallet.postingSeq) out.push({ kind: 'sequence', cell: wallet.cell, ref: wallet.id, problem: `wallet counts ${wallet.postingSeq} postings, ${postings.length} are stored` });
  }
  const wallets = new Set(input.wallets.map((w) => w.id));
  for (const p of input.postings) {
    if (!isExternal(p.walletId) && !wallets.has(p.walletId)) out.push({ kind: 'orphan-posting', cell: p.cell, ref: p.transferId, problem: `a posting to wallet ${p.walletId}, which does not exist` });
  }
  const paymentIds = new Set(input.payments.map((p) => p.id));
  for (const payment of input.payments) {
    const legs = byTransfer.get(payment.id) ?? [];
    const credited = legs.some((l) => l.walletId === payment.payeeId && l.amount > 0);
    if (payment.status === 'completed') {
      const sums = new Map<string, number>();
      for (const leg of legs) sums.set(leg.currency, (sums.get(leg.currency) ?? 0) + leg.amount);
      const off = [...sums].filter(([, sum]) => sum !== 0);
      if (legs.length < 2 || off.length > 0) {
        out.push({ kind: 'unbalanced-transfer', cell: payment.cell, ref: payment.id, problem: `its ${legs.length} postings sum to ${off.map(([c, s]) => `${s} ${c}`).join(', ') || 'zero with a leg missing'}` });
      }
    } else if (credited) {
      out.push({ kind: 'half-applied', cell: payment.cell, ref: payment.id, problem: 'the payee was credited but the payment is still pending: run recovery (it starts with the service)' });
    } else {
      out.push({ kind: 'half-applied', cell: payment.cell, ref: payment.id, problem: 'pending: debited from the payer, not yet credited to the payee; recovery applies it at the next start' });
    }
  }
  for (const [transferId, legs] of byTransfer) {
    if (!paymentIds.has(transferId)) out.push({ kind: 'orphan-posting', cell: legs[0]?.cell ?? '?', ref: transferId, problem: 'postings of a transfer with no payment record' });
  }
  return out;
}
