// Cross-border transfers end to end over HTTP and WebSocket: a message into a conversation stored
// abroad needs a basis (here consent after the notice), a refusal writes nothing abroad, consent
// receipts validate against the repository's schema, withdrawal stops the next transfer, images
// placed abroad rest on the host's conforming system, and refused notices are refused.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPng } from '../../src/demo/png.js';
import { repoPath } from '../../src/governance/transfers/repo-files.js';
import { runDomicile } from '../support/cli.js';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Consent = { receiptId: string; noticeId: string; status: string; givenAt: string; withdrawnAt: string | null; receipt: Record<string, unknown> };
type TransferRecord = { destination: string; recipient: { id: string; name: string }; category: string; purpose: string; items: number; basis: string; basisRef: string; keepUntil: string };

// Checked with a fresh Ajv over the schema file itself, not through the module under test.
const receiptSchema = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema(JSON.parse(readFileSync(repoPath('schemas', 'kantara-consent-receipt-v1.1.schema.json'), 'utf8')) as object);
  return ajv.compile(JSON.parse(readFileSync(repoPath('schemas', 'consent-receipt.schema.json'), 'utf8')) as object);
})();

const notice = (name: string): unknown => JSON.parse(readFileSync(repoPath('registries', 'notices', `${name}.json`), 'utf8'));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function crossBorderChat(jpHandle: string, krHandle: string, options: { withdraw: boolean } = { withdraw: true }) {
  const hana = new ApiClient(server.url);
  await hana.signUp({ handle: jpHandle });
  const kim = new ApiClient(server.url);
  await kim.signUp({ handle: krHandle, home: 'KR' });
  const created = await hana.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [krHandle] });
  const conversation = created.body as { id: string; storedIn: { jurisdiction: string } };
  expect(conversation.storedIn.jurisdiction).toBe('JP');
  // The KR person is invited (nothing of theirs is stored in Japan yet); joining needs the
  // consent, and they join, then (by default) withdraw it: what follows is about messages only.
  const joined = await kim.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' });
  expect((await kim.request('POST', `/v1/conversations/${conversation.id}/accept`)).status).toBe(204);
  if (options.withdraw) await kim.request('POST', `/v1/me/consents/${(joined.body as { consent: { receiptId: string } }).consent.receiptId}/withdraw`);
  return { hana, kim, conversationId: conversation.id };
}

async function rowsAbroad(subjectId: string): Promise<number> {
  const row = await server.runtime.cells.get('jp').db.selectFrom('message').select(({ fn }) => fn.countAll<number>().as('n')).where('subject_id', '=', subjectId).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('a message into a conversation stored abroad', () => {
  it('is refused until the sender consents after the notice, then recorded; withdrawal stops the next one', async () => {
    const { kim, conversationId } = await crossBorderChat('haruka', 'seoyeon');
    const send = (clientId: string) => kim.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId, text: '안녕하세요' });

    const refused = await send('k1');
    expect(refused.status).toBe(409);
    const error = (refused.body as ErrorBody).error;
    expect(error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(error.details).toMatchObject({ noticeId: 'kr-messages-jp', noticeVersion: 2, destination: 'JP', recipient: 'nihon-talk' });
    expect(await rowsAbroad('seoyeon')).toBe(1);
    const joining = ((await kim.request('GET', '/v1/me/transfers')).body as { transfers: TransferRecord[] }).transfers;
    expect(joining.map((r) => r.category).sort()).toEqual(['user.content.conversation.membership', 'user.content.message']);

    // The client shows the notice named in the refusal, then records the consent.
    const shown = await new ApiClient(server.url).request('GET', '/v1/notices/kr-messages-jp');
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ inEffect: true, notice: { noticeId: 'kr-messages-jp', transfers: { destinations: [{ country: 'JP', recipients: [{ id: 'nihon-talk' }] }] } } });
    const given = await kim.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp', noticeVersion: 2 });
    expect(given.status).toBe(201);
    const consent = (given.body as { consent: Consent }).consent;
    expect(consent).toMatchObject({ noticeId: 'kr-messages-jp', status: 'given', withdrawnAt: null });
    expect(receiptSchema(consent.receipt)).toBe(true);
    expect(consent.receipt).toMatchObject({ version: 'KI-CR-v1.1.0', jurisdiction: 'KR', piiPrincipalId: 'seoyeon', consentReceiptID: consent.receiptId, destinationCountries: ['JP'], separateConsent: true });

    expect((await send('k1')).status).toBe(201);
    expect((await send('k2')).status).toBe(201);
    expect(await rowsAbroad('seoyeon')).toBe(3);
    const records = ((await kim.request('GET', '/v1/me/transfers')).body as { transfers: TransferRecord[] }).transfers.filter((r) => r.basisRef === (given.body as { consent: Consent }).consent.receiptId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ destination: 'JP', recipient: { id: 'nihon-talk', name: 'Nihon Talk Corp' }, category: 'user.content.message', purpose: 'MESSAGING', items: 2, basis: 'consent', basisRef: consent.receiptId });

    const withdrawn = await kim.request('POST', `/v1/me/consents/${consent.receiptId}/withdraw`);
    expect(withdrawn.status).toBe(200);
    expect((withdrawn.body as { consent: Consent }).consent.status).toBe('withdrawn');
    const after = await send('k3');
    expect((after.body as ErrorBody).error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(await rowsAbroad('seoyeon')).toBe(3);

    const history = (await kim.request('GET', '/v1/me/consents')).body as { consents: Consent[]; history: { kind: string; receiptId: string }[] };
    expect(history.history.map((h) => [h.kind, h.receiptId]).slice(-2)).toEqual([['given', consent.receiptId], ['withdrawn', consent.receiptId]]);
    expect(receiptSchema(history.consents[0]?.receipt)).toBe(true);
  });

  it('over the WebSocket, the refusal carries the notice to show', async () => {
    const { kim, conversationId } = await crossBorderChat('kaede', 'jimin');
    const ws = await RealtimeClient.connect(server.wsUrl, kim.token ?? '');
    const error = ws.next((f) => f.type === 'error' && f.clientId === 'w1');
    ws.send({ type: 'send', clientId: 'w1', conversationId, text: 'hello' });
    expect(await error).toMatchObject({ code: 'TRANSFER_CONSENT_REQUIRED', details: { noticeId: 'kr-messages-jp' } });
    await ws.close();
    expect(await rowsAbroad('jimin')).toBe(1);
  });

  it('is not a transfer for the home side: a JP user writes in a JP chat without any consent', async () => {
    const { hana, conversationId } = await crossBorderChat('sakura', 'eunji');
    expect((await hana.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'h1', text: 'hi' })).status).toBe(201);
    expect(((await hana.request('GET', '/v1/me/transfers')).body as { transfers: unknown[] }).transfers).toEqual([]);
  });
});

