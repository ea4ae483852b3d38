// Just-in-time grants: the requester cannot approve; approvals, denials and revocations are
// logged to the subjects' logs; a revoked grant stops at once; a grant works only from the
// location it was asked for; more than 100 subjects need two distinct approvers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiClient, type TestServer } from '../support/server.js';
import { entriesAbout, from, makeOperator, signInOperator, type ErrorBody } from './support.js';

let server: TestServer;
let support: ApiClient;
let approverA: ApiClient;
let approverB: ApiClient;

const content = { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.content.message'] };
const grantBody = { subjects: ['hanako'], categories: ['user.content.message'], fields: ['text'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001', durationMinutes: 15, requestedLocation: 'JP' };

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  support = await signInOperator(server, await makeOperator(server, { roles: ['support', 'approver'] }), from('JP'));
  approverA = await signInOperator(server, await makeOperator(server, { roles: ['approver'] }), from('JP'));
  approverB = await signInOperator(server, await makeOperator(server, { roles: ['approver'] }), from('JP'));
});
afterAll(async () => {
  await server.close();
});

async function requestGrant(body: Record<string, unknown> = grantBody): Promise<string> {
  const res = await support.request('POST', '/v1/ops/grants', body, from('JP'));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body as { id: string }).id;
}

describe('the grant workflow', () => {
  it('the requester cannot approve their own grant; a non-approver cannot approve at all', async () => {
    const id = await requestGrant();
    const own = await support.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'));
    expect(own.status).toBe(403);
    expect((own.body as ErrorBody).error.code).toBe('SELF_APPROVAL');
    const plain = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), from('JP'));
    expect(((await plain.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'))).body as ErrorBody).error.code).toBe('FORBIDDEN');
    const denied = await approverA.request('POST', `/v1/ops/grants/${id}/deny`, undefined, from('JP'));
    expect((denied.body as { status: string }).status).toBe('denied');
    expect((await approverB.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'))).status).toBe(409);
    const logged = (await entriesAbout(server, 'hanako', 10)).filter((e) => e.grantId === id);
    expect(logged.map((e) => [e.action, e.decision])).toEqual(expect.arrayContaining([['grant-request', 'allow'], ['grant-deny', 'deny']]));
  });

  it('an approved grant releases the granted fields in clear, only from the requested location, and stops at once when revoked', async () => {
    const id = await requestGrant();
    const approved = await approverA.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'));
    expect(approved.body).toMatchObject({ status: 'approved', approvals: [expect.objectContaining({ decision: 'approve' })] });
    const read = await support.request('POST', '/v1/ops/access', content, from('JP'));
    expect(read.status).toBe(200);
    const body = read.body as { decisions: { grantId: string; masking: Record<string, string> }[]; records: { fields: Record<string, unknown> }[] };
    expect(body.decisions[0]).toMatchObject({ grantId: id, masking: { text: 'clear', conversationId: 'hash', mediaId: 'hash' } });
    expect(body.records.length).toBeGreaterThan(0);
    expect(String(body.records[0]?.fields.conversationId)).toMatch(/^h:/);

    // Asked for from JP, so it does not follow the operator abroad (and abroad, residency refuses anyway).
    const grantKr = await requestGrant({ ...grantBody, requestedLocation: 'KR' });
    await approverA.request('POST', `/v1/ops/grants/${grantKr}/approve`, undefined, from('JP'));
    const wrongPlace = await support.request('POST', '/v1/ops/access', { ...content, grantId: grantKr }, from('JP'));
    expect(JSON.stringify(wrongPlace.body)).toMatch(/broker:unusable-grant/);

    const revoked = await approverB.request('POST', `/v1/ops/grants/${id}/revoke`, undefined, from('JP'));
    expect((revoked.body as { status: string }).status).toBe('revoked');
    const after = await support.request('POST', '/v1/ops/access', content, from('JP'));
    expect(after.status).toBe(403);
    const actions = (await entriesAbout(server, 'hanako', 20)).filter((e) => e.grantId === id).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['grant-request', 'grant-approve', 'grant-revoke']));
  });

  it('a grant must cite a real case that concerns its subjects', async () => {
    const unknown = await support.request('POST', '/v1/ops/grants', { ...grantBody, caseRef: 'T-999999' }, from('JP'));
    expect((unknown.body as ErrorBody).error.code).toBe('UNKNOWN_CASE');
    const otherPerson = await support.request('POST', '/v1/ops/grants', { ...grantBody, caseRef: 'T-2001' }, from('JP'));
    expect((otherPerson.body as ErrorBody).error.code).toBe('UNKNOWN_CASE');
  });

  it('a grant names categories of the list; a parent is fine, an unknown name is a 400 naming the valid ones', async () => {
    const unknown = await support.request('POST', '/v1/ops/grants', { ...grantBody, categories: ['user.contact.phone'] }, from('JP'));
    expect(unknown.status).toBe(400);
    expect((unknown.body as ErrorBody).error.code).toBe('UNKNOWN_CATEGORY');
    expect((unknown.body as ErrorBody).error.message).toMatch(/now called "user\.contact\.phone_number"/);
    await requestGrant({ ...grantBody, categories: ['user.content'] });
  });
});

describe('more than 100 subjects', () => {
  it('need an incident case and a grant, each approved by two distinct approvers', async () => {
    const { directory } = server.runtime;
    const ids = Array.from({ length: 120 }, (_, i) => `bulk${String(i).padStart(3, '0')}`);
    for (const id of ids) await directory.register({ id, kind: 'user', home: 'JP', class: 'consumer' }, []);
    const securityId = await makeOperator(server, { roles: ['security'] });
    const security = await signInOperator(server, securityId, from('JP'));
    const opened = await security.request('POST', '/v1/ops/cases', { kind: 'incident', subjects: ids, reason: 'breach' }, from('JP'));
    expect(opened.body).toMatchObject({ status: 'pending', requiredApprovals: 2 });
    const ref = (opened.body as { ref: string }).ref;
    expect((await approverA.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'pending' });
    expect((await approverB.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });
    const bulk = { purpose: 'INCIDENT_RESPONSE', caseRef: ref, subjects: ids, categories: ['user.account'] };

    const without = await security.request('POST', '/v1/ops/access', bulk, from('JP'));
    expect(without.status).toBe(403);
    expect(JSON.stringify(without.body)).toMatch(/broker:two-approvers/);

    const granted = await security.request('POST', '/v1/ops/grants', { ...grantBody, subjects: ids, categories: ['user.account'], fields: [], purpose: 'INCIDENT_RESPONSE', caseRef: ref }, from('JP'));
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    const id = (granted.body as { id: string }).id;
    const one = await approverA.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'));
    expect(one.body).toMatchObject({ status: 'pending', requiredApprovals: 2 });
    expect((await approverA.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'))).status).toBe(409);
    expect(JSON.stringify((await security.request('POST', '/v1/ops/access', bulk, from('JP'))).body)).toMatch(/broker:two-approvers/);
    const two = await approverB.request('POST', `/v1/ops/grants/${id}/approve`, undefined, from('JP'));
    expect(two.body).toMatchObject({ status: 'approved' });
    const allowed = await security.request('POST', '/v1/ops/access', bulk, from('JP'));
    expect(allowed.status).toBe(200);
    expect((allowed.body as { decision: string }).decision).toBe('allow');
  });
});
