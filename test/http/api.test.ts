// The HTTP API end to end over a real socket: accounts, chats, images, authorisation and the
// handling of bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { gradientPng } from '../../src/demo/png.js';
import { ApiClient, expectSchemaRefusals, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

type Conversation = { id: string; storedIn: { cell: string; jurisdiction: string; country: string } };
type ErrorResponse = { error: { code: string; message: string } };

async function pair(a: string, b: string, homeB = 'JP') {
  const alice = new ApiClient(server.url);
  await alice.signUp({ handle: a });
  const bob = new ApiClient(server.url);
  await bob.signUp({ handle: b, home: homeB });
  const res = await alice.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [b] });
  expect(res.status).toBe(201);
  return { alice, bob, conversation: res.body as Conversation };
}

describe('accounts and sessions', () => {
  it('signs up, signs in by handle or e-mail, and revokes a session', async () => {
    const client = new ApiClient(server.url);
    const signedUp = await client.signUp({ handle: 'aiko', email: 'Aiko@Example.test' });
    expect(signedUp.user.id).toBe('aiko');
    const byEmail = new ApiClient(server.url);
    await byEmail.signIn('aiko@example.test', 'correct horse battery');
    const me = await byEmail.request('GET', '/v1/me');
    expect(me.body).toMatchObject({ id: 'aiko', home: 'JP', kind: 'user', class: 'consumer' });
    const sessions = (await byEmail.request('GET', '/v1/sessions')).body as { sessions: { id: string; current: boolean }[] };
    expect(sessions.sessions).toHaveLength(2);
    expect((await byEmail.request('POST', '/v1/auth/signout')).status).toBe(204);
    const after = await byEmail.request('GET', '/v1/me');
    expect(after.status).toBe(401);
    expect((after.body as ErrorResponse).error.code).toBe('SESSION_REVOKED');
  });

  it('refuses a taken handle and rate-limits failed sign-ins', async () => {
    const first = new ApiClient(server.url);
    await first.signUp({ handle: 'kenji' });
    const again = await new ApiClient(server.url).request('POST', '/v1/auth/signup', {
      handle: 'kenji', displayName: 'K', password: 'password123', home: 'JP', email: 'other@example.test',
    });
    expect(again.status).toBe(409);
    expect((again.body as ErrorResponse).error.code).toBe('HANDLE_TAKEN');
    const attacker = new ApiClient(server.url);
    const codes: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const res = await attacker.request('POST', '/v1/auth/signin', { login: 'kenji', password: `wrong-${i}` });
      codes.push((res.body as ErrorResponse).error.code);
    }
    expect(codes.slice(0, 5).every((c) => c === 'INVALID_CREDENTIALS')).toBe(true);
    expect(codes.at(-1)).toBe('RATE_LIMITED');
  });

  it('refuses a home no cell serves', async () => {
    const res = await new ApiClient(server.url).request('POST', '/v1/auth/signup', {
      handle: 'sam', displayName: 'Sam', password: 'password123', home: 'US', email: 'sam@example.test',
    });
    expect(res.status).toBe(400);
    expect((res.body as ErrorResponse).error.code).toBe('UNKNOWN_JURISDICTION');
  });
});

