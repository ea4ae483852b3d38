// Official accounts: following a government account, its broadcasts reaching followers live,
// its channel staying in its home cell, and followers being readers only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(async () => {
  await server.close();
});

type Account = { id: string; class: string; home: string; followerCount: number; following: boolean; channelId: string };

describe('official accounts', () => {
  it('lets a Korean user follow minato-city, receive its broadcast live, and not post in its channel', async () => {
    const jiwoo = new ApiClient(server.url);
    await jiwoo.signIn('jiwoo', 'domicile-demo');
    const before = ((await jiwoo.request('GET', '/v1/official-accounts')).body as { accounts: Account[] }).accounts;
    const minato = before.find((a) => a.id === 'minato-city');
    expect(minato).toMatchObject({ class: 'government', home: 'JP', followerCount: 3, following: false });

    // The channel is stored in Japan: following stores Ji-woo's (KR) membership there, so it needs
    // her consent first (issue 14.9).
    expect((await jiwoo.request('POST', '/v1/official-accounts/minato-city/follow')).status).toBe(409);
    expect((await jiwoo.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
    expect((await jiwoo.request('POST', '/v1/official-accounts/minato-city/follow')).status).toBe(204);
    const channel = (await jiwoo.request('GET', `/v1/conversations/${minato?.channelId}`)).body as { kind: string; storedIn: { jurisdiction: string }; imagesStoredIn: { jurisdiction: string } };
    expect(channel).toMatchObject({ kind: 'channel', storedIn: { jurisdiction: 'JP' }, imagesStoredIn: { jurisdiction: 'JP' } });

    const ws = await RealtimeClient.connect(server.wsUrl, jiwoo.token ?? '');
    const live = ws.next((f) => f.type === 'message');
    const city = new ApiClient(server.url);
    await city.signIn('minato-city', 'domicile-demo');
    const sent = await city.request('POST', '/v1/official-accounts/minato-city/broadcasts', { clientId: 'b-2', text: 'Typhoon warning: stay indoors tonight.' });
    expect(sent.status).toBe(201);
    expect(((await live) as { message: { text: string } }).message.text).toBe('Typhoon warning: stay indoors tonight.');
    await ws.close();

    const post = await jiwoo.request('POST', `/v1/conversations/${minato?.channelId}/messages`, { clientId: 'x', text: 'hello city' });
    expect(post.status).toBe(403);
    expect((post.body as { error: { code: string } }).error.code).toBe('READ_ONLY_CONVERSATION');
    const impersonate = await jiwoo.request('POST', '/v1/official-accounts/minato-city/broadcasts', { clientId: 'y', text: 'fake' });
    expect(impersonate.status).toBe(403);

    expect((await jiwoo.request('DELETE', '/v1/official-accounts/minato-city/follow')).status).toBe(204);
    const after = ((await jiwoo.request('GET', '/v1/official-accounts')).body as { accounts: Account[] }).accounts;
    expect(after.find((a) => a.id === 'minato-city')).toMatchObject({ followerCount: 3, following: false });
  });

  it('shows a channel reader only the owner among its members, never other followers or their read positions', async () => {
    const seojun = new ApiClient(server.url);
    await seojun.signUp({ handle: 'reader-seojun', home: 'KR' });
    const accounts = ((await seojun.request('GET', '/v1/official-accounts')).body as { accounts: Account[] }).accounts;
    const channelId = accounts.find((a) => a.id === 'minato-city')?.channelId;
    expect((await seojun.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
    expect((await seojun.request('POST', '/v1/official-accounts/minato-city/follow')).status).toBe(204);

    type Members = { members: { id: string; role: string }[] };
    const seen = (await seojun.request('GET', `/v1/conversations/${channelId}/members`)).body as Members;
    expect(seen.members.map((m) => [m.id, m.role])).toEqual([['minato-city', 'owner']]);

    const city = new ApiClient(server.url);
    await city.signIn('minato-city', 'domicile-demo');
    const all = (await city.request('GET', `/v1/conversations/${channelId}/members`)).body as Members;
    expect(all.members.filter((m) => m.role === 'reader').map((m) => m.id)).toContain('reader-seojun');
    expect(all.members.filter((m) => m.role === 'reader').length).toBeGreaterThan(1);
  });

  it('refuses a group larger than 500 members', async () => {
    const host = new ApiClient(server.url);
    await host.signUp({ handle: 'big-host' });
    const memberIds = Array.from({ length: 499 }, (_, i) => `nobody-${i}`);
    const res = await host.request('POST', '/v1/conversations', { kind: 'group', memberIds: [...memberIds, 'one-too-many'] });
    expect(res.status).toBe(400);
    const unknown = await host.request('POST', '/v1/conversations', { kind: 'group', memberIds: memberIds.slice(0, 3) });
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
