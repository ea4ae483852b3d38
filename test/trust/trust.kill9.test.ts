// Invariant 7 for the session and request writes (issue 14): a password change, a "sign out
// everywhere" and an accepted message request that were acknowledged are in force after kill -9
// of the server the moment after, exactly as acknowledged.
import { describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/cli.js';
import { spawnServer } from '../support/process.js';
import { ApiClient } from '../support/server.js';

type ErrorBody = { error: { code: string } };

describe('session and request writes survive kill -9', () => {
  it('keeps an acknowledged password change, sign-out everywhere and accepted request', async () => {
    const { file } = writeTestConfig();
    const server = await spawnServer({ configFile: file, demo: true });
    const laptop = new ApiClient(server.url);
    await laptop.signIn('hanako', 'domicile-demo');
    const phone = new ApiClient(server.url);
    await phone.signIn('hanako', 'domicile-demo');
    const stranger = new ApiClient(server.url);
    await stranger.signUp({ handle: 'kuroda' });
    const taroPhone = new ApiClient(server.url);
    await taroPhone.signIn('taro', 'domicile-demo');
    const group = (await stranger.request('POST', '/v1/conversations', { kind: 'group', memberIds: ['hanako'], title: 'Offer' })).body as { id: string };

    expect((await laptop.request('POST', `/v1/conversations/${group.id}/accept`)).status).toBe(204);
    expect((await taroPhone.request('POST', '/v1/auth/signout-everywhere')).status).toBe(200);
    expect((await laptop.request('POST', '/v1/auth/password', { currentPassword: 'domicile-demo', newPassword: 'lantern harbour quietly' })).status).toBe(200);
    await server.kill9();

    const again = await spawnServer({ configFile: file });
    try {
      // The sessions ended by the password change and by sign-out everywhere stay ended.
      for (const ended of [phone, taroPhone]) {
        const client = new ApiClient(again.url);
        client.token = ended.token;
        expect(((await client.request('GET', '/v1/me')).body as ErrorBody).error.code).toBe('SESSION_REVOKED');
      }
      const relogged = new ApiClient(again.url);
      await expect(relogged.signIn('hanako', 'domicile-demo')).rejects.toThrow(/INVALID_CREDENTIALS/);
      await relogged.signIn('hanako', 'lantern harbour quietly');
      const seen = (await relogged.request('GET', `/v1/conversations/${group.id}`)).body as { requestFrom: string | null };
      expect(seen.requestFrom).toBeNull();
    } finally {
      await again.stop();
    }
  }, 120_000);
});
