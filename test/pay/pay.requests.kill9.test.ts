// Invariant 7 for money requests: kill -9 during a burst of accepts, several times. After each
// restart (which settles accepts a crash left half-done) every acknowledged accept is exactly one
// payment and its request reads accepted; an unacknowledged one is one payment or none, and its
// request says which; retrying it with the same key never pays twice; the ledger audits clean.
import { describe, expect, it } from 'vitest';
import { runDomicile } from '../support/cli.js';
import { payHistory, payKill9Config, startPayServer } from '../support/pay.process.js';
import type { ApiClient } from '../support/server.js';

const rules = [{ home: 'JP', category: 'user.financial', cell: 'kr' }];

interface Attempt {
  requestId: string;
  note: string;
  key: string;
  acked: string | null;
}

async function outgoingByNote(hanako: ApiClient): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const item of await payHistory(hanako)) if (item.direction === 'out' && item.note) out.set(item.note, [...(out.get(item.note) ?? []), item.id]);
  return out;
}

describe('money requests across kill -9', () => {
  it('keeps every acknowledged accept exactly one payment, cycle after cycle', async () => {
    const { file } = payKill9Config(rules);
    const attempts: Attempt[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const {
        server,
        people: { hanako, taro },
      } = await startPayServer({ file, demo: true, people: ['hanako', 'taro'], ...(cycle === 0 ? { topUp: 'kill9-requests-topup' } : {}) });
      const chat = ((await taro.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['hanako'] })).body as { id: string }).id;
      const batch: Attempt[] = [];
      for (let i = 0; i < 40; i++) {
        const note = `k9-c${cycle}-${i}`;
        const res = await taro.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'hanako', amount: 1, currency: 'JPY', note, idempotencyKey: `req-${note}` });
        expect(res.status).toBe(201);
        batch.push({ requestId: (res.body as { request: { id: string } }).request.id, note, key: `acc-${note}`, acked: null });
      }
      attempts.push(...batch);
      let next = 0;
      const lanes = Array.from({ length: 6 }, async () => {
        while (next < batch.length) {
          const attempt = batch[next++] as Attempt;
          try {
            const res = await hanako.request('POST', `/v1/pay/requests/${attempt.requestId}/accept`, { idempotencyKey: attempt.key });
            if (res.status === 201) attempt.acked = (res.body as { payment: { id: string } }).payment.id;
          } catch {
            return; // the server is gone
          }
        }
      });
      while (batch.filter((a) => a.acked !== null).length < 15) await new Promise((r) => setTimeout(r, 2));
      await server.kill9();
      await Promise.all(lanes);
    }

    const {
      server,
      people: { hanako, taro },
    } = await startPayServer({ file, people: ['hanako', 'taro'] });
    const paid = await outgoingByNote(hanako);
    const listed = async (status: string) =>
      new Set(((await taro.request('GET', `/v1/pay/requests?status=${status}&limit=100`)).body as { requests: { id: string }[] }).requests.map((r) => r.id));
    // Recovery at start settled every half-done accept: none is left `accepting`.
    expect(await listed('accepting')).toEqual(new Set());
    const open = await listed('open');
    for (const a of attempts) {
      const payments = paid.get(a.note) ?? [];
      expect(payments.length).toBeLessThanOrEqual(1);
      if (a.acked !== null) expect(payments).toEqual([a.acked]);
      // A request is open exactly when no payment was made for it.
      expect(open.has(a.requestId)).toBe(payments.length === 0);
      // Retrying any accept with its key answers the one payment, or pays it now — never twice.
      const retry = await hanako.request('POST', `/v1/pay/requests/${a.requestId}/accept`, { idempotencyKey: a.key });
      expect([200, 201]).toContain(retry.status);
      if (payments.length === 1) expect((retry.body as { payment: { id: string } }).payment.id).toBe(payments[0]);
    }
    const after = await outgoingByNote(hanako);
    for (const a of attempts) expect(after.get(a.note)?.length).toBe(1);
    expect(attempts.filter((a) => a.acked !== null).length).toBeGreaterThanOrEqual(45);
    await server.stop();

    const audit = await runDomicile(['pay', 'audit', '--json', '--config', file]);
    expect(JSON.parse(audit.stdout).discrepancies).toEqual([]);
    expect(audit.code).toBe(0);
  }, 240_000);
});
