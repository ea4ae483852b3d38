// Issue 14 hole 4: a support operator cannot open a case about anyone and read at once. A case
// comes from the person (a ticket they open in the app) or is opened by one operator and approved
// by another; opening, approving and closing are entries in the subjects' jurisdictions' logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type TestServer } from '../../support/server.js';
import { entriesAbout, from, type ErrorBody } from '../../broker/support.js';
import { adversaryServer, dialects, operatorIn } from './support.js';

describe.each(dialects)('cases, on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await adversaryServer(dialect);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('a case an operator opens is pending; its opener cannot approve it; once approved it can be read; each step is in every subject’s log', async () => {
    const support = await operatorIn(server, ['support', 'approver']);
    const approver = await operatorIn(server, ['approver']);
    const opened = await support.client.request('POST', '/v1/ops/cases', { subjects: ['hanako', 'minjun'], reason: 'account' }, from('JP'));
    expect(opened.status).toBe(201);
    const ref = (opened.body as { ref: string }).ref;
    const read = { purpose: 'SUPPORT_CASE', caseRef: ref, subjects: ['hanako'], categories: ['user.contact'] };
    expect(JSON.stringify((await support.client.request('POST', '/v1/ops/access', read, from('JP'))).body)).toMatch(/broker:case-unconfirmed/);
    const self = await support.client.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'));
    expect((self.body as ErrorBody).error.code).toBe('SELF_APPROVAL');
    const plain = await operatorIn(server, ['support']);
    expect((await plain.client.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).status).toBe(403);
    expect((await approver.client.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });
    expect((await approver.client.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).status).toBe(409);
    expect((await support.client.request('POST', '/v1/ops/access', read, from('JP'))).status).toBe(200);
    expect((await support.client.request('POST', `/v1/ops/cases/${ref}/close`, undefined, from('JP'))).body).toMatchObject({ status: 'closed' });
    expect(JSON.stringify((await support.client.request('POST', '/v1/ops/access', read, from('JP'))).body)).toMatch(/broker:case-closed/);

    await server.runtime.governance.journal.flush();
    for (const [subject, jurisdiction] of [['hanako', 'JP'], ['minjun', 'KR']] as const) {
      const steps = (await entriesAbout(server, subject, 30)).filter((e) => e.caseRef === ref && e.action.startsWith('case-'));
      expect(steps.map((e) => [e.action, e.actor, e.subjectJurisdiction, e.purpose])).toEqual([
        ['case-close', support.id, jurisdiction, 'SUPPORT_CASE'],
        ['case-approve', approver.id, jurisdiction, 'SUPPORT_CASE'],
        ['case-open', support.id, jurisdiction, 'SUPPORT_CASE'],
      ]);
      expect(steps.every((e) => e.subjects.includes(subject) && e.categories.length === 0 && e.decision === 'allow')).toBe(true);
    }
  });

  it('a ticket the person opens in the app is open at once, and logged in their jurisdiction', async () => {
    const minjun = new ApiClient(server.url);
    await minjun.signIn('minjun', 'domicile-demo');
    const opened = await minjun.request('POST', '/v1/support/tickets', { reason: 'billing' });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'open', reason: 'billing' });
    const ref = (opened.body as { ref: string }).ref;
    expect((await minjun.request('POST', '/v1/support/tickets', { reason: 'gossip' })).status).toBe(400);
    expect((await new ApiClient(server.url).request('POST', '/v1/support/tickets', { reason: 'billing' })).status).toBe(401);
    await server.runtime.governance.journal.flush();
    const entry = (await entriesAbout(server, 'minjun', 10)).find((e) => e.caseRef === ref);
    expect(entry).toMatchObject({ action: 'case-open', subjectJurisdiction: 'KR', subjects: ['minjun'], decision: 'allow' });
    const found = await server.runtime.governance.cases.find(ref);
    expect(found).toMatchObject({ status: 'open', openedBy: 'minjun', requiredApprovals: 0 });
  });

  it('a case found again names its own people, from every cell, while its status is read afresh', async () => {
    // cases.find keeps each case's people (they never change once it exists): two cases found in
    // turn must each keep theirs, and a step taken meanwhile (approval, closing) must show.
    const support = await operatorIn(server, ['support']);
    const approver = await operatorIn(server, ['approver']);
    const open = async (subjects: string[]): Promise<string> => {
      const opened = await support.client.request('POST', '/v1/ops/cases', { subjects, reason: 'account' }, from('JP'));
      expect(opened.status).toBe(201);
      return (opened.body as { ref: string }).ref;
    };
    const both = await open(['minjun', 'hanako']);
    const one = await open(['hanako']);
    const { cases } = server.runtime.governance;
    const people = async (ref: string) => (await cases.find(ref))?.subjects.map((s) => s.id);
    for (let i = 0; i < 2; i++) {
      expect(await people(both)).toEqual(['hanako', 'minjun']);
      expect(await people(one)).toEqual(['hanako']);
    }
    expect(await cases.find(both)).toMatchObject({ status: 'pending', approvals: [] });
    await approver.client.request('POST', `/v1/ops/cases/${both}/approve`, undefined, from('JP'));
    expect(await cases.find(both)).toMatchObject({ status: 'open', approvals: [{ approverId: approver.id }] });
    await support.client.request('POST', `/v1/ops/cases/${both}/close`, undefined, from('JP'));
    expect(await cases.find(both)).toMatchObject({ status: 'closed', subjects: [{ id: 'hanako' }, { id: 'minjun' }] });
  });

  it('only the roles of a kind open it: support tickets by support, incidents by security or engineers, legal cases by security', async () => {
    const support = await operatorIn(server, ['support']);
    const incident = await support.client.request('POST', '/v1/ops/cases', { kind: 'incident', subjects: ['hanako'], reason: 'breach' }, from('JP'));
    expect((incident.body as ErrorBody).error.code).toBe('FORBIDDEN');
    const engineer = await operatorIn(server, ['engineer']);
    expect((await engineer.client.request('POST', '/v1/ops/cases', { kind: 'legal', subjects: ['hanako'], reason: 'court-order' }, from('JP'))).status).toBe(403);
    expect((await engineer.client.request('POST', '/v1/ops/cases', { kind: 'incident', subjects: ['hanako'], reason: 'court-order' }, from('JP'))).status).toBe(400);
  });
});
