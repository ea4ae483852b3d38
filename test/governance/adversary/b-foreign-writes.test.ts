// Issue 16 item 3 (in part), held against an adversary: a system message is its actor's data, so
// one written into a conversation stored abroad passes the transfer gate like any message. Ji-woo
// (home KR, no consent to storage in Japan) leaving the JP-stored "Tokyo trip" group leaves the
// group, but no "jiwoo left" row is written in Japan; Min-jun, who consented, gets his row and a
// transfer record for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transferRecordsOf } from '../../../src/governance/transfers/transfer.repository.js';
import { dialects } from '../../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../../support/server.js';

describe.each(dialects)('system messages abroad (%s cells)', (dialect) => {
  let server: TestServer;
  let tripId = '';
  const systemRowsOf = async (subjectId: string) =>
    server.runtime.cells
      .get('jp')
      .db.selectFrom('message')
      .select(['id', 'subject_id', 'kind'])
      .where('conversation_id', '=', tripId)
      .where('subject_id', '=', subjectId)
      .where('kind', '=', 'system')
      .execute();
  const signedIn = async (handle: string): Promise<ApiClient> => {
    const client = new ApiClient(server.url);
    await client.signIn(handle, 'domicile-demo');
    return client;
  };

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

  it('leaves without writing an unconsented person’s "… left" into the foreign cell', async () => {
    const jiwoo = await signedIn('jiwoo');
    const left = await jiwoo.request('DELETE', `/v1/conversations/${tripId}/members/jiwoo`);
    expect(left.status).toBe(204);
    expect((await server.runtime.messaging.conversations.find(tripId))?.members.has('jiwoo')).toBe(false);
    expect(await systemRowsOf('jiwoo')).toEqual([]);
    expect(await transferRecordsOf(server.runtime.cells.get('kr').db, 'jiwoo')).toEqual([]);
  });

  it('writes a consented person’s "… left" with its transfer on record', async () => {
    const before = (await transferRecordsOf(server.runtime.cells.get('kr').db, 'minjun')).filter((r) => r.data_category === 'user.content.message');
    const items = before.reduce((n, r) => n + r.item_count, 0);
    const minjun = await signedIn('minjun');
    expect((await minjun.request('DELETE', `/v1/conversations/${tripId}/members/minjun`)).status).toBe(204);
    expect(await systemRowsOf('minjun')).toHaveLength(1);
    await server.runtime.transfers.gate.drain();
    const after = (await transferRecordsOf(server.runtime.cells.get('kr').db, 'minjun')).filter((r) => r.data_category === 'user.content.message');
    expect(after.reduce((n, r) => n + r.item_count, 0)).toBe(items + 1);
    expect(after.every((r) => r.destination === 'JP' && r.purpose === 'MESSAGING')).toBe(true);
  });
});
