// Payment support through the broker: an operator with a support case reads a person's wallet
// and recent payments only through the broker (purpose PAYMENT_SUPPORT), every release leaves an
// access-log entry, and wallet and account ids go out as their last four only — never in clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastFour } from '../../src/governance/broker/masking.js';
import { entriesAbout, from, makeOperator, signInOperator } from '../broker/support.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

interface Released {
  records: { subjectId: string; category: string; recordId: string; fields: Record<string, unknown> }[];
  requestId: string;
}

describe('payment support through the broker', () => {
  let server: TestServer;
  let support: ApiClient;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'], rules: [{ home: 'JP', category: 'user.financial', cell: 'kr' }] });
    support = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), from('JP'));
  });
  afterAll(async () => {
    await server.close();
  });

  const lookup = (client: ApiClient) =>
    client.request('POST', '/v1/ops/access', { purpose: 'PAYMENT_SUPPORT', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.financial'] }, from('JP'));

  it('releases the wallet and recent payments, logged, with ids masked to their last four', async () => {
    const before = (await entriesAbout(server, 'hanako', 50)).length;
    const res = await lookup(support);
    expect(res.status).toBe(200);
    const body = res.body as Released;
    const wallet = body.records.find((r) => r.category === 'user.financial.wallet');
    expect(wallet?.fields).toMatchObject({ walletId: lastFour('hanako'), currency: 'JPY', storedIn: 'kr' });
    expect(wallet?.fields.balance).toEqual(expect.any(Number));
    const payments = body.records.filter((r) => r.category === 'user.financial.payment');
    expect(payments.length).toBeGreaterThan(0);

    // Every counterparty the ledger holds for hanako goes out masked, and its clear value nowhere.
    const kr = server.runtime.cells.get('kr').db;
    const counterparties = (await kr.selectFrom('posting').select('counterparty_id').where('wallet_id', '=', 'hanako').execute()).map((r) => r.counterparty_id as string);
    expect(counterparties.length).toBeGreaterThan(0);
    for (const record of payments) expect(counterparties.map((c) => lastFour(c))).toContain(record.fields.counterparty);
    const raw = res.raw.toString();
    for (const value of counterparties) expect(raw).not.toContain(`"${value}"`);
    for (const record of payments) expect(record.fields.note).toBeNull();

    // One allow entry per decision (the wallet's, the payments'), naming the purpose and the
    // case, and together counting every record released.
    const entries = await entriesAbout(server, 'hanako', 50);
    const fresh = entries.slice(0, entries.length - before);
    expect(fresh.map((e) => e.categories).sort()).toEqual([['user.financial.payment'], ['user.financial.wallet']]);
    for (const entry of fresh) expect(entry).toMatchObject({ decision: 'allow', purpose: 'PAYMENT_SUPPORT', caseRef: 'T-1001' });
    expect(fresh.reduce((n, e) => n + e.released, 0)).toBe(body.records.length);
  });

  it('refuses, and logs, an operator whose role is not for payment support', async () => {
    const moderator = await signInOperator(server, await makeOperator(server, { roles: ['moderator'] }), from('JP'));
    const before = (await entriesAbout(server, 'hanako', 50)).length;
    const res = await lookup(moderator);
    expect(res.status).toBe(403);
    expect(res.raw.toString()).not.toContain('"balance"');
    const entries = await entriesAbout(server, 'hanako', 50);
    const fresh = entries.slice(0, entries.length - before);
    expect(fresh.length).toBeGreaterThan(0);
    for (const entry of fresh) expect(entry).toMatchObject({ decision: 'deny', purpose: 'PAYMENT_SUPPORT', released: 0 });
  });
});
