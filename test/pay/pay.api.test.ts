// Domicile Pay through the API: wallets in the home currency, top-ups, payments within one cell
// and across cells (the story's JP wallets in the KR cell), idempotent retries, refunds, history
// with a cursor, every bad input refused with its code and nothing written. Both dialects.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { createOfficialAccount } from '../../src/messaging/official.service.js';
import { auditPay } from '../../src/pay/pay.audit.js';
import { dialects } from '../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

const key = () => crypto.randomBytes(9).toString('base64url');
const payRules = [
  { home: 'JP', category: 'user.content.media', cell: 'kr' },
  { home: 'JP', category: 'user.financial', cell: 'kr' },
];

interface PaymentBody {
  payment: { id: string; status: string; amount: number; currency: string; kind: string };
}

describe.each(dialects)('Domicile Pay on %s', (dialect) => {
  let server: TestServer;
  const users: Record<string, ApiClient> = {};
  beforeAll(async () => {
    server = await startTestServer({ dialect, rules: payRules });
    for (const [handle, home] of [['akari', 'JP'], ['sota', 'JP'], ['yuna', 'KR'], ['doyun', 'KR']] as const) {
      users[handle] = new ApiClient(server.url);
      await users[handle].signUp({ handle, home });
    }
    await createOfficialAccount({ ctx: server.runtime.messaging, handle: 'nerima-ward', displayName: 'Nerima Ward', home: 'JP', class: 'government', password: 'domicile-demo-pass' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps a wallet in the home currency where the rules say, and tops it up once per key', async () => {
    const akari = users.akari as ApiClient;
    expect((await akari.request('GET', '/v1/pay/wallet')).body).toEqual({ balance: 0, currency: 'JPY', storedIn: { cell: 'kr', jurisdiction: 'KR' }, simulatedFunding: true });
    const k = key();
    const first = await akari.request('POST', '/v1/pay/topups', { amount: 10_000, idempotencyKey: k });
    expect(first.status).toBe(201);
    const again = await akari.request('POST', '/v1/pay/topups', { amount: 10_000, idempotencyKey: k });
    expect(again.status).toBe(200);
    expect((again.body as PaymentBody).payment.id).toBe((first.body as PaymentBody).payment.id);
    expect((await akari.request('GET', '/v1/pay/wallet')).body).toMatchObject({ balance: 10_000, currency: 'JPY' });
    // The KR cell holds a JP person's payment data: a transfer on Seoul Cloud's contract, recorded.
    const transfers = (await akari.request('GET', '/v1/me/transfers')).body as { transfers: { destination: string; category: string }[] };
    expect(transfers.transfers).toEqual(expect.arrayContaining([expect.objectContaining({ destination: 'KR', category: 'user.financial.payment' })]));
  });

  it('pays within a cell and across cells, exactly once per key, and both sides see it', async () => {
    const akari = users.akari as ApiClient;
    const sota = users.sota as ApiClient;
    const k = key();
    const paid = await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 1_200, currency: 'JPY', idempotencyKey: k, note: 'lunch' });
    expect(paid.status).toBe(201);
    expect((paid.body as PaymentBody).payment).toMatchObject({ status: 'completed', amount: 1_200, currency: 'JPY', kind: 'payment' });
    const retried = await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 1_200, currency: 'JPY', idempotencyKey: k, note: 'lunch' });
    expect(retried.status).toBe(200);
    expect((await akari.request('GET', '/v1/pay/wallet')).body).toMatchObject({ balance: 8_800 });
    expect((await sota.request('GET', '/v1/pay/wallet')).body).toMatchObject({ balance: 1_200 });
    const sotaHistory = (await sota.request('GET', '/v1/pay/history')).body as { items: { direction: string; counterparty: string; note: string; amount: number }[] };
    expect(sotaHistory.items[0]).toMatchObject({ direction: 'in', counterparty: 'akari', note: 'lunch', amount: 1_200 });

    // Across cells: akari's wallet is in KR (the story's rule), a government account's stays in JP.
    const cross = await akari.request('POST', '/v1/pay/payments', { to: 'nerima-ward', amount: 3_000, currency: 'JPY', idempotencyKey: key(), note: 'festival ticket' });
    expect(cross.status).toBe(201);
    expect((cross.body as PaymentBody).payment.status).toBe('completed');
    const ward = await server.runtime.pay.cells.get('jp').db.selectFrom('wallet').select(['balance']).where('id', '=', 'nerima-ward').executeTakeFirstOrThrow();
    expect(Number(ward.balance)).toBe(3_000);
    expect(await server.runtime.directory.locations.find('wallet', 'nerima-ward')).toBe('jp');

    const yuna = users.yuna as ApiClient;
    await yuna.request('POST', '/v1/pay/topups', { amount: 50_000, idempotencyKey: key() });
    const won = await yuna.request('POST', '/v1/pay/payments', { to: 'doyun', amount: 7_000, currency: 'KRW', idempotencyKey: key() });
    expect(won.status).toBe(201);
    expect((await (users.doyun as ApiClient).request('GET', '/v1/pay/wallet')).body).toMatchObject({ balance: 7_000, currency: 'KRW', storedIn: { cell: 'kr' } });
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    const akari = users.akari as ApiClient;
    const before = (await akari.request('GET', '/v1/pay/history')).body;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ to: 'sota', amount: 0, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ to: 'sota', amount: -5, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ to: 'sota', amount: 10.5, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ to: 'sota', amount: 5_000_000, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ to: 'nobody-here', amount: 100, currency: 'JPY' }, 404, 'PAY_UNKNOWN_PAYEE'],
      [{ to: 'akari', amount: 100, currency: 'JPY' }, 400, 'PAY_SELF_PAYMENT'],
      [{ to: 'yuna', amount: 100, currency: 'JPY' }, 400, 'PAY_CURRENCY_MISMATCH'],
      [{ to: 'sota', amount: 100, currency: 'KRW' }, 400, 'PAY_CURRENCY_MISMATCH'],
      [{ to: 'sota', amount: 900_000, currency: 'JPY' }, 409, 'PAY_INSUFFICIENT_FUNDS'],
    ];
    for (const [payment, status, code] of cases) {
      const res = await akari.request('POST', '/v1/pay/payments', { ...payment, idempotencyKey: key() });
      expect({ status: res.status, code: (res.body as { error: { code: string } }).error.code }).toEqual({ status, code });
    }
    const reused = await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 1, currency: 'JPY', idempotencyKey: 'fixed-key-1' });
    expect(reused.status).toBe(201);
    const conflict = await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 2, currency: 'JPY', idempotencyKey: 'fixed-key-1' });
    expect((conflict.body as { error: { code: string } }).error.code).toBe('PAY_IDEMPOTENCY_CONFLICT');
    const after = (await akari.request('GET', '/v1/pay/history')).body as { items: unknown[] };
    expect(after.items.length).toBe((before as { items: unknown[] }).items.length + 1);
    expect((await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 1, currency: 'JPY' })).status).toBe(400);
  });

  it('lets the payee refund, once and never more than was paid', async () => {
    const akari = users.akari as ApiClient;
    const sota = users.sota as ApiClient;
    const paid = (await akari.request('POST', '/v1/pay/payments', { to: 'sota', amount: 500, currency: 'JPY', idempotencyKey: key() })).body as PaymentBody;
    const before = ((await akari.request('GET', '/v1/pay/wallet')).body as { balance: number }).balance;
    const part = await sota.request('POST', `/v1/pay/payments/${paid.payment.id}/refund`, { amount: 300, idempotencyKey: key() });
    expect(part.status).toBe(201);
    expect((part.body as PaymentBody).payment).toMatchObject({ kind: 'refund', amount: 300 });
    const tooMuch = await sota.request('POST', `/v1/pay/payments/${paid.payment.id}/refund`, { amount: 300, idempotencyKey: key() });
    expect((tooMuch.body as { error: { code: string } }).error.code).toBe('PAY_NOT_REFUNDABLE');
    const payerRefunds = await akari.request('POST', `/v1/pay/payments/${paid.payment.id}/refund`, { idempotencyKey: key() });
    expect((payerRefunds.body as { error: { code: string } }).error.code).toBe('PAY_NOT_REFUNDABLE');
    expect(((await akari.request('GET', '/v1/pay/wallet')).body as { balance: number }).balance).toBe(before + 300);
  });

  it('pages the history with a cursor, newest first', async () => {
    const doyun = users.doyun as ApiClient;
    for (let i = 0; i < 5; i++) await doyun.request('POST', '/v1/pay/topups', { amount: 100 + i, idempotencyKey: key() });
    const first = (await doyun.request('GET', '/v1/pay/history?limit=3')).body as { items: { seq: number }[]; nextBefore: number };
    expect(first.items.map((i) => i.seq)).toEqual([6, 5, 4]);
    const second = (await doyun.request('GET', `/v1/pay/history?limit=3&before=${first.nextBefore}`)).body as { items: { seq: number }[]; nextBefore: number | null };
    expect(second.items.map((i) => i.seq)).toEqual([3, 2, 1]);
    expect(second.nextBefore).toBeNull();
  });

  it('leaves a ledger that audits clean and data where the rules say', async () => {
    expect(await auditPay({ cells: server.runtime.cells })).toMatchObject({ discrepancies: [] });
    expect((await scanResidency({ cells: server.runtime.cells })).violations).toEqual([]);
  });
});

describe('top-ups outside demo mode', () => {
  it('are refused: there is no real funding source', async () => {
    const server = await startTestServer({ simulatedFunding: false });
    try {
      const rin = new ApiClient(server.url);
      await rin.signUp({ handle: 'rin', home: 'JP' });
      const res = await rin.request('POST', '/v1/pay/topups', { amount: 100, idempotencyKey: key() });
      expect(res.status).toBe(403);
      expect((res.body as { error: { code: string } }).error.code).toBe('PAY_TOPUP_DISABLED');
      // The wallet says so, so clients do not offer a top-up that would be refused.
      expect((await rin.request('GET', '/v1/pay/wallet')).body).toMatchObject({ simulatedFunding: false });
    } finally {
      await server.close();
    }
  });
});
