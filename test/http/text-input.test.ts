// Free text a client sends (issue 14.2), on both backends alike: U+0000 and other controls, lone
// surrogates, bidi overrides and invisible names get 400 VALIDATION_FAILED over HTTP and the
// matching error frame over the WebSocket, and nothing is written; logins are compared in one
// form (NFKC, case folded, phone numbers in E.164), so look-alikes cannot make a second account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ApiClient, RealtimeClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string; message: string } };

describe.each(dialects)('text from clients on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await server.close();
  });

  const signup = (fields: Record<string, unknown>) =>
    new ApiClient(server.url).request('POST', '/v1/auth/signup', { handle: 'nobody', displayName: 'Nobody', password: 'correct horse battery', home: 'JP', email: 'nobody@example.test', ...fields });

  function expectRefused(res: { status: number; body: unknown }, pattern: RegExp): void {
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    expect((res.body as ErrorBody).error.message).toMatch(pattern);
  }

  it('refuses bad characters in names and e-mail at sign-up, and writes no account', async () => {
    expectRefused(await signup({ displayName: 'Ai\u0000ko' }), /body\/displayName: .*U\+0000/);
    expectRefused(await signup({ displayName: 'Ai\uD800ko' }), /surrogate/);
    expectRefused(await signup({ displayName: 'evil\u202Etxt.exe' }), /U\+202E/);
    expectRefused(await signup({ displayName: '\u200B\u200D' }), /body\/displayName: must be a name/);
    expectRefused(await signup({ displayName: 'two\nlines' }), /body\/displayName: must be a name/);
    expectRefused(await signup({ email: 'nobody\u0000@example.test' }), /body\/email: .*U\+0000/);
    expectRefused(await signup({ password: 'correct\u0000horse' }), /body\/password: .*U\+0000/);
    const signin = await new ApiClient(server.url).request('POST', '/v1/auth/signin', { login: 'nobody', password: 'correct horse battery' });
    expect(signin.status).toBe(401);
  });

  it('refuses bad characters in messages, group titles and names, over HTTP and the WebSocket', async () => {
    const aiko = new ApiClient(server.url);
    await aiko.signUp({ handle: `aiko-${dialect}` });
    const bob = new ApiClient(server.url);
    await bob.signUp({ handle: `bob-${dialect}` });
    expectRefused(await aiko.request('POST', '/v1/conversations', { kind: 'group', memberIds: [`bob-${dialect}`], title: 'Team\u0000' }), /body\/title/);
    expectRefused(await aiko.request('POST', '/v1/conversations', { kind: 'group', memberIds: [`bob-${dialect}`], title: '\u3164' }), /body\/title: must be a name/);
    expectRefused(await aiko.request('PATCH', '/v1/me', { displayName: 'A\u0007' }), /U\+0007/);
    const created = await aiko.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [`bob-${dialect}`] });
    const conversationId = (created.body as { id: string }).id;
    const messages = `/v1/conversations/${conversationId}/messages`;

    expectRefused(await aiko.request('POST', messages, { clientId: 'c1', text: 'hi\u0000there' }), /body\/text: .*U\+0000/);
    expectRefused(await aiko.request('POST', messages, { clientId: 'c2', text: 'broken \uDFFF' }), /surrogate/);
    expectRefused(await aiko.request('POST', messages, { clientId: 'c3', text: 'see \u2067file\u2069' }), /U\+2067/);
    expect((await aiko.request('POST', messages, { clientId: 'c4', text: 'line one\nline two\tend' })).status).toBe(201);

    const ws = await RealtimeClient.connect(server.wsUrl, aiko.token ?? '');
    for (const [clientId, text, pattern] of [['w1', 'a\u0000b', /U\+0000/], ['w2', '\uD83D', /surrogate/], ['w3', '\u202Dx', /U\+202D/]] as const) {
      const answer = ws.next((f) => f.type === 'error' && f.clientId === clientId);
      ws.send({ type: 'send', clientId, conversationId, text });
      const frame = await answer;
      expect(frame.code).toBe('VALIDATION_FAILED');
      expect(String(frame.message)).toMatch(pattern);
    }
    const ack = ws.next((f) => f.type === 'ack' && f.clientId === 'w4');
    ws.send({ type: 'send', clientId: 'w4', conversationId, text: 'fine' });
    await ack;
    await ws.close();

    const stored = (await aiko.request('GET', messages)).body as { messages: { text: string | null; kind: string }[] };
    expect(stored.messages.filter((m) => m.kind !== 'system').map((m) => m.text)).toEqual(['line one\nline two\tend', 'fine']);
  });

  it('treats look-alike logins as one: full-width and case variants of an e-mail, phone number formats', async () => {
    const first = new ApiClient(server.url);
    await first.request('POST', '/v1/auth/signup', {
      handle: `kana-${dialect}`, displayName: 'Kana', password: 'correct horse battery', home: 'JP', email: `kana.${dialect}@example.test`, phone: '+81 90-1234-5678',
    });
    const again = await signup({ handle: `kana2-${dialect}`, email: `ＫＡＮＡ.${dialect}@ｅｘａｍｐｌｅ.ｔｅｓｔ` });
    expect(again.status).toBe(409);
    expect((again.body as ErrorBody).error.code).toBe('LOGIN_TAKEN');
    const samePhone = await signup({ handle: `kana3-${dialect}`, email: `other.${dialect}@example.test`, phone: '+81 (90) 1234 5678' });
    expect((samePhone.body as ErrorBody).error.code).toBe('LOGIN_TAKEN');
    expectRefused(await signup({ handle: `kana4-${dialect}`, email: `fourth.${dialect}@example.test`, phone: '090-1234-5678' }), /international form/);

    const byFullWidth = new ApiClient(server.url);
    await byFullWidth.signIn(`ＫＡＮＡ.${dialect.toUpperCase()}＠ｅｘａｍｐｌｅ.ｔｅｓｔ`, 'correct horse battery');
    const byPhone = new ApiClient(server.url);
    await byPhone.signIn('+819012345678', 'correct horse battery');
    expect(((await byPhone.request('GET', '/v1/me')).body as { id: string }).id).toBe(`kana-${dialect}`);
  });
});
