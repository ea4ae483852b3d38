// Issue 16 items 4, 5 and 12: what a refusal says and what the log records.
// - A refused grant request is logged as a decision, and never lists who the case does not concern.
// - The log names a grant only when it decided the access; naming an unusable grant is refused.
// - An id nobody holds is refused exactly like a person outside the case, and the probe is logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEntry } from '../../../src/governance/log/entry.js';
import type { ApiClient, TestServer } from '../../support/server.js';
import { entriesAbout, entriesSince, from, logSize, type ErrorBody } from '../../broker/support.js';
import { adversaryServer, dialects, operatorIn } from './support.js';

describe.each(dialects)('refusals, on %s', (dialect) => {
  let server: TestServer;
  let support: ApiClient;
  let supportId: string;
  let approver: ApiClient;
  const grantBody = { subjects: ['hanako'], categories: ['user.content.message'], fields: ['text'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001', durationMinutes: 15, requestedLocation: 'JP' };

  beforeAll(async () => {
    server = await adversaryServer(dialect);
    ({ id: supportId, client: support } = await operatorIn(server, ['support']));
    approver = (await operatorIn(server, ['approver'])).client;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /** The answer with its request-specific ids taken out, to compare two refusals. */
  const shape = (body: unknown): string => JSON.stringify(body).replace(/(acc|ge)-[0-9a-f]{16,24}/g, 'ID');

  it('16.4: a refused grant request is logged as a decision and names none of the people outside the case', async () => {
    const kr = logSize(server, 'KR');
    const refused = await support.request('POST', '/v1/ops/grants', { ...grantBody, subjects: ['hanako', 'minjun'] }, from('JP'));
    expect(refused.status).toBe(404);
    const error = (refused.body as ErrorBody).error;
    expect(error.code).toBe('UNKNOWN_CASE');
    expect(JSON.stringify(refused.body)).not.toMatch(/minjun/);
    await server.runtime.governance.journal.flush();
    const inJp = (await entriesAbout(server, 'hanako', 5)).find((e) => e.action === 'grant-refuse');
    expect(inJp).toMatchObject({ decision: 'deny', actor: supportId, caseRef: 'T-1001', grantId: null, subjects: ['hanako'], purpose: 'SUPPORT_CASE' });
    const inKr = (await entriesSince(server, 'KR', kr)).find((e) => e.action === 'grant-refuse');
    expect(inKr).toMatchObject({ decision: 'deny', subjects: ['minjun'] });
    // An id nobody holds: the same answer, logged naming no one in every jurisdiction.
    const jp = logSize(server, 'JP');
    const kr2 = logSize(server, 'KR');
    const probe = await support.request('POST', '/v1/ops/grants', { ...grantBody, subjects: ['hanako', 'nobody-here'] }, from('JP'));
    expect(shape(probe.body)).toBe(shape(refused.body));
    await server.runtime.governance.journal.flush();
    const refusedIn = async (j: string, since: number) => (await entriesSince(server, j, since)).filter((e) => e.action === 'grant-refuse').map((e) => e.subjects);
    expect(await refusedIn('JP', jp)).toEqual([['hanako']]);
    expect(await refusedIn('KR', kr2)).toEqual([[]]);
  });

  it('16.12: naming an id nobody holds is refused exactly like naming someone outside the case, and logged', async () => {
    const read = { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', categories: ['user.contact'] };
    const outside = await support.request('POST', '/v1/ops/access', { ...read, subjects: ['hanako', 'taro'] }, from('JP'));
    const jp = logSize(server, 'JP');
    const kr = logSize(server, 'KR');
    const nobody = await support.request('POST', '/v1/ops/access', { ...read, subjects: ['hanako', 'no-such-person'] }, from('JP'));
    expect(outside.status).toBe(403);
    expect(nobody.status).toBe(403);
    expect(shape(nobody.body)).toBe(shape(outside.body));
    expect(JSON.stringify(nobody.body)).not.toMatch(/no-such-person|taro|hanako/);
    const requestId = ((nobody.body as ErrorBody).error.details as { requestId: string }).requestId;
    const logged: AccessEntry[] = [...(await entriesSince(server, 'JP', jp)), ...(await entriesSince(server, 'KR', kr))].filter((e) => e.eventId.startsWith(requestId));
    expect(logged.map((e) => [e.subjectJurisdiction, e.subjects, e.decision, e.policyIds]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))).toEqual([
      ['JP', ['hanako'], 'deny', ['broker:case-scope']],
      ['JP', [], 'deny', ['broker:case-scope']],
      ['KR', [], 'deny', ['broker:case-scope']],
    ]);
  });

  it('16.5: naming a missing, someone else’s or a non-covering grant is refused, and an entry names a grant only when it decided', async () => {
    const content = { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.content.message'] };
    const missing = await support.request('POST', '/v1/ops/access', { ...content, categories: ['user.contact'], grantId: 'gr-0000000000000000' }, from('JP'));
    expect(JSON.stringify(missing.body)).toMatch(/broker:unusable-grant/);
    expect((await entriesAbout(server, 'hanako', 1))[0]).toMatchObject({ decision: 'deny', grantId: null });

    const colleague = await operatorIn(server, ['support']);
    const theirs = await colleague.client.request('POST', '/v1/ops/grants', grantBody, from('JP'));
    const theirId = (theirs.body as { id: string }).id;
    await approver.request('POST', `/v1/ops/grants/${theirId}/approve`, undefined, from('JP'));
    const borrowed = await support.request('POST', '/v1/ops/access', { ...content, grantId: theirId }, from('JP'));
    expect(JSON.stringify(borrowed.body)).toMatch(/broker:unusable-grant/);
    // Contact data is allowed on the operator's role; naming their content grant for it is refused, not logged as that grant.
    const mine = await support.request('POST', '/v1/ops/grants', grantBody, from('JP'));
    const myId = (mine.body as { id: string }).id;
    await approver.request('POST', `/v1/ops/grants/${myId}/approve`, undefined, from('JP'));
    const notCovering = await support.request('POST', '/v1/ops/access', { ...content, categories: ['user.contact'], grantId: myId }, from('JP'));
    expect(JSON.stringify(notCovering.body)).toMatch(/broker:unusable-grant/);
    expect((await entriesAbout(server, 'hanako', 1))[0]).toMatchObject({ decision: 'deny', grantId: null });
    const notCoveringSubject = await support.request('POST', '/v1/ops/access', { ...content, caseRef: 'T-1001', grantId: myId, subjects: ['hanako'], categories: ['user.content.media'] }, from('JP'));
    expect(JSON.stringify(notCoveringSubject.body)).toMatch(/broker:unusable-grant/);
    // The grant that decided: logged with it.
    const used = await support.request('POST', '/v1/ops/access', { ...content, grantId: myId }, from('JP'));
    expect(used.status).toBe(200);
    expect((await entriesAbout(server, 'hanako', 1))[0]).toMatchObject({ decision: 'allow', grantId: myId });
  });
});
