// Issues 16.3 and 16.12, held against an adversary: a case about a JP and a KR person keeps the
// row naming the KR person in Korea (read from the cells' tables directly); its status is written
// in the case's cell and in the index alike; and opening a case about an id nobody holds answers
// exactly like opening one about anyone — no "no user X" that tells an operator who exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../support/server.js';
import { from } from '../../broker/support.js';
import { adversaryServer, dialects, operatorIn } from './support.js';

describe.each(dialects)('cases kept at their subjects’ homes, on %s', (dialect) => {
  let server: TestServer;
  const cell = (id: string) => server.runtime.cells.get(id).db;

  beforeAll(async () => {
    server = await adversaryServer(dialect);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('writes no case row about a KR person into Japan; the status moves in the cell and the index alike', async () => {
    const support = await operatorIn(server, ['support']);
    const approver = await operatorIn(server, ['approver']);
    const opened = await support.client.request('POST', '/v1/ops/cases', { subjects: ['hanako', 'minjun'], reason: 'account' }, from('JP'));
    expect(opened.status).toBe(201);
    const ref = (opened.body as { ref: string }).ref;
    expect(await cell('jp').selectFrom('case_subject').select('subject_id').where('case_ref', '=', ref).execute()).toEqual([{ subject_id: 'hanako' }]);
    expect(await cell('kr').selectFrom('case_subject').select('subject_id').where('case_ref', '=', ref).execute()).toEqual([{ subject_id: 'minjun' }]);
    expect(await cell('jp').selectFrom('case_subject').select('subject_id').where('subject_home', '=', 'KR').execute()).toEqual([]);
    expect(await cell('jp').selectFrom('case_record').select('subject_id').where('subject_home', '=', 'KR').execute()).toEqual([]);

    expect((await approver.client.request('POST', `/v1/ops/cases/${ref}/approve`, undefined, from('JP'))).body).toMatchObject({ status: 'open' });
    const stored = await cell('jp').selectFrom('case_record').select('status').where('ref', '=', ref).executeTakeFirstOrThrow();
    const indexed = await server.runtime.directory.db.selectFrom('case_index').select('status').where('ref', '=', ref).executeTakeFirstOrThrow();
    expect([stored.status, indexed.status]).toEqual(['open', 'open']);
    const found = await server.runtime.governance.cases.find(ref);
    expect(found?.subjects.map((s) => s.id)).toEqual(['hanako', 'minjun']);
  });

  it('answers a case about an unknown id exactly like one about anyone', async () => {
    const support = await operatorIn(server, ['support']);
    const shape = (body: unknown) => Object.keys(body as object).sort();
    const known = await support.client.request('POST', '/v1/ops/cases', { subjects: ['taro'], reason: 'login' }, from('JP'));
    const unknown = await support.client.request('POST', '/v1/ops/cases', { subjects: ['nobody-at-all'], reason: 'login' }, from('JP'));
    const mixed = await support.client.request('POST', '/v1/ops/cases', { subjects: ['taro', 'nobody-either'], reason: 'login' }, from('JP'));
    for (const res of [known, unknown, mixed]) {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'pending', kind: 'support', requiredApprovals: 1 });
      expect(shape(res.body)).toEqual(shape(known.body));
    }
    expect(JSON.stringify(unknown.body)).not.toContain('nobody');
  });
});
