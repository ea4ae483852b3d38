// Money in a chat through the API: "send money" in a chat and money requests (ask, accept once,
// decline, cancel), each showing in the chat as a payment card over REST and the WebSocket; the
// request rows placed with the requester's payment data, the cards where the chat's messages
// live; every refusal with its code and nothing written. Both dialects.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealedText } from '../../src/cells/keys/sealing.js';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { auditPay } from '../../src/pay/pay.audit.js';
import { recoverAcceptingRequests } from '../../src/pay/request.service.js';
import { dialects } from '../support/databases.js';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

const key = () => crypto.randomBytes(9).toString('base64url');
// The story's rule: JP people's payment data in the KR cell, their chats at home in JP.
const rules = [{ home: 'JP', category: 'user.financial', cell: 'kr' }];

interface Card {
  type: string;
  status: string;
  amount: number;
  requestId: string | null;
  paymentId: string | null;
  note?: string | null;
}
interface Msg {
  kind: string;
  senderId: string;
  card: Card | null;
}
interface RequestBody {
  request: { id: string; status: string; paymentId: string | null; requesterId: string; payerId: string };
  payment?: { id: string; amount: number; to: string };
}
/** A frame already received, or the next one that matches. */
const frame = (live: RealtimeClient, test: (f: Record<string, unknown>) => boolean) => {
  const seen = live.frames.find(test);
  return seen ? Promise.resolve(seen) : live.next(test);
};
const code = (res: { body: unknown }) => (res.body as { error: { code: string } }).error.code;

