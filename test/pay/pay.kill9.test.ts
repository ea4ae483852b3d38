// Invariant 7 for money: kill -9 during a burst of payments, same-cell and across cells, several
// times. After each restart (which recovers pending credits) every acknowledged payment is there
// exactly once, every retry of an unacknowledged key moves money at most once, and
// `domicile pay audit` finds the ledger whole.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runDomicile } from '../support/cli.js';
import { payHistory, payKill9Config, startPayServer } from '../support/pay.process.js';

const rules = [
  { home: 'JP', category: 'user.content.media', cell: 'kr' },
  { home: 'JP', category: 'user.financial', cell: 'kr' },
];

interface Attempt {
  key: string;
  to: string;
  acked: string | null;
}

describe('Domicile Pay across kill -9', () => {
  it('keeps every acknowledged payment exactly once and the ledger whole, cycle after cycle', async () => {
    const { file } = payKill9Config(rules);
    const attempts: Attempt[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const {
        server,
        people: { hanako },
      } = await startPayServer({ file, demo: true, people: ['hanako'], ...(cycle === 0 ? { topUp: 'kill9-topup' } : {}) });
      // Unacknowledged keys of the last cycle are retried: each moves money at most once.
      for (const a of attempts.filter((x) => x.acked === null)) {
        const retry = await hanako.request('POST', '/v1/pay/payments', { to: a.to, amount: 1, currency: 'JPY', idempotencyKey: a.key });
        expect([200, 201]).toContain(retry.status);
        a.acked = (retry.body as { payment: { id: string } }).payment.id;
      }
      let stop = false;
      const pumps = Array.from({ length: 8 }, async (_, lane) => {
        for (let i = 0; !stop; i++) {
          // taro's wallet shares the KR cell with hanako's; minato-city's is in JP (across cells).
          const attempt: Attempt = { key: `c${cycle}-l${lane}-${i}-${crypto.randomBytes(3).toString('hex')}`, to: i % 2 ? 'taro' : 'minato-city', acked: null };
          attempts.push(attempt);
          try {
            const res = await hanako.request('POST', '/v1/pay/payments', { to: attempt.to, amount: 1, currency: 'JPY', idempotencyKey: attempt.key });
            if (res.status === 201) attempt.acked = (res.body as { payment: { id: string } }).payment.id;
          } catch {
            return; // the server is gone
          }
        }
      });
      while (attempts.filter((a) => a.acked !== null).length < 150 * (cycle + 1)) await new Promise((r) => setTimeout(r, 5));
      await server.kill9();
      stop = true;
      await Promise.all(pumps);
    }

    // Restart once more: recovery applies what a crash left pending; then audit and count.
    const {
      server,
      people: { hanako },
    } = await startPayServer({ file, people: ['hanako'] });
    const history = await payHistory(hanako);
    await server.stop();

    const paid = history.filter((h) => h.direction === 'out').map((h) => h.id);
    expect(new Set(paid).size).toBe(paid.length);
    const acked = attempts.filter((a) => a.acked !== null).map((a) => a.acked as string);
    const stored = new Set(paid);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    // Every stored payment was attempted once (by key); none appears that nobody sent.
    expect(paid.length).toBeLessThanOrEqual(attempts.length);

    const audit = await runDomicile(['pay', 'audit', '--json', '--config', file]);
    expect(JSON.parse(audit.stdout).discrepancies).toEqual([]);
    expect(audit.code).toBe(0);
  }, 180_000);
});
