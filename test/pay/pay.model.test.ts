// A model test of the ledger: random sequences of top-ups, payments (within a cell and across
// cells), refunds, concurrent payments from one wallet and retries with the same key, run
// against the real use cases on SQLite and PostgreSQL cells. After every sequence the balances
// equal the model's, no balance is negative and the audit is clean.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subject } from '../../src/cells/directory.js';
import { DomainError } from '../../src/errors/catalogue.js';
import { createOfficialAccount } from '../../src/messaging/official.service.js';
import { signUp } from '../../src/messaging/account.service.js';
import { auditPay } from '../../src/pay/pay.audit.js';
import { getWallet, pay, refund, topUp, type PayContext } from '../../src/pay/pay.service.js';
import { dialects } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Command =
  | { kind: 'topup'; who: number; amount: number }
  | { kind: 'pay'; from: number; to: number; amount: number }
  | { kind: 'concurrent'; from: number; to: [number, number]; amounts: [number, number] }
  | { kind: 'retry' }
  | { kind: 'refund'; part: number };

const who = fc.integer({ min: 0, max: 2 });
const amount = fc.integer({ min: 1, max: 5_000 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('topup' as const), who, amount }),
  fc.record({ kind: fc.constant('pay' as const), from: who, to: who, amount }),
  fc.record({ kind: fc.constant('concurrent' as const), from: who, to: fc.tuple(who, who), amounts: fc.tuple(amount, amount) }),
  fc.record({ kind: fc.constant('retry' as const) }),
  fc.record({ kind: fc.constant('refund' as const), part: fc.integer({ min: 1, max: 100 }) }),
);

// A government account's data never leaves its home (DESIGN.md): its payments to a person whose
// wallet sits abroad are refused by the transfer gate, before anything is written.
const ward = 2;
const refused = (err: unknown, payer: number): boolean =>
  err instanceof DomainError &&
  (['PAY_INSUFFICIENT_FUNDS', 'PAY_SELF_PAYMENT', 'PAY_NOT_REFUNDABLE'].includes(err.code) || (err.code === 'TRANSFER_NO_BASIS' && payer === ward));

describe.each(dialects)('the ledger against a model on %s', (dialect) => {
  let server: TestServer;
  let run = 0;
  beforeAll(async () => {
    // JP consumers' wallets in the KR cell, a government account's in JP: payments cross cells.
    server = await startTestServer({ dialect, rules: [{ home: 'JP', category: 'user.financial', cell: 'kr' }] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps every balance equal to the model, never negative, and the audit clean', async () => {
    const ctx: PayContext = server.runtime.pay;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 18 }), async (commands) => {
        run += 1;
        const people: Subject[] = [];
        for (const [i, handle] of [`m${run}a`, `m${run}b`].entries()) {
          await signUp({ ctx: server.runtime.messaging, handle, displayName: `Model ${i}`, password: 'model-password-1', home: 'JP', email: `${handle}@example.jp` });
          people.push(await server.runtime.directory.get(handle));
        }
        await createOfficialAccount({ ctx: server.runtime.messaging, handle: `m${run}-ward`, displayName: 'Model Ward', home: 'JP', class: 'government', password: 'model-password-1' });
        people.push(await server.runtime.directory.get(`m${run}-ward`));
        const model = [0, 0, 0];
        const received: { id: string; payee: number; payer: number; left: number }[] = [];
        let last: { from: number; to: number; amount: number; key: string; id: string } | null = null;
        let keys = 0;
        const key = () => `k${run}-${keys++}-model`;

        const payOnce = async (from: number, to: number, value: number, k: string) => {
          const result = await pay({ ctx, payer: people[from] as Subject, to: (people[to] as Subject).id, amount: value, currency: 'JPY', idempotencyKey: k });
          return result;
        };

        for (const c of commands) {
          if (c.kind === 'topup') {
            await topUp({ ctx, owner: people[c.who] as Subject, amount: c.amount, idempotencyKey: key() });
            model[c.who] = (model[c.who] ?? 0) + c.amount;
          } else if (c.kind === 'pay') {
            const k = key();
            try {
              const { payment } = await payOnce(c.from, c.to, c.amount, k);
              expect(c.from).not.toBe(c.to);
              expect(model[c.from]).toBeGreaterThanOrEqual(c.amount);
              model[c.from] = (model[c.from] ?? 0) - c.amount;
              model[c.to] = (model[c.to] ?? 0) + c.amount;
              received.push({ id: payment.id, payee: c.to, payer: c.from, left: c.amount });
              last = { from: c.from, to: c.to, amount: c.amount, key: k, id: payment.id };
            } catch (err) {
              expect(refused(err, c.from)).toBe(true);
              if ((err as DomainError).code === 'PAY_INSUFFICIENT_FUNDS') expect(model[c.from]).toBeLessThan(c.amount);
            }
          } else if (c.kind === 'concurrent') {
            const before = model[c.from] ?? 0;
            const outcomes = await Promise.allSettled(c.to.map((to, i) => payOnce(c.from, to, c.amounts[i] as number, key())));
            let spent = 0;
            outcomes.forEach((o, i) => {
              const to = c.to[i] as number;
              if (o.status === 'fulfilled') {
                spent += c.amounts[i] as number;
                model[to] = (model[to] ?? 0) + (c.amounts[i] as number);
                received.push({ id: o.value.payment.id, payee: to, payer: c.from, left: c.amounts[i] as number });
              } else expect(refused(o.reason, c.from)).toBe(true);
            });
            // Both may pass only if both fit: one wallet can never be spent twice.
            expect(spent).toBeLessThanOrEqual(before);
            model[c.from] = before - spent;
          } else if (c.kind === 'retry' && last) {
            const again = await payOnce(last.from, last.to, last.amount, last.key);
            expect(again.replay).toBe(true);
            expect(again.payment.id).toBe(last.id);
          } else if (c.kind === 'refund' && received.length > 0) {
            const r = received[received.length - 1] as (typeof received)[number];
            const value = Math.max(1, Math.floor((r.left * c.part) / 100));
            try {
              await refund({ ctx, actor: people[r.payee] as Subject, paymentId: r.id, amount: value, idempotencyKey: key() });
              expect(model[r.payee]).toBeGreaterThanOrEqual(value);
              model[r.payee] = (model[r.payee] ?? 0) - value;
              model[r.payer] = (model[r.payer] ?? 0) + value;
              r.left -= value;
            } catch (err) {
              expect(refused(err, r.payee)).toBe(true);
            }
          }
        }
        for (const [i, person] of people.entries()) {
          const wallet = await getWallet({ ctx, owner: person });
          expect(wallet.balance).toBe(model[i]);
          expect(wallet.balance).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 12 },
    );
    expect((await auditPay({ cells: server.runtime.cells })).discrepancies).toEqual([]);
  }, 120_000);
});
