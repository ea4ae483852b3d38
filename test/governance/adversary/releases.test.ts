// Issue 16 items 6 and 8: what a release may contain and on what basis.
// - A case read releases the cited case only, and nothing masked is repeated in clear beside it.
// - A contractor's conforming-system basis covers only what its contract covers (Seoul Cloud
//   Co. stores data; its staff do not read it), and INCIDENT_RESPONSE and LEGAL_REQUEST cite
//   cases of those kinds, not a support ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformingSystemStatus, loadRegistries } from '../../../src/governance/transfers/registry.js';
import { ApiClient, type TestServer } from '../../support/server.js';
import { from, signInOperator } from '../../broker/support.js';
import { adversaryServer, dialects, operatorIn } from './support.js';

type Released = { records: { recordId: string; category: string; fields: Record<string, unknown> }[] };

describe('a contract’s uses (registries/recipients.json)', () => {
  it('Seoul Cloud Co.’s contract covers storing data of Japanese people, not reading it', () => {
    const seoul = loadRegistries().recipient('seoul-cloud');
    if (!seoul) throw new Error('seoul-cloud is not registered');
    const at = new Date('2026-12-01T00:00:00Z');
    expect(conformingSystemStatus(seoul, at, 'JP', { operation: 'store', category: 'user.content.media' })).toMatchObject({ valid: true });
    expect(conformingSystemStatus(seoul, at, 'JP', { operation: 'read', category: 'user.contact.email' })).toMatchObject({ valid: false, reason: 'use-not-covered' });
  });
});

describe.each(dialects)('releases, on %s', (dialect) => {
  let server: TestServer;
  let reportRef = '';

  beforeAll(async () => {
    server = await adversaryServer(dialect);
    // hanako reports a message taro sent her: a second case about her.
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string }[] };
    for (const conversation of list.conversations) {
      const history = (await hanako.request('GET', `/v1/conversations/${conversation.id}/messages`)).body as { messages: { id: string; senderId: string; kind: string }[] };
      const theirs = history.messages.find((m) => m.senderId === 'taro' && m.kind === 'text');
      if (!theirs) continue;
      reportRef = ((await hanako.request('POST', `/v1/conversations/${conversation.id}/messages/${theirs.id}/report`, { reason: 'spam' })).body as { caseRef: string }).caseRef;
      break;
    }
    expect(reportRef).toMatch(/^R-/);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('16.6: reading cases citing T-1001 releases T-1001 only, its masked ref not repeated in clear as the record id', async () => {
    const support = (await operatorIn(server, ['support'])).client;
    const res = await support.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.support.case'] }, from('JP'));
    expect(res.status).toBe(200);
    const { records } = res.body as Released;
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain(reportRef);
    const [record] = records;
    expect(record?.fields.ref ?? null).toBeNull();
    expect(record?.recordId).not.toBe('T-1001');
    expect(record?.recordId).toMatch(/^h:/);
    // Naming the other case's record does not reach it either.
    const other = await support.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.support.case'], records: [reportRef] }, from('JP'));
    expect((other.body as Released).records).toEqual([]);
  });

  it('16.8: a Seoul Cloud engineer in Korea reads no Japanese person’s data, and a support ticket is no incident', async () => {
    const seoul = await signInOperator(server, 'op-seoul-eng', from('KR'));
    const incident = await seoul.request('POST', '/v1/ops/access', { purpose: 'INCIDENT_RESPONSE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, from('KR'));
    expect(incident.status).toBe(403);
    expect(JSON.stringify(incident.body)).toMatch(/broker:case-purpose/);
    const operation = await seoul.request('POST', '/v1/ops/access', { purpose: 'SERVICE_OPERATION', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, from('KR'));
    expect(operation.status).toBe(403);
    expect(JSON.stringify(operation.body)).toMatch(/residency/);

    // A lawful request cites a legal case, opened by security and approved by another operator.
    const security = (await operatorIn(server, ['security'])).client;
    const onTicket = await security.request('POST', '/v1/ops/access', { purpose: 'LEGAL_REQUEST', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.account'] }, from('JP'));
    expect(JSON.stringify(onTicket.body)).toMatch(/broker:case-purpose/);
    const opened = await security.request('POST', '/v1/ops/cases', { kind: 'legal', subjects: ['hanako'], reason: 'court-order' }, from('JP'));
    const ref = (opened.body as { ref: string }).ref;
    const approver = (await operatorIn(server, ['approver'])).client;
    await approver.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'));
    const lawful = await security.request('POST', '/v1/ops/access', { purpose: 'LEGAL_REQUEST', caseRef: ref, subjects: ['hanako'], categories: ['user.account'] }, from('JP'));
    expect(lawful.status, JSON.stringify(lawful.body)).toBe(200);
  });
});
