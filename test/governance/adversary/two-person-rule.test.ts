// Issue 16 item 1: the two-person rule cannot be split around. The distinct people one operator
// reads for one purpose are counted over 24 hours, across requests and cases; beyond 100 a
// two-approver grant covering them is needed. A ticket staff open is no justification until the
// person or a second operator confirms it, and a real bulk case (an incident about many people,
// approved by two) still works. Both dialects: the tally and the approvals are stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, ApiClient } from '../../support/server.js';
import { ApiClient as Client } from '../../support/server.js';
import { from, type ErrorBody } from '../../broker/support.js';
import { adversaryServer, dialects, operatorIn, registerPeople, ticketsOpenedBy } from './support.js';

describe.each(dialects)('the two-person rule across requests, on %s', (dialect) => {
  let server: TestServer;
  let approverA: ApiClient;
  let approverB: ApiClient;

  beforeAll(async () => {
    server = await adversaryServer(dialect);
    approverA = (await operatorIn(server, ['approver'])).client;
    approverB = (await operatorIn(server, ['approver'])).client;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('101 people read one or a few at a time, each on their own ticket: the 101st needs a two-approver grant', async () => {
    const agent = (await operatorIn(server, ['support'])).client;
    const ids = await registerPeople(server, 'split', 101);
    const refs = await ticketsOpenedBy(server, ids);
    for (let i = 0; i < 100; i++) {
      const res = await agent.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: refs[i], subjects: [ids[i]], categories: ['user.contact'] }, from('JP'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const last = await agent.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: refs[100], subjects: [ids[100]], categories: ['user.contact'] }, from('JP'));
    expect(last.status).toBe(403);
    expect(JSON.stringify(last.body)).toMatch(/broker:two-approvers/);
    // Someone already read stays readable (still 100 distinct); another operator has a count of their own.
    const again = await agent.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: refs[0], subjects: [ids[0]], categories: ['user.contact'] }, from('JP'));
    expect(again.status).toBe(200);
    const colleague = (await operatorIn(server, ['support'])).client;
    expect((await colleague.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: refs[100], subjects: [ids[100]], categories: ['user.contact'] }, from('JP'))).status).toBe(200);
  }, 120_000);

  it('tickets an agent opens about anyone are no justification until a second operator approves (or the person confirms)', async () => {
    const agent = (await operatorIn(server, ['support'])).client;
    const ids = await registerPeople(server, 'anyone', 3);
    const opened = await agent.request('POST', '/v1/ops/cases', { subjects: ids, reason: 'account' }, from('JP'));
    expect(opened.body).toMatchObject({ status: 'pending', requiredApprovals: 1 });
    const ref = (opened.body as { ref: string }).ref;
    const read = { purpose: 'SUPPORT_CASE', caseRef: ref, subjects: ids, categories: ['user.contact'] };
    const before = await agent.request('POST', '/v1/ops/access', read, from('JP'));
    expect(before.status).toBe(403);
    expect(JSON.stringify(before.body)).toMatch(/broker:case-unconfirmed/);
    // A grant cannot be asked on it either.
    const grant = await agent.request('POST', '/v1/ops/grants', { ...read, categories: ['user.content.message'], durationMinutes: 10, requestedLocation: 'JP' }, from('JP'));
    expect((grant.body as ErrorBody).error.code).toBe('UNKNOWN_CASE');
    expect((await approverA.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });
    expect((await agent.request('POST', '/v1/ops/access', read, from('JP'))).status).toBe(200);

    // A ticket about one person is confirmed by that person from the app.
    const single = await agent.request('POST', '/v1/ops/cases', { subjects: ['hanako'], reason: 'login' }, from('JP'));
    const singleRef = (single.body as { ref: string }).ref;
    const hanako = new Client(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const taro = new Client(server.url);
    await taro.signIn('taro', 'domicile-demo');
    expect((await taro.request('POST', `/v1/support/tickets/${singleRef}/confirm`)).status).toBe(404);
    expect((await hanako.request('POST', `/v1/support/tickets/${singleRef}/confirm`)).body).toMatchObject({ ref: singleRef, status: 'open' });
    expect((await agent.request('POST', '/v1/ops/access', { ...read, caseRef: singleRef, subjects: ['hanako'] }, from('JP'))).status).toBe(200);
  }, 60_000);

  it('a legitimate bulk case: an incident about 250 people, the case and the grant each approved by two, read in three requests', async () => {
    const security = (await operatorIn(server, ['security'])).client;
    const ids = await registerPeople(server, 'incident', 250);
    const opened = await security.request('POST', '/v1/ops/cases', { kind: 'incident', subjects: ids, reason: 'breach' }, from('JP'));
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ kind: 'incident', status: 'pending', requiredApprovals: 2 });
    const ref = (opened.body as { ref: string }).ref;
    expect((await security.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).status).toBe(403);
    await approverA.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'));
    expect((await approverB.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });

    const part = (n: number) => ({ purpose: 'INCIDENT_RESPONSE', caseRef: ref, subjects: ids.slice(n * 84, n * 84 + 84), categories: ['user.account'] });
    expect((await security.request('POST', '/v1/ops/access', part(0), from('JP'))).status).toBe(200);
    const splitting = await security.request('POST', '/v1/ops/access', part(1), from('JP'));
    expect(splitting.status).toBe(403);
    expect(JSON.stringify(splitting.body)).toMatch(/broker:two-approvers/);

    const granted = await security.request(
      'POST',
      '/v1/ops/grants',
      { subjects: ids, categories: ['user.account'], purpose: 'INCIDENT_RESPONSE', caseRef: ref, durationMinutes: 60, requestedLocation: 'JP' },
      from('JP'),
    );
    const grantId = (granted.body as { id: string }).id;
    await approverA.request('POST', `/v1/ops/grants/${grantId}/approve`, undefined, from('JP'));
    await approverB.request('POST', `/v1/ops/grants/${grantId}/approve`, undefined, from('JP'));
    for (const n of [1, 2]) {
      const res = await security.request('POST', '/v1/ops/access', part(n), from('JP'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((res.body as { decisions: { grantId: string | null }[] }).decisions.every((d) => d.grantId === grantId)).toBe(true);
    }
  }, 120_000);
});
