// Moderation: a user reports a message; the report becomes a case; a moderator sees the reported
// message through the broker with purpose ABUSE_REPORT and that case — and nothing else of the
// conversation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { entriesAbout, from, makeOperator, signInOperator, type ErrorBody } from './support.js';

let server: TestServer;
let hanako: ApiClient;
let moderator: ApiClient;
let chatId = '';
let reported: { id: string; text: string };
let otherOfTaro: { id: string };
let ref = '';

type Message = { id: string; senderId: string; kind: string; text: string | null };

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  hanako = new ApiClient(server.url);
  await hanako.signIn('hanako', 'domicile-demo');
  const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string; title: string }[] };
  const chat = list.conversations.find((c) => c.kind === 'direct' && c.title === 'Taro Suzuki');
  chatId = chat?.id ?? '';
  const messages = ((await hanako.request('GET', `/v1/conversations/${chatId}/messages`)).body as { messages: Message[] }).messages;
  const taros = messages.filter((m) => m.senderId === 'taro' && m.kind === 'text');
  reported = { id: taros[0]?.id ?? '', text: taros[0]?.text ?? '' };
  otherOfTaro = { id: taros[1]?.id ?? '' };
  expect(reported.id).not.toBe(otherOfTaro.id);
  moderator = await signInOperator(server, await makeOperator(server, { roles: ['moderator'] }), from('JP'));
});
afterAll(async () => {
  await server.close();
});

describe('reporting', () => {
  it('a member reports someone else’s message once; not their own, and not from outside', async () => {
    const first = await hanako.request('POST', `/v1/conversations/${chatId}/messages/${reported.id}/report`, { reason: 'harassment' });
    expect(first.status).toBe(201);
    ref = (first.body as { caseRef: string }).caseRef;
    expect(ref).toMatch(/^R-\d+$/);
    const again = await hanako.request('POST', `/v1/conversations/${chatId}/messages/${reported.id}/report`, { reason: 'harassment' });
    expect(again.status).toBe(200);
    expect((again.body as { caseRef: string }).caseRef).toBe(ref);
    const messages = ((await hanako.request('GET', `/v1/conversations/${chatId}/messages`)).body as { messages: Message[] }).messages;
    const own = messages.find((m) => m.senderId === 'hanako' && m.kind === 'text');
    expect((await hanako.request('POST', `/v1/conversations/${chatId}/messages/${own?.id}/report`, { reason: 'spam' })).status).toBe(400);
    const outsider = new ApiClient(server.url);
    await outsider.signIn('jiwoo', 'domicile-demo');
    const refused = await outsider.request('POST', `/v1/conversations/${chatId}/messages/${reported.id}/report`, { reason: 'spam' });
    expect((refused.body as ErrorBody).error.code).toBe('NOT_A_MEMBER');
  });

  it('the moderation queue shows the case reference and reason, and nobody’s data', async () => {
    const queue = await moderator.request('GET', '/v1/ops/moderation/queue', undefined, from('JP'));
    expect(queue.status).toBe(200);
    const reports = (queue.body as { reports: { ref: string; reason: string }[] }).reports;
    expect(reports).toContainEqual(expect.objectContaining({ ref, reason: 'harassment', kind: 'abuse', status: 'open' }));
    expect(JSON.stringify(queue.body)).not.toMatch(/taro|hanako|jp_/);
  });
});

describe('the moderator', () => {
  it('sees the reported message through the broker, logged', async () => {
    const res = await moderator.request('GET', `/v1/ops/moderation/reports/${ref}/message`, undefined, from('JP'));
    expect(res.status).toBe(200);
    const body = res.body as { records: { recordId: string; subjectId: string; fields: Record<string, unknown> }[]; decisions: { grantId: string; policyIds: string[] }[]; requestId: string };
    expect(body.records).toHaveLength(1);
    expect(body.records[0]).toMatchObject({ recordId: reported.id, subjectId: 'taro', fields: { text: reported.text } });
    expect(body.decisions[0]).toMatchObject({ grantId: `case:${ref}`, policyIds: ['abuse-report'] });
    const entry = (await entriesAbout(server, 'taro')).find((e) => e.eventId.startsWith(body.requestId));
    expect(entry).toMatchObject({ decision: 'allow', purpose: 'ABUSE_REPORT', caseRef: ref, released: 1, categories: ['user.content.message'], subjects: ['taro'] });
  });

  it('and nothing else of the conversation', async () => {
    const access = (body: Record<string, unknown>) => moderator.request('POST', '/v1/ops/access', { purpose: 'ABUSE_REPORT', caseRef: ref, ...body }, from('JP'));
    // Without naming records, only the reported one comes back.
    const all = await access({ subjects: ['taro'], categories: ['user.content.message'] });
    expect((all.body as { records: { recordId: string }[] }).records.map((r) => r.recordId)).toEqual([reported.id]);
    // Another of taro's messages, hanako's messages, the conversation's images: refused.
    const other = await access({ subjects: ['taro'], categories: ['user.content.message'], records: [otherOfTaro.id] });
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).toMatch(/broker:case-scope/);
    const reporter = await access({ subjects: ['hanako'], categories: ['user.content.message'] });
    expect(reporter.status).toBe(403);
    expect(JSON.stringify(reporter.body)).toMatch(/content-needs-grant/);
    const images = await access({ subjects: ['taro'], categories: ['user.content.media'] });
    expect(images.status).toBe(403);
    const minjun = await access({ subjects: ['minjun'], categories: ['user.content.message'] });
    expect(JSON.stringify(minjun.body)).toMatch(/broker:case-scope/);
  });

  it('only a moderator, only for ABUSE_REPORT, only while the case is open', async () => {
    const support = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), from('JP'));
    expect((await support.request('GET', `/v1/ops/moderation/reports/${ref}/message`, undefined, from('JP'))).status).toBe(403);
    const wrongPurpose = await moderator.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: ref, subjects: ['taro'], categories: ['user.content.message'] }, from('JP'));
    expect(JSON.stringify(wrongPurpose.body)).toMatch(/broker:case-purpose/);
    expect((await moderator.request('POST', `/v1/ops/cases/${ref}/close`, undefined, from('JP'))).status).toBe(200);
    const closed = await moderator.request('GET', `/v1/ops/moderation/reports/${ref}/message`, undefined, from('JP'));
    expect(closed.status).toBe(403);
    expect(JSON.stringify(closed.body)).toMatch(/broker:case-closed/);
  });
});
