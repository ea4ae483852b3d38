// Strangers (issue 14 hole 10): a person added to a group by someone not among their contacts
// holds it as a message request — listed with `requestFrom`, no live messages pushed, no writing
// until they accept; declining leaves. Someone in their contacts adds them as before. The
// conversation list pages with a cursor. On SQLite and PostgreSQL cells.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string } };
type ConversationPage = { conversations: { id: string; title: string; requestFrom: string | null }[]; nextCursor: string | null };

describe.each(dialects)('message requests and the conversation list on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await server.close();
  });

  async function person(handle: string): Promise<ApiClient> {
    const client = new ApiClient(server.url);
    await client.signUp({ handle });
    return client;
  }

  it('a stranger’s group is a request: listed as such, nothing pushed, no writing until accepted', async () => {
    const stranger = await person('kuro');
    const target = await person('shiro');
    const friend = await person('midori');
    expect((await target.request('POST', '/v1/contacts', { handle: 'midori' })).status).toBe(201);
    const targetWs = await RealtimeClient.connect(server.wsUrl, target.token ?? '');

    const spam = (await stranger.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['shiro'], title: 'Great offer' })).body as { id: string; requestFrom: string | null };
    expect(spam.requestFrom).toBeNull();
    const friendly = (await friend.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['shiro'], title: 'Picnic' })).body as { id: string };
    const listed = (await target.request('GET', '/v1/conversations')).body as ConversationPage;
    expect(listed.conversations.find((c) => c.id === spam.id)?.requestFrom).toBe('kuro');
    expect(listed.conversations.find((c) => c.id === friendly.id)?.requestFrom).toBeNull();
    const stored = await server.runtime.cells.get('jp').db.selectFrom('membership').select(['subject_id', 'request_from']).where('conversation_id', '=', spam.id).orderBy('subject_id').execute();
    expect(stored).toEqual([
      { subject_id: 'kuro', request_from: null },
      { subject_id: 'shiro', request_from: 'kuro' },
    ]);

    // The friend's messages arrive live; the stranger's do not (they wait in the request).
    const friendMessage = targetWs.next((f) => f.type === 'message' && (f.message as { conversationId: string }).conversationId === friendly.id && (f.message as { kind: string }).kind === 'text');
    for (let i = 0; i < 3; i += 1) await stranger.request('POST', `/v1/conversations/${spam.id}/messages`, { clientId: `spam-${i}`, text: `buy now ${i}` });
    await friend.request('POST', `/v1/conversations/${friendly.id}/messages`, { clientId: 'p1', text: 'bring snacks' });
    await friendMessage;
    expect(targetWs.messages(spam.id)).toEqual([]);
    // Readable on request, but not writable until accepted.
    const history = (await target.request('GET', `/v1/conversations/${spam.id}/messages`)).body as { messages: unknown[] };
    expect(history.messages.length).toBeGreaterThan(0);
    const write = await target.request('POST', `/v1/conversations/${spam.id}/messages`, { clientId: 'r1', text: 'who are you?' });
    expect(write.status).toBe(409);
    expect((write.body as ErrorBody).error.code).toBe('MESSAGE_REQUEST_PENDING');

    // Accepting makes an ordinary membership: live messages, writing allowed.
    expect((await target.request('POST', `/v1/conversations/${spam.id}/accept`)).status).toBe(204);
    const live = targetWs.next((f) => f.type === 'message' && (f.message as { text: string }).text === 'welcome');
    await stranger.request('POST', `/v1/conversations/${spam.id}/messages`, { clientId: 'w', text: 'welcome' });
    await live;
    expect((await target.request('POST', `/v1/conversations/${spam.id}/messages`, { clientId: 'r2', text: 'thanks' })).status).toBe(201);
    const again = await target.request('POST', `/v1/conversations/${spam.id}/accept`);
    expect((again.body as ErrorBody).error.code).toBe('NOT_A_REQUEST');
    await targetWs.close();
  });

  it('declining a request leaves the group; someone added later by a stranger gets a request too', async () => {
    const stranger = await person('aoba');
    const target = await person('akane');
    const group = (await stranger.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['akane'], title: 'Unknown' })).body as { id: string };
    expect((await target.request('POST', `/v1/conversations/${group.id}/decline`)).status).toBe(204);
    expect((await target.request('GET', `/v1/conversations/${group.id}`)).status).toBe(404);
    const other = await person('kiiro');
    expect((await stranger.request('POST', `/v1/conversations/${group.id}/members`, { userId: 'kiiro' })).status).toBe(201);
    const seen = (await other.request('GET', `/v1/conversations/${group.id}`)).body as { requestFrom: string | null };
    expect(seen.requestFrom).toBe('aoba');
  });

  it('pages the conversation list with a cursor, newest first, each conversation once', async () => {
    const owner = await person('hoshi');
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const peer = await person(`tsuki-${i}`);
      const { id } = (await peer.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['hoshi'] })).body as { id: string };
      made.push(id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ConversationPage = (await owner.request('GET', `/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as ConversationPage;
      expect(page.conversations.length).toBeLessThanOrEqual(2);
      seen.push(...page.conversations.map((c) => c.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse());
    const bad = await owner.request('GET', '/v1/conversations?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    expect((await owner.request('GET', '/v1/conversations?limit=0')).status).toBe(400);
  });
});
