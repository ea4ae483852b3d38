// Deny by default, fail closed: an unknown country, a missing or damaged attribute, policies
// that do not parse, an expired grant and an unknown case each end in a logged refusal.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { copyDefaultPolicies } from '../../src/governance/policy/policy.test-support.js';
import { startTestServer, type ApiClient, type TestServer } from '../support/server.js';
import { entriesAbout, from, makeOperator, signInOperator, type ErrorBody } from './support.js';

let server: TestServer;
let support: ApiClient;
let supportId = '';
const contact = { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] };

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  supportId = await makeOperator(server, { roles: ['support'] });
  support = await signInOperator(server, supportId, from('JP'));
});
afterAll(async () => {
  await server.close();
});

async function refused(res: { status: number; body: unknown }): Promise<{ policyIds: string[]; reasons: string[]; requestId: string; logged: AccessEntry[] }> {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  const error = (res.body as ErrorBody).error;
  expect(error.code).toBe('ACCESS_DENIED');
  const details = error.details as { requestId: string; decisions: { policyIds: string[]; reasons: string[] }[] };
  const logged = (await entriesAbout(server, 'hanako')).filter((e) => e.eventId.startsWith(details.requestId));
  expect(logged.length).toBeGreaterThan(0);
  for (const entry of logged) expect(entry).toMatchObject({ decision: 'deny', released: 0 });
  return { policyIds: details.decisions.flatMap((d) => d.policyIds), reasons: details.decisions.flatMap((d) => d.reasons), requestId: details.requestId, logged };
}

describe('unknown country', () => {
  it('a request from an address without a country (loopback, private, no trusted hop) is refused and logged', async () => {
    const sources: Record<string, string>[] = [{}, { 'x-forwarded-for': '10.1.2.3' }, { 'x-forwarded-for': '192.168.1.1' }, { 'x-forwarded-for': 'garbage' }];
    for (const headers of sources) {
      const denied = await refused(await support.request('POST', '/v1/ops/access', contact, headers));
      expect(denied.policyIds).toContain('broker:fail-closed');
      expect(denied.reasons.join(' ')).toMatch(/physicalCountry/);
    }
    const entry = (await entriesAbout(server, 'hanako', 1))[0];
    expect(entry?.actorPhysicalCountry).toBeNull();
  });

  it('sign-in from an address without a country is refused', async () => {
    const { ApiClient } = await import('../support/server.js');
    const { freshCode } = await import('./support.js');
    const res = await new ApiClient(server.url).request('POST', '/v1/ops/auth/signin', { operatorId: supportId, password: 'domicile-ops-demo', code: await freshCode(supportId) });
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.code).toBe('LOCATION_UNKNOWN');
  });

  it('a simulated address is refused outside demo mode', async () => {
    const res = await support.request('POST', '/v1/ops/access', contact, { 'x-domicile-simulated-address': '133.242.0.1' });
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.code).toBe('SIMULATION_NOT_ALLOWED');
  });
});

describe('missing or damaged attributes', () => {
  it('an operator whose stored office country or roles are damaged is refused, and the refusal is still logged', async () => {
    const db = server.runtime.directory.db;
    const id = await makeOperator(server, { roles: ['support'] });
    const client = await signInOperator(server, id, from('JP'));
    await db.updateTable('operator').set({ office_country: '' }).where('id', '=', id).execute();
    const noOffice = await refused(await client.request('POST', '/v1/ops/access', contact, from('JP')));
    expect(noOffice.reasons.join(' ')).toMatch(/operator\.officeCountry/);
    await db.updateTable('operator').set({ office_country: 'JP', roles: JSON.stringify(['support', 'superuser']) }).where('id', '=', id).execute();
    const badRole = await refused(await client.request('POST', '/v1/ops/access', contact, from('JP')));
    expect(badRole.reasons.join(' ')).toMatch(/operator\.roles/);
  });
});