describe.each(dialects)('money in a chat on %s', (dialect) => {
  let server: TestServer;
  const u: Record<string, ApiClient> = {};
  let chat: string;
  let others: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, rules });
    for (const [handle, home] of [['mei', 'JP'], ['ren', 'JP'], ['kaito', 'JP'], ['seo', 'KR']] as const) {
      u[handle] = new ApiClient(server.url);
      await u[handle].signUp({ handle, home });
    }
    // Ren knows Mei, so her group reaches him as a chat, not a message request.
    expect((await (u.ren as ApiClient).request('POST', '/v1/contacts', { handle: 'mei' })).status).toBe(201);
    chat = ((await (u.mei as ApiClient).request('POST', '/v1/conversations', { kind: 'group', memberIds: ['ren'], title: 'Lunch' })).body as { id: string }).id;
    others = ((await (u.ren as ApiClient).request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['kaito'] })).body as { id: string }).id;
    await (u.ren as ApiClient).request('POST', '/v1/pay/topups', { amount: 20_000, idempotencyKey: key() });
  });
  afterAll(async () => {
    await server.close();
  });

  const timeline = async (client: ApiClient, id = chat) => ((await client.request('GET', `/v1/conversations/${id}/messages`)).body as { messages: Msg[] }).messages.filter((m) => m.kind === 'payment');

  it('sends money in a chat: one payment, one card, also on a retry', async () => {
    const ren = u.ren as ApiClient;
    const k = key();
    const body = { to: 'mei', amount: 700, currency: 'JPY', idempotencyKey: k, note: 'coffee', conversationId: chat };
    const sent = await ren.request('POST', '/v1/pay/payments', body);
    expect(sent.status).toBe(201);
    expect((await ren.request('POST', '/v1/pay/payments', body)).status).toBe(200);
    const cards = (await timeline(u.mei as ApiClient)).map((m) => m.card);
    expect(cards).toEqual([expect.objectContaining({ type: 'payment', amount: 700, currency: 'JPY', note: 'coffee', payerId: 'ren', payeeId: 'mei', status: 'completed' })]);
    // The card is chat content, in the chat's cell (JP); the ledger stays in KR.
    const row = await server.runtime.cells.get('jp').db.selectFrom('message').select(['category', 'cell_id']).where('kind', '=', 'payment').executeTakeFirstOrThrow();
    expect(row).toEqual({ category: 'user.content.message', cell_id: 'jp' });
    expect(await server.runtime.cells.get('jp').db.selectFrom('payment').select('id').execute()).toEqual([]);

    // Sending to someone outside the chat is refused before any money moves.
    const before = (await ren.request('GET', '/v1/pay/wallet')).body;
    const outsider = await ren.request('POST', '/v1/pay/payments', { ...body, to: 'kaito', idempotencyKey: key() });
    expect({ status: outsider.status, code: code(outsider) }).toEqual({ status: 403, code: 'PAY_NOT_A_CHAT_MEMBER' });
    expect((await ren.request('GET', '/v1/pay/wallet')).body).toEqual(before);
  });

  it('asks a member for money; the payer accepts once, and both see the cards live', async () => {
    const mei = u.mei as ApiClient;
    const ren = u.ren as ApiClient;
    const live = await RealtimeClient.connect(server.wsUrl, ren.token as string);
    try {
      const k = key();
      const asked = await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 1_500, currency: 'JPY', idempotencyKey: k, note: 'tickets' });
      expect(asked.status).toBe(201);
      const request = (asked.body as RequestBody).request;
      expect(request).toMatchObject({ status: 'open', requesterId: 'mei', payerId: 'ren' });
      expect((await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 1_500, currency: 'JPY', idempotencyKey: k })).status).toBe(200);
      const card = await frame(live, (f) => f.type === 'message' && (f.message as Msg).card?.requestId === request.id);
      expect((card.message as Msg).card).toMatchObject({ type: 'request', status: 'open', amount: 1_500 });
      expect((await ren.request('GET', `/v1/pay/requests?conversationId=${chat}&status=open`)).body).toMatchObject({ requests: [{ id: request.id }] });

      const meiBefore = ((await mei.request('GET', '/v1/pay/wallet')).body as { balance: number }).balance;
      const acceptKey = key();
      const accepted = await ren.request('POST', `/v1/pay/requests/${request.id}/accept`, { idempotencyKey: acceptKey });
      expect(accepted.status).toBe(201);
      const result = accepted.body as RequestBody;
      expect(result.request).toMatchObject({ status: 'accepted', paymentId: result.payment?.id });
      expect(result.payment).toMatchObject({ amount: 1_500, to: 'mei' });
      const again = await ren.request('POST', `/v1/pay/requests/${request.id}/accept`, { idempotencyKey: acceptKey });
      expect(again.status).toBe(200);
      expect((again.body as RequestBody).payment?.id).toBe(result.payment?.id);
      const otherKey = await ren.request('POST', `/v1/pay/requests/${request.id}/accept`, { idempotencyKey: key() });
      expect({ status: otherKey.status, code: code(otherKey) }).toEqual({ status: 409, code: 'PAY_REQUEST_NOT_OPEN' });
      expect(((await mei.request('GET', '/v1/pay/wallet')).body as { balance: number }).balance).toBe(meiBefore + 1_500);
      const outcome = await frame(live, (f) => f.type === 'message' && (f.message as Msg).card?.type === 'request_update');
      expect((outcome.message as Msg).card).toMatchObject({ status: 'accepted', requestId: request.id, paymentId: result.payment?.id });
      expect((await timeline(mei)).filter((m) => m.card?.requestId === request.id).map((m) => m.card?.status)).toEqual(['open', 'accepted']);
      // The request sits with mei's payment data (KR), not in the chat's cell.
      expect(await server.runtime.cells.get('kr').db.selectFrom('pay_request').select(['subject_id', 'category']).where('id', '=', request.id).execute()).toEqual([
        { subject_id: 'mei', category: 'user.financial.payment' },
      ]);
      // Its note and the cards (which repeat it) are stored sealed by the key ring, and read opened.
      const stored = await server.runtime.cells.get('kr').db.selectFrom('pay_request').select('note').where('id', '=', request.id).executeTakeFirstOrThrow();
      expect(isSealedText(stored.note as string)).toBe(true);
      const cards = await server.runtime.cells.get('jp').db.selectFrom('message').select('card').where('kind', '=', 'payment').execute();
      expect(cards.length).toBeGreaterThanOrEqual(2);
      expect(cards.every((c) => isSealedText(c.card as string))).toBe(true);
      expect((await ren.request('GET', `/v1/pay/requests?conversationId=${chat}`)).body).toMatchObject({ requests: [{ id: request.id, note: 'tickets' }] });
      expect((await timeline(mei)).find((m) => m.card?.requestId === request.id)?.card).toMatchObject({ note: 'tickets' });
    } finally {
      await live.close();
    }
  });

  it('lets the payer decline and the requester cancel, each once', async () => {
    const mei = u.mei as ApiClient;
    const ren = u.ren as ApiClient;
    const ask = async () => ((await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 300, currency: 'JPY', idempotencyKey: key() })).body as RequestBody).request.id;
    const a = await ask();
    expect(code(await mei.request('POST', `/v1/pay/requests/${a}/decline`))).toBe('FORBIDDEN');
    expect(((await ren.request('POST', `/v1/pay/requests/${a}/decline`)).body as RequestBody).request.status).toBe('declined');
    expect((await ren.request('POST', `/v1/pay/requests/${a}/decline`)).status).toBe(200);
    const late = await ren.request('POST', `/v1/pay/requests/${a}/accept`, { idempotencyKey: key() });
    expect({ status: late.status, code: code(late) }).toEqual({ status: 409, code: 'PAY_REQUEST_NOT_OPEN' });
    const b = await ask();
    expect(code(await ren.request('POST', `/v1/pay/requests/${b}/cancel`))).toBe('FORBIDDEN');
    expect(((await mei.request('POST', `/v1/pay/requests/${b}/cancel`)).body as RequestBody).request.status).toBe('cancelled');
    expect(code(await ren.request('POST', `/v1/pay/requests/${b}/decline`))).toBe('PAY_REQUEST_NOT_OPEN');
    // A stranger learns nothing of a request: not found, the same as a made-up id.
    expect(code(await (u.kaito as ApiClient).request('POST', `/v1/pay/requests/${b}/cancel`))).toBe('PAY_REQUEST_NOT_FOUND');
    expect(code(await ren.request('POST', '/v1/pay/requests/nothing-like-it/accept', { idempotencyKey: key() }))).toBe('PAY_REQUEST_NOT_FOUND');
    const statuses = (await timeline(mei)).filter((m) => m.card?.type === 'request_update').map((m) => `${m.senderId}:${m.card?.status}`);
    expect(statuses).toEqual(expect.arrayContaining(['ren:declined', 'mei:cancelled']));
  });

  it('refuses bad requests with a stable code and writes nothing', async () => {
    const mei = u.mei as ApiClient;
    const countRows = async () => (await server.runtime.cells.get('kr').db.selectFrom('pay_request').select('id').execute()).length + (await timeline(mei)).length;
    const before = await countRows();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ conversationId: chat, from: 'kaito', amount: 100, currency: 'JPY' }, 403, 'PAY_NOT_A_CHAT_MEMBER'],
      [{ conversationId: others, from: 'ren', amount: 100, currency: 'JPY' }, 404, 'NOT_A_MEMBER'],
      [{ conversationId: chat, from: 'mei', amount: 100, currency: 'JPY' }, 400, 'PAY_SELF_PAYMENT'],
      [{ conversationId: chat, from: 'nobody-at-all', amount: 100, currency: 'JPY' }, 404, 'PAY_UNKNOWN_PAYEE'],
      [{ conversationId: chat, from: 'ren', amount: 0, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ conversationId: chat, from: 'ren', amount: 1.5, currency: 'JPY' }, 400, 'PAY_INVALID_AMOUNT'],
      [{ conversationId: chat, from: 'ren', amount: 100, currency: 'KRW' }, 400, 'PAY_CURRENCY_MISMATCH'],
      [{ conversationId: chat, from: 'seo', amount: 100, currency: 'JPY' }, 400, 'PAY_CURRENCY_MISMATCH'],
    ];
    for (const [body, status, expected] of cases) {
      const res = await mei.request('POST', '/v1/pay/requests', { ...body, idempotencyKey: key() });
      expect({ status: res.status, code: code(res) }).toEqual({ status, code: expected });
    }
    const k = key();
    expect((await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 100, currency: 'JPY', idempotencyKey: k })).status).toBe(201);
    const conflict = await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 200, currency: 'JPY', idempotencyKey: k });
    expect(code(conflict)).toBe('PAY_IDEMPOTENCY_CONFLICT');
    expect(await countRows()).toBe(before + 2);
  });

  it('leaves an accept the payer cannot afford open, with no money moved', async () => {
    const mei = u.mei as ApiClient;
    const kaito = u.kaito as ApiClient;
    const pair = ((await mei.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['kaito'] })).body as { id: string }).id;
    const id = ((await mei.request('POST', '/v1/pay/requests', { conversationId: pair, from: 'kaito', amount: 900, currency: 'JPY', idempotencyKey: key() })).body as RequestBody).request.id;
    const poor = await kaito.request('POST', `/v1/pay/requests/${id}/accept`, { idempotencyKey: key() });
    expect({ status: poor.status, code: code(poor) }).toEqual({ status: 409, code: 'PAY_INSUFFICIENT_FUNDS' });
    expect((await kaito.request('GET', `/v1/pay/requests?conversationId=${pair}`)).body).toMatchObject({ requests: [{ id, status: 'open', paymentId: null }] });
    await kaito.request('POST', '/v1/pay/topups', { amount: 1_000, idempotencyKey: key() });
    expect((await kaito.request('POST', `/v1/pay/requests/${id}/accept`, { idempotencyKey: key() })).status).toBe(201);
  });

  it('pays once when accepts race, with the same key or with others', async () => {
    const mei = u.mei as ApiClient;
    const ren = u.ren as ApiClient;
    const note = `race-${key()}`;
    const id = ((await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 10, currency: 'JPY', note, idempotencyKey: key() })).body as RequestBody).request.id;
    const same = key();
    const keys = [same, same, same, key(), key(), same];
    const answers = await Promise.all(keys.map((k) => ren.request('POST', `/v1/pay/requests/${id}/accept`, { idempotencyKey: k })));
    for (const a of answers) expect([200, 201, 409]).toContain(a.status);
    const paymentIds = new Set(answers.filter((a) => a.status !== 409).map((a) => (a.body as RequestBody).payment?.id));
    expect(paymentIds.size).toBe(1);
    const history = ((await ren.request('GET', '/v1/pay/history?limit=100')).body as { items: { id: string; note: string | null; direction: string }[] }).items;
    expect(history.filter((h) => h.note === note && h.direction === 'out').map((h) => h.id)).toEqual([...paymentIds]);
    expect((await ren.request('GET', `/v1/pay/requests?conversationId=${chat}&status=accepted`)).body).toMatchObject({ requests: expect.arrayContaining([expect.objectContaining({ id, paymentId: [...paymentIds][0] })]) });
  });

  it('settles an accept a crash left half-done: accepted when its payment is there, open when not', async () => {
    const mei = u.mei as ApiClient;
    const ren = u.ren as ApiClient;
    const kr = server.runtime.cells.get('kr').db;
    const ask = async () => ((await mei.request('POST', '/v1/pay/requests', { conversationId: chat, from: 'ren', amount: 250, currency: 'JPY', idempotencyKey: key() })).body as RequestBody).request.id;
    // As a crash leaves it: the intent written, the payment made (or not), nothing after.
    const paidKey = key();
    const paidId = await ask();
    await kr.updateTable('pay_request').set({ status: 'accepting', accept_key: paidKey }).where('id', '=', paidId).execute();
    const payment = ((await ren.request('POST', '/v1/pay/payments', { to: 'mei', amount: 250, currency: 'JPY', idempotencyKey: paidKey, note: 'crash' })).body as { payment: { id: string } }).payment;
    const unpaidId = await ask();
    await kr.updateTable('pay_request').set({ status: 'accepting', accept_key: key() }).where('id', '=', unpaidId).execute();

    expect(await recoverAcceptingRequests({ ctx: server.runtime.pay })).toBe(2);
    const byId = new Map(((await mei.request('GET', `/v1/pay/requests?conversationId=${chat}`)).body as { requests: { id: string; status: string; paymentId: string | null }[] }).requests.map((r) => [r.id, r]));
    expect(byId.get(paidId)).toMatchObject({ status: 'accepted', paymentId: payment.id });
    expect(byId.get(unpaidId)).toMatchObject({ status: 'open', paymentId: null });
    expect((await timeline(mei)).some((m) => m.card?.requestId === paidId && m.card.type === 'request_update' && m.card.status === 'accepted')).toBe(true);
    // The payer's retry with the same key answers that one payment, and the open one can still be paid.
    expect(((await ren.request('POST', `/v1/pay/requests/${paidId}/accept`, { idempotencyKey: paidKey })).body as RequestBody).payment?.id).toBe(payment.id);
    expect((await ren.request('POST', `/v1/pay/requests/${unpaidId}/accept`, { idempotencyKey: key() })).status).toBe(201);
  });

  it('leaves a ledger that audits clean and every row where the rules say', async () => {
    expect(await auditPay({ cells: server.runtime.cells })).toMatchObject({ discrepancies: [] });
    expect((await scanResidency({ cells: server.runtime.cells })).violations).toEqual([]);
  });
});