describe('conversations', () => {
  it('stores a chat in the creator’s home cell and says so', async () => {
    const { conversation } = await pair('yui', 'seojun', 'KR');
    expect(conversation.storedIn).toEqual({ cell: 'jp', jurisdiction: 'JP', country: 'Japan' });
  });

  it('sends text and images; images of a JP chat go to the KR blob store under the story rule', async () => {
    const { alice, bob, conversation } = await pair('mei', 'sora');
    const png = gradientPng(8, 8, [0, 0, 0], [255, 255, 255]);
    const upload = await alice.request('POST', `/v1/conversations/${conversation.id}/media`, png, { 'content-type': 'image/png' });
    expect(upload.status).toBe(201);
    const mediaId = (upload.body as { id: string }).id;
    expect(await server.runtime.directory.locations.find('media', mediaId)).toBe('kr');
    const sent = await alice.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: 'c1', mediaId });
    expect(sent.status).toBe(201);
    await alice.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: 'c2', text: 'hello' });
    const again = await alice.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: 'c2', text: 'hello' });
    expect((again.body as { seq: number }).seq).toBe(3);
    const history = (await bob.request('GET', `/v1/conversations/${conversation.id}/messages`)).body as { messages: { seq: number; kind: string }[] };
    expect(history.messages.map((m) => [m.seq, m.kind])).toEqual([[1, 'system'], [2, 'image'], [3, 'text']]);
    const image = await bob.request('GET', `/v1/conversations/${conversation.id}/media/${mediaId}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    // Stored re-encoded without metadata (image.clean.ts): the same pixels, not the same bytes.
    expect((await sharp(image.raw).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('paginates history with a cursor', async () => {
    const { alice, conversation } = await pair('rin', 'ren');
    for (let i = 0; i < 25; i += 1) await alice.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: `m${i}`, text: `n${i}` });
    const seen: number[] = [];
    let before: number | null = null;
    do {
      const query: string = before === null ? '?limit=10' : `?limit=10&before=${before}`;
      const page = (await alice.request('GET', `/v1/conversations/${conversation.id}/messages${query}`)).body as { messages: { seq: number }[]; nextBefore: number | null };
      seen.unshift(...page.messages.map((m) => m.seq));
      before = page.nextBefore;
    } while (before !== null);
    expect(seen).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
  });

  it('keeps a conversation with a government account in that account’s home, whoever starts it', async () => {
    // Official accounts are made by operator tooling, not by sign-up.
    const { createOfficialAccount } = await import('../../src/messaging/official.service.js');
    await createOfficialAccount({ ctx: server.runtime.messaging, handle: 'sapporo-city', displayName: 'Sapporo City', home: 'JP', class: 'government', password: 'snowy clock tower' });
    const korean = new ApiClient(server.url);
    await korean.signUp({ handle: 'dohyun', home: 'KR' });
    // Stored in Japan, so the Korean starter's rows need the basis first (issue 16.3).
    const refused = await korean.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['sapporo-city'] });
    expect(refused.status).toBe(409);
    expect((await korean.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);
    const res = await korean.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['sapporo-city'] });
    expect((res.body as Conversation).storedIn.jurisdiction).toBe('JP');
  });
});

describe('authorisation', () => {
  it('a user cannot read, post to, list the members of, or fetch images of a conversation they are not in', async () => {
    const { alice, conversation } = await pair('nao', 'kai');
    const upload = await alice.request('POST', `/v1/conversations/${conversation.id}/media`, gradientPng(4, 4, [1, 2, 3], [4, 5, 6]), { 'content-type': 'image/png' });
    const mediaId = (upload.body as { id: string }).id;
    const outsider = new ApiClient(server.url);
    await outsider.signUp({ handle: 'eve', home: 'KR' });
    const attempts = [
      await outsider.request('GET', `/v1/conversations/${conversation.id}`),
      await outsider.request('GET', `/v1/conversations/${conversation.id}/messages`),
      await outsider.request('POST', `/v1/conversations/${conversation.id}/messages`, { clientId: 'x', text: 'let me in' }),
      await outsider.request('GET', `/v1/conversations/${conversation.id}/members`),
      await outsider.request('GET', `/v1/conversations/${conversation.id}/media/${mediaId}`),
      await outsider.request('POST', `/v1/conversations/${conversation.id}/media`, gradientPng(4, 4, [1, 2, 3], [4, 5, 6]), { 'content-type': 'image/png' }),
      await outsider.request('POST', `/v1/conversations/${conversation.id}/read`, { seq: 1 }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect((res.body as ErrorResponse).error.code).toBe('NOT_A_MEMBER');
    }
    const history = (await alice.request('GET', `/v1/conversations/${conversation.id}/messages`)).body as { messages: unknown[] };
    expect(history.messages).toHaveLength(1);
    const list = (await outsider.request('GET', '/v1/conversations')).body as { conversations: unknown[] };
    expect(list.conversations).toHaveLength(0);
  });

  it('refuses every personal route without a token', async () => {
    const anonymous = new ApiClient(server.url);
    for (const [method, path] of [['GET', '/v1/me'], ['GET', '/v1/conversations'], ['GET', '/v1/contacts'], ['GET', '/v1/official-accounts']] as const) {
      const res = await anonymous.request(method, path);
      expect(res.status).toBe(401);
      expect((res.body as ErrorResponse).error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('bad input', () => {
  it('answers malformed JSON, wrong types and unknown fields with 400 and a stable code, writing nothing', async () => {
    const raw = await fetch(`${server.url}/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"handle": "x",' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as ErrorResponse).error.code).toBe('MALFORMED_JSON');
    await expectSchemaRefusals(server);
  });

  it('refuses oversize and non-image uploads', async () => {
    const { alice, conversation } = await pair('hina', 'haru');
    const notImage = await alice.request('POST', `/v1/conversations/${conversation.id}/media`, Buffer.from('GIF89a? no, plain text'), { 'content-type': 'image/png' });
    expect(notImage.status).toBe(415);
    expect((notImage.body as ErrorResponse).error.code).toBe('NOT_AN_IMAGE');
    const wrongType = await alice.request('POST', `/v1/conversations/${conversation.id}/media`, Buffer.from('hello'), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((wrongType.body as ErrorResponse).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = Buffer.concat([gradientPng(4, 4, [0, 0, 0], [1, 1, 1]), Buffer.alloc(11 * 1024 * 1024)]);
    const oversize = await alice.request('POST', `/v1/conversations/${conversation.id}/media`, big, { 'content-type': 'image/png' });
    expect(oversize.status).toBe(413);
    expect((oversize.body as ErrorResponse).error.code).toBe('PAYLOAD_TOO_LARGE');
    const media = await server.runtime.cells.get('kr').db.selectFrom('media').select('id').where('subject_id', '=', 'hina').execute();
    expect(media).toHaveLength(0);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await new ApiClient(server.url).request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((res.body as ErrorResponse).error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('documents and health', () => {
  it('GET /healthz lists each cell with its jurisdiction and status', async () => {
    const res = await new ApiClient(server.url).request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', node: process.version, cells: [{ id: 'jp', jurisdiction: 'JP', status: 'ok' }, { id: 'kr', jurisdiction: 'KR', status: 'ok' }] });
  });

  it('runs on Node 24 LTS or newer, and says so in /healthz', async () => {
    const res = await new ApiClient(server.url).request('GET', '/healthz');
    const node = (res.body as { node: string }).node;
    expect(Number(/^v(\d+)\./.exec(node)?.[1])).toBeGreaterThanOrEqual(24);
  });

  it('the OpenAPI document covers every registered route', async () => {
    const doc = (await new ApiClient(server.url).request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p.replace(/\{\*\}/g, '*').replace(/\/tile\/\{path\}$/, '/tile/*').replace(/\{(\w+)\}/g, ':$1')}`)));
    const registered = server.app.routeInventory.filter((r) => r.url !== '/openapi.json').map((r) => `${r.method} ${r.url}`);
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
  });
});