describe('images placed abroad', () => {
  it('rest on Seoul Cloud’s conforming system and leave a transfer record each time', async () => {
    const { hana, conversationId } = await crossBorderChat('natsuki', 'dahye');
    for (let i = 0; i < 2; i++) {
      const upload = await hana.request('POST', `/v1/conversations/${conversationId}/media`, gradientPng(6, 6, [i, 0, 0], [0, 0, 255]), { 'content-type': 'image/png' });
      expect(upload.status).toBe(201);
      expect(await server.runtime.directory.locations.find('media', (upload.body as { id: string }).id)).toBe('kr');
    }
    const records = ((await hana.request('GET', '/v1/me/transfers')).body as { transfers: TransferRecord[] }).transfers;
    expect(records).toEqual([expect.objectContaining({ destination: 'KR', recipient: { id: 'seoul-cloud', name: 'Seoul Cloud Co.' }, category: 'user.content.media', purpose: 'MEDIA_STORAGE', items: 2, basis: 'conforming-system' })]);
  });
});

describe('when the conforming-system basis lapses', () => {
  // A year on, Seoul Cloud's periodic check (due 2027-09-15) is overdue.
  let later: TestServer;
  beforeAll(async () => {
    later = await startTestServer({ transfers: { now: () => new Date('2027-10-01T00:00:00.000Z') } });
  });
  afterAll(async () => {
    await later.close();
  });

  it('an image upload is refused and nothing is written abroad — no row, no blob — until the owner consents', async () => {
    const hana = new ApiClient(later.url);
    await hana.signUp({ handle: 'mio' });
    const bob = new ApiClient(later.url);
    await bob.signUp({ handle: 'riku' });
    const conversationId = ((await hana.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['riku'] })).body as { id: string }).id;
    const kr = later.runtime.cells.get('kr');
    const blobsBefore = (await kr.blobs.keys()).length;
    const png = gradientPng(6, 6, [9, 9, 9], [200, 10, 10]);

    const refused = await hana.request('POST', `/v1/conversations/${conversationId}/media`, png, { 'content-type': 'image/png' });
    expect(refused.status).toBe(409);
    const error = (refused.body as ErrorBody).error;
    expect(error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(error.details).toMatchObject({ noticeId: 'jp-media-storage-kr', destination: 'KR', recipient: 'seoul-cloud' });
    expect((error.details?.missing as string[]).some((m) => m.includes('overdue'))).toBe(true);
    const rows = await kr.db.selectFrom('media').select('id').where('subject_id', '=', 'mio').execute();
    expect(rows).toEqual([]);
    expect((await kr.blobs.keys()).length).toBe(blobsBefore);

    expect((await hana.request('POST', '/v1/me/consents', { noticeId: 'jp-media-storage-kr' })).status).toBe(201);
    expect((await hana.request('POST', `/v1/conversations/${conversationId}/media`, png, { 'content-type': 'image/png' })).status).toBe(201);
    const records = ((await hana.request('GET', '/v1/me/transfers')).body as { transfers: TransferRecord[] }).transfers;
    expect(records.map((r) => [r.basis, r.destination, r.items])).toEqual([['consent', 'KR', 1]]);
  });
});

