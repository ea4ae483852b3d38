// Issues 16.3 and 14.9, held against an adversary: no row about a person enters a cell outside
// their jurisdiction without the transfer gate. The demo's "Tokyo trip" group is stored in Japan;
// Seo-yeon and Ji-woo (home KR, no consent) were added to it. The JP cell's tables are read
// directly: nothing about them is there; each holds an invitation in the KR cell. Accepting
// without consent answers 409 with the notice; after consent the membership is written through
// the gate with a transfer record. Withdrawal stops receipts and notices; abuse reports about KR
// people stay in Korea; the residency scan finds a row written around the gate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanResidency } from '../../../src/cells/residency.scan.js';
import type { PersonalTable } from '../../../src/cells/cell.schema.js';
import { transferRecordsOf } from '../../../src/governance/transfers/transfer.repository.js';
import { dialects } from '../../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../../support/server.js';

interface ErrorBody {
  error: { code: string; details?: Record<string, unknown> };
}

describe.each(dialects)('writes of a person into a foreign cell (%s cells)', (dialect) => {
  let server: TestServer;
  let tripId = '';
  const jp = () => server.runtime.cells.get('jp');
  const kr = () => server.runtime.cells.get('kr');
  /** Every personal row about `subjectId` in the JP cell, table by table (transfer records aside: none are there). */
  const rowsInJapan = async (subjectId: string): Promise<string[]> => {
    const found: string[] = [];
    for (const table of server.runtime.cells.schema.personalTables as PersonalTable[]) {
      const rows = await jp().db.selectFrom(table).select('subject_id').where('subject_id', '=', subjectId).execute();
      if (rows.length > 0) found.push(`${table}:${rows.length}`);
    }
    return found;
  };
  const systemRowsOf = async (subjectId: string) =>
    jp().db.selectFrom('message').select(['id', 'text']).where('conversation_id', '=', tripId).where('subject_id', '=', subjectId).where('kind', '=', 'system').execute();
  const signedIn = async (handle: string): Promise<ApiClient> => {
    const client = new ApiClient(server.url);
    await client.signIn(handle, 'domicile-demo');
    return client;
  };
  const foreignViolations = async () => (await scanResidency({ cells: server.runtime.cells })).violations.filter((v) => /transfer gate/.test(v.problem));

  beforeAll(async () => {
    server = await startTestServer({ demo: true, dialect });
    const hanako = await signedIn('hanako');
    const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; title: string }[] };
    tripId = list.conversations.find((c) => c.title === 'Tokyo trip')?.id ?? '';
    expect(tripId).not.toBe('');
    const conversation = await server.runtime.messaging.conversations.find(tripId);
    expect(server.runtime.cells.get(conversation?.cellId ?? '').jurisdiction).toBe('JP');
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  it('writes nothing about an unconsented KR person into Japan: an invitation waits in Korea', async () => {
    for (const id of ['seoyeon', 'jiwoo']) {
      expect(await rowsInJapan(id)).toEqual([]);
      const invitation = await kr().db.selectFrom('invitation').selectAll().where('subject_id', '=', id).where('conversation_id', '=', tripId).executeTakeFirst();
      expect(invitation).toMatchObject({ conversation_cell: 'jp', inviter_id: 'hanako', subject_home: 'KR', cell_id: 'kr' });
      expect(await transferRecordsOf(kr().db, id)).toEqual([]);
    }
    // The consented KR member is there, with her transfer on record; the demo scans clean.
    expect((await server.runtime.messaging.conversations.find(tripId))?.members.has('minjun')).toBe(true);
    expect(await foreignViolations()).toEqual([]);
  });

  it('shows the invitation among her requests; accepting without consent answers 409 with the notice and writes nothing', async () => {
    const seoyeon = await signedIn('seoyeon');
    const list = (await seoyeon.request('GET', '/v1/conversations')).body as { conversations: { id: string; requestFrom: string | null; storedIn: { jurisdiction: string }; lastMessage: unknown }[] };
    const shown = list.conversations.find((c) => c.id === tripId);
    expect(shown).toMatchObject({ requestFrom: 'hanako', storedIn: { jurisdiction: 'JP' }, lastMessage: null });
    const messages = await seoyeon.request('GET', `/v1/conversations/${tripId}/messages`);
    expect(messages.status).toBe(404);

    const refused = await seoyeon.request('POST', `/v1/conversations/${tripId}/accept`);
    expect(refused.status).toBe(409);
    const error = (refused.body as ErrorBody).error;
    expect(error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(error.details).toMatchObject({ noticeId: 'kr-messages-jp', noticeVersion: 2, destination: 'JP', recipient: 'nihon-talk', category: 'user.content.conversation.membership' });
    expect(await rowsInJapan('seoyeon')).toEqual([]);
  });

  it('after consent, accepting writes the membership through the gate with a transfer record', async () => {
    const seoyeon = await signedIn('seoyeon');
    expect((await seoyeon.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
    expect((await seoyeon.request('POST', `/v1/conversations/${tripId}/accept`)).status).toBe(204);
    await server.runtime.transfers.gate.drain();
    const membership = await jp().db.selectFrom('membership').selectAll().where('conversation_id', '=', tripId).where('subject_id', '=', 'seoyeon').executeTakeFirst();
    expect(membership).toMatchObject({ role: 'member', subject_home: 'KR', request_from: null });
    const records = await transferRecordsOf(kr().db, 'seoyeon');
    expect(records.map((r) => r.data_category)).toContain('user.content.conversation.membership');
    expect(records.every((r) => r.destination === 'JP' && r.basis === 'consent')).toBe(true);
    expect(await kr().db.selectFrom('invitation').selectAll().where('subject_id', '=', 'seoyeon').execute()).toEqual([]);
    expect(await systemRowsOf('seoyeon')).toHaveLength(1);
    expect((await seoyeon.request('POST', `/v1/conversations/${tripId}/messages`, { clientId: 'hello-1', text: 'Hi all!' })).status).toBe(201);
    expect(await foreignViolations()).toEqual([]);
  });

  it('after withdrawal: no read receipt and no "… left" is written in Japan, the person still leaves', async () => {
    const seoyeon = await signedIn('seoyeon');
    const consents = (await seoyeon.request('GET', '/v1/me/consents')).body as { consents: { receiptId: string; status: string }[] };
    const given = consents.consents.find((c) => c.status === 'given');
    expect((await seoyeon.request('POST', `/v1/me/consents/${given?.receiptId ?? ''}/withdraw`)).status).toBe(200);
    const hanako = await signedIn('hanako');
    const newer = (await hanako.request('POST', `/v1/conversations/${tripId}/messages`, { clientId: 'after-withdrawal', text: 'Dinner at 7?' })).body as { seq: number };
    const before = await jp().db.selectFrom('membership').select('last_read_seq').where('conversation_id', '=', tripId).where('subject_id', '=', 'seoyeon').executeTakeFirstOrThrow();
    const read = await seoyeon.request('POST', `/v1/conversations/${tripId}/read`, { seq: newer.seq });
    expect(read.status).toBe(409);
    expect((read.body as ErrorBody).error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    const after = await jp().db.selectFrom('membership').select('last_read_seq').where('conversation_id', '=', tripId).where('subject_id', '=', 'seoyeon').executeTakeFirstOrThrow();
    expect(Number(after.last_read_seq)).toBe(Number(before.last_read_seq));

    const system = (await systemRowsOf('seoyeon')).length;
    expect((await seoyeon.request('DELETE', `/v1/conversations/${tripId}/members/seoyeon`)).status).toBe(204);
    expect((await server.runtime.messaging.conversations.find(tripId))?.members.has('seoyeon')).toBe(false);
    expect(await systemRowsOf('seoyeon')).toHaveLength(system);
  });

  it('a group or direct chat with an unconsented KR person: invitations, and no "… added jiwoo" abroad', async () => {
    const hanako = await signedIn('hanako');
    const group = (await hanako.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['taro'], title: 'Lunch' })).body as { id: string };
    expect((await hanako.request('POST', `/v1/conversations/${group.id}/members`, { userId: 'jiwoo' })).status).toBe(201);
    const direct = (await hanako.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['jiwoo'] })).body as { id: string };
    expect(await rowsInJapan('jiwoo')).toEqual([]);
    const texts = await jp().db.selectFrom('message').select('text').where('conversation_id', '=', group.id).where('kind', '=', 'system').execute();
    expect(texts.some((t) => String(t.text).includes('jiwoo'))).toBe(false);
    const invitations = await kr().db.selectFrom('invitation').select('conversation_id').where('subject_id', '=', 'jiwoo').execute();
    expect(invitations.map((i) => i.conversation_id)).toEqual(expect.arrayContaining([tripId, group.id, direct.id]));
    // Declining drops the invitation, at home.
    const jiwoo = await signedIn('jiwoo');
    expect((await jiwoo.request('POST', `/v1/conversations/${group.id}/decline`)).status).toBe(204);
    expect(await kr().db.selectFrom('invitation').selectAll().where('subject_id', '=', 'jiwoo').where('conversation_id', '=', group.id).execute()).toEqual([]);
  });

  it('following a channel stored in Japan needs the basis too', async () => {
    const jiwoo = await signedIn('jiwoo');
    const follow = await jiwoo.request('POST', '/v1/official-accounts/minato-city/follow');
    expect(follow.status).toBe(409);
    expect((follow.body as ErrorBody).error.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(await rowsInJapan('jiwoo')).toEqual([]);
  });

  it('keeps an abuse report about KR people in Korea, and its case rows about JP people in Japan', async () => {
    const hanako = await signedIn('hanako');
    const sent = (await hanako.request('POST', `/v1/conversations/${tripId}/messages`, { clientId: 'rpt-1', text: 'see you at the gate' })).body as { id: string };
    const minjun = await signedIn('minjun');
    const reported = await minjun.request('POST', `/v1/conversations/${tripId}/messages/${sent.id}/report`, { reason: 'spam' });
    expect(reported.status).toBeLessThan(300);
    const ref = (reported.body as { caseRef: string }).caseRef;
    expect(await jp().db.selectFrom('case_record').select('ref').where('ref', '=', ref).execute()).toEqual([]);
    expect(await jp().db.selectFrom('case_subject').select('subject_id').where('case_ref', '=', ref).execute()).toEqual([{ subject_id: 'hanako' }]);
    expect(await kr().db.selectFrom('case_subject').select('subject_id').where('case_ref', '=', ref).execute()).toEqual([{ subject_id: 'minjun' }]);
    expect(await kr().db.selectFrom('case_record').select('subject_id').where('ref', '=', ref).execute()).toEqual([{ subject_id: 'minjun' }]);
    const found = await server.runtime.governance.cases.find(ref);
    expect(found?.subjects).toEqual([
      { id: 'hanako', role: 'reported' },
      { id: 'minjun', role: 'reporter' },
    ]);
    const caseRowsOfKoreansInJapan = await jp().db.selectFrom('case_subject').select('subject_id').where('subject_home', '=', 'KR').execute();
    expect(caseRowsOfKoreansInJapan).toEqual([]);
  });

  it('the residency scan names a row about a KR person written into Japan around the gate', async () => {
    const planted = await jp().db
      .insertInto('membership')
      .values({ conversation_id: tripId, role: 'member', last_read_seq: 0, joined_at: new Date().toISOString(), request_from: null, subject_id: 'jiwoo', subject_home: 'KR', category: 'user.content.conversation.membership', cell_id: 'jp', scope_home: 'JP', scope_class: 'consumer' })
      .execute();
    expect(planted).toBeDefined();
    const violations = await foreignViolations();
    expect(violations).toEqual([expect.objectContaining({ cell: 'jp', table: 'membership', subject: 'jiwoo', row: `${tripId}/jiwoo` })]);
    await jp().db.deleteFrom('membership').where('conversation_id', '=', tripId).where('subject_id', '=', 'jiwoo').execute();
  });
});