describe('cases', () => {
  it('an unknown case, a case about someone else and a closed case are refused and logged', async () => {
    const unknown = await refused(await support.request('POST', '/v1/ops/access', { ...contact, caseRef: 'T-999999' }, from('JP')));
    expect(unknown.policyIds).toEqual(['broker:unknown-case']);
    const elsewhere = await refused(await support.request('POST', '/v1/ops/access', { ...contact, caseRef: 'T-2001' }, from('JP')));
    expect(elsewhere.policyIds).toEqual(['broker:case-scope']);
    const opened = await support.request('POST', '/v1/ops/cases', { subjects: ['hanako'], reason: 'billing' }, from('JP'));
    expect(opened.status).toBe(201);
    const ref = (opened.body as { ref: string }).ref;
    // Opened by staff: not a case to cite until a second operator approves it.
    const unconfirmed = await refused(await support.request('POST', '/v1/ops/access', { ...contact, caseRef: ref }, from('JP')));
    expect(unconfirmed.policyIds).toEqual(['broker:case-unconfirmed']);
    const approver = await signInOperator(server, await makeOperator(server, { roles: ['approver'] }), from('JP'));
    expect((await approver.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });
    expect((await support.request('POST', '/v1/ops/access', { ...contact, caseRef: ref }, from('JP'))).status).toBe(200);
    expect((await support.request('POST', `/v1/ops/cases/${ref}/close`, undefined, from('JP'))).status).toBe(200);
    const closed = await refused(await support.request('POST', '/v1/ops/access', { ...contact, caseRef: ref }, from('JP')));
    expect(closed.policyIds).toEqual(['broker:case-closed']);
  });
});

describe('grants', () => {
  it('an expired grant stops working at once, and its end is logged', async () => {
    const approver = await signInOperator(server, await makeOperator(server, { roles: ['approver'] }), from('JP'));
    const content = { ...contact, categories: ['user.content.message'] };
    const before = await refused(await support.request('POST', '/v1/ops/access', content, from('JP')));
    expect(before.policyIds).toEqual(['content-needs-grant']);
    const requested = await support.request(
      'POST',
      '/v1/ops/grants',
      { subjects: ['hanako'], categories: ['user.content.message'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001', durationMinutes: 30, requestedLocation: 'JP' },
      from('JP'),
    );
    expect(requested.status).toBe(201);
    const grantId = (requested.body as { id: string }).id;
    expect((await approver.request('POST', `/v1/ops/grants/${grantId}/approve`, undefined, from('JP'))).status).toBe(200);
    const during = await support.request('POST', '/v1/ops/access', content, from('JP'));
    expect(during.status).toBe(200);
    expect((during.body as { records: { fields: { text: string | null } }[] }).records.some((r) => typeof r.fields.text === 'string')).toBe(true);

    // The clock passes the expiry: no sweep has run, and the grant no longer works.
    await server.runtime.directory.db.updateTable('access_grant').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', grantId).execute();
    const after = await refused(await support.request('POST', '/v1/ops/access', content, from('JP')));
    expect(after.policyIds).toEqual(['content-needs-grant']);
    const named = await refused(await support.request('POST', '/v1/ops/access', { ...content, grantId }, from('JP')));
    // Naming the expired grant is refused outright, and the log does not name a grant that decided nothing.
    expect(named.policyIds).toEqual(['broker:unusable-grant']);
    expect(named.logged.map((e) => e.grantId)).toEqual(named.logged.map(() => null));

    // The serving process's sweep (every second) may have expired it already; either way it
    // expires once, and that end is logged once. (Reading "the newest entry about hanako" or
    // expecting this call to be the one that expires it raced with that sweep.)
    await server.runtime.governance.grants.expireDue();
    await server.runtime.governance.journal.flush();
    const row = await server.runtime.directory.db.selectFrom('access_grant').select(['status', 'ended_by']).where('id', '=', grantId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'expired', ended_by: 'system:grants' });
    const actions = (await entriesAbout(server, 'hanako', 30)).filter((e) => e.grantId === grantId).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('grant-')).sort()).toEqual(['grant-approve', 'grant-expire', 'grant-request']);
  });
});

describe('unparsable policies', () => {
  it('leave the service running and refuse every operator access, logged', async () => {
    const policies = copyDefaultPolicies();
    fs.writeFileSync(`${policies.dir}/broken.cedar`, 'permit (principal, action, resource) when { this is not cedar };');
    const broken = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'], policyDir: policies.dir });
    try {
      expect(broken.runtime.governance.policy().engine).toBeNull();
      const client = await signInOperator(broken, 'op-tokyo-support', from('JP'));
      const res = await client.request('POST', '/v1/ops/access', contact, from('JP'));
      expect(res.status).toBe(403);
      const details = (res.body as ErrorBody).error.details as { requestId: string; decisions: { policyIds: string[] }[] };
      expect(details.decisions[0]?.policyIds).toEqual(['broker:policy-unavailable']);
      const logged = (await entriesAbout(broken, 'hanako')).filter((e) => e.eventId.startsWith(details.requestId));
      expect(logged).toHaveLength(1);
    } finally {
      await broken.close();
      policies.cleanup();
    }
  });
});