describe('consent requests that cannot be recorded', () => {
  it('refuses an unknown notice, a notice of another home, one not yet in effect, and an outdated version', async () => {
    const jp = new ApiClient(server.url);
    await jp.signUp({ handle: 'tomoya' });
    const kr = new ApiClient(server.url);
    await kr.signUp({ handle: 'hyejin', home: 'KR' });
    const code = async (client: ApiClient, body: unknown) => {
      const res = await client.request('POST', '/v1/me/consents', body);
      return [res.status, (res.body as ErrorBody).error.code];
    };
    expect(await code(jp, { noticeId: 'no-such-notice' })).toEqual([404, 'NOT_FOUND']);
    expect(await code(jp, { noticeId: 'kr-messages-jp' })).toEqual([422, 'CONSENT_REFUSED']);
    expect(await code(kr, { noticeId: 'jp-media-storage-kr' })).toEqual([422, 'CONSENT_REFUSED']);
    expect(await code(kr, { noticeId: 'kr-messages-jp', noticeVersion: 1 })).toEqual([409, 'NOTICE_VERSION_CHANGED']);
    expect(await code(kr, { noticeId: 'jp-third-countries' })).toEqual([404, 'NOT_FOUND']);
    const withdraw = await kr.request('POST', '/v1/me/consents/not-a-receipt/withdraw');
    expect(withdraw.status).toBe(404);
    expect(((await kr.request('GET', '/v1/me/consents')).body as { history: unknown[] }).history).toEqual([]);
  });
});

describe('the "third countries" notice', () => {
  it('is refused by the API with every reason, while the real notices pass', async () => {
    const anyone = new ApiClient(server.url);
    const refused = await anyone.request('POST', '/v1/notices/validate', notice('third-countries'));
    expect(refused.status).toBe(422);
    const error = (refused.body as ErrorBody).error;
    expect(error.code).toBe('NOTICE_REFUSED');
    const problems = error.details?.problems as { code: string; path: string }[];
    expect(problems.map((p) => p.code)).toEqual(expect.arrayContaining(['NOTICE_NO_COUNTRY', 'NOTICE_VAGUE_DESTINATION']));
    expect(problems.find((p) => p.code === 'NOTICE_VAGUE_DESTINATION')?.path).toBe('/transfers/description');
    expect((await anyone.request('POST', '/v1/notices/validate', [])).status).toBe(422);
    const ok = await anyone.request('POST', '/v1/notices/validate', notice('kr-messages-jp'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, notice: { noticeId: 'kr-messages-jp', destinations: [{ country: 'JP' }] } });
    const list = (await anyone.request('GET', '/v1/notices')).body as { notices: { noticeId: string }[] };
    expect(list.notices.map((n) => n.noticeId)).not.toContain('jp-third-countries');
    expect((await anyone.request('GET', '/v1/notices/jp-third-countries')).status).toBe(404);
  });

  it('is refused by `domicile notice validate`', async () => {
    const result = await runDomicile(['notice', 'validate', repoPath('registries', 'notices', 'third-countries.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('NOTICE_VAGUE_DESTINATION');
    expect((await runDomicile(['notice', 'validate', repoPath('registries', 'notices', 'kr-messages-jp.json')])).code).toBe(0);
  });
});

describe('disclosure to the person', () => {
  it('says what is held where, with consents and transfer records', async () => {
    const { kim, conversationId } = await crossBorderChat('ayane', 'minho', { withdraw: false });
    expect((await kim.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'd1', text: 'hi' })).status).toBe(201);
    const disclosure = (await kim.request('GET', '/v1/me/disclosure')).body as {
      subject: { id: string; home: string };
      held: { category: string; storedIn: { country: string; records: number }[] }[];
      storedIn: string[];
      consents: Consent[];
      transfers: TransferRecord[];
      accesses: unknown[];
    };
    expect(disclosure.subject).toMatchObject({ id: 'minho', home: 'KR' });
    expect(disclosure.storedIn).toEqual(['JP', 'KR']);
    expect(disclosure.held.find((h) => h.category === 'user.content.message')?.storedIn).toEqual([{ cell: 'jp', country: 'JP', countryName: 'Japan', records: 2 }]);
    expect(disclosure.held.find((h) => h.category === 'user.content.conversation.membership')?.storedIn.map((s) => s.country)).toEqual(['JP']);
    expect(disclosure.held.find((h) => h.category === 'user.account')?.storedIn.map((s) => s.country)).toEqual(['KR']);
    expect(disclosure.consents.map((c) => c.status)).toEqual(['given']);
    // Joining (the membership and its "… joined" notice) and the message, each on record.
    expect(disclosure.transfers.map((t) => [t.category, t.destination, t.basis, t.items]).sort()).toEqual([
      ['user.content.conversation.membership', 'JP', 'consent', 1],
      ['user.content.message', 'JP', 'consent', 2],
    ]);
    expect(disclosure.accesses).toEqual([]);
    expect((await new ApiClient(server.url).request('GET', '/v1/me/disclosure')).status).toBe(401);
  });
});
