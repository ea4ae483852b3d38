import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/catalogue.js';
import { auditLedger, checkAmount, currencyOfHome, externalWallet, type AuditPayment, type AuditPosting, type AuditWallet } from './ledger.js';

const wallet = (id: string, balance: number, postingSeq: number): AuditWallet => ({ cell: 'jp', id, balance, postingSeq });
const leg = (transferId: string, walletId: string, seq: number | null, amount: number, balanceAfter: number | null): AuditPosting => ({
  cell: 'jp',
  transferId,
  walletId,
  seq,
  amount,
  currency: 'JPY',
  balanceAfter,
});
const payment = (id: string, payerId: string, payeeId: string, amount: number, status = 'completed', kind = 'payment'): AuditPayment => ({
  cell: 'jp',
  id,
  kind,
  payerId,
  payeeId,
  amount,
  currency: 'JPY',
  status,
});

/** A top-up of 1,000 to a, then a pays b 300. */
function wholeLedger() {
  return {
    wallets: [wallet('a', 700, 2), wallet('b', 300, 1)],
    postings: [leg('t1', 'a', 1, 1_000, 1_000), leg('t1', externalWallet('simulated-bank'), null, -1_000, null), leg('p1', 'a', 2, -300, 700), leg('p1', 'b', 1, 300, 300)],
    payments: [payment('t1', 'a', 'a', 1_000, 'completed', 'topup'), payment('p1', 'a', 'b', 300)],
  };
}

describe('amounts and currencies', () => {
  it('takes positive whole minor units within the limit, and nothing else', () => {
    expect(checkAmount(500, 'JPY')).toBe(500);
    for (const bad of [0, -1, 1.5, Number.NaN, '500', 2 ** 60, 1_000_001]) {
      expect(() => checkAmount(bad, 'JPY')).toThrow(expect.objectContaining({ code: 'PAY_INVALID_AMOUNT' }) as DomainError);
    }
  });

  it('gives each served home its currency and refuses the others', () => {
    expect(currencyOfHome('JP')).toBe('JPY');
    expect(currencyOfHome('KR')).toBe('KRW');
    expect(() => currencyOfHome('CN')).toThrow(expect.objectContaining({ code: 'PAY_UNSUPPORTED_HOME' }) as DomainError);
  });
});

describe('auditLedger', () => {
  it('finds nothing wrong in a whole ledger', () => {
    expect(auditLedger(wholeLedger())).toEqual([]);
  });

  it('finds a cached balance that disagrees with the postings', () => {
    const ledger = wholeLedger();
    ledger.wallets[1] = wallet('b', 301, 1);
    expect(auditLedger(ledger)).toEqual([expect.objectContaining({ kind: 'balance', ref: 'b' })]);
  });

  it('finds a transfer whose legs do not sum to zero, or that lost a leg', () => {
    const ledger = wholeLedger();
    ledger.postings[3] = leg('p1', 'b', 1, 299, 299);
    ledger.wallets[1] = wallet('b', 299, 1);
    expect(auditLedger(ledger)).toEqual([expect.objectContaining({ kind: 'unbalanced-transfer', ref: 'p1' })]);
    const lost = wholeLedger();
    lost.postings.pop();
    lost.wallets[1] = wallet('b', 0, 0);
    expect(auditLedger(lost).map((d) => d.kind)).toEqual(['unbalanced-transfer']);
  });

  it('reports a pending cross-cell payment as half-applied until recovery applies it', () => {
    const ledger = wholeLedger();
    ledger.payments[1] = payment('p1', 'a', 'b', 300, 'pending');
    expect(auditLedger(ledger)).toEqual([expect.objectContaining({ kind: 'half-applied', ref: 'p1' })]);
  });

  it('finds a balance below zero and postings with no payment behind them', () => {
    const ledger = {
      wallets: [wallet('a', -5, 1)],
      postings: [leg('x', 'a', 1, -5, -5)],
      payments: [],
    };
    expect(auditLedger(ledger).map((d) => d.kind).sort()).toEqual(['negative-balance', 'orphan-posting']);
  });
});
