// Property test: random bodies, params and content types sent to every registered route never
// produce a 5xx. Runs through inject() against a real runtime on SQLite.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let token = '';
let conversationId = '';

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  const client = new ApiClient(server.url);
  await client.signIn('hanako', 'domicile-demo');
  token = client.token ?? '';
  const list = (await client.request('GET', '/v1/conversations')).body as { conversations: { id: string }[] };
  conversationId = list.conversations[0]?.id ?? '';
});
afterAll(async () => {
  await server.close();
});

const paramValue = fc.oneof(
  fc.constantFrom('hanako', 'minato-city', 'jp_aaaaaaaaaaaa', 'kr_zzzzzzzzzzzz', '..', '%00', '0', 'a'.repeat(300)),
  fc.string({ maxLength: 40 }),
  fc.constant('CONVERSATION'),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      handle: fc.oneof(fc.string(), fc.integer()),
      login: fc.string(),
      password: fc.string(),
      displayName: fc.oneof(fc.string(), fc.constant(null)),
      home: fc.oneof(fc.constantFrom('JP', 'KR', 'US', 'jp'), fc.string()),
      email: fc.string(),
      kind: fc.constantFrom('direct', 'group', 'channel', 'x'),
      memberIds: fc.array(fc.string(), { maxLength: 3 }),
      clientId: fc.string(),
      text: fc.oneof(fc.string(), fc.integer()),
      mediaId: fc.string(),
      seq: fc.oneof(fc.integer(), fc.double(), fc.string()),
      userId: fc.string(),
    },
    { requiredKeys: [] },
  ),
);

const payload = fc.oneof(
  jsonBody.map((b) => ({ type: 'application/json', body: JSON.stringify(b) })),
  fc.string().map((s) => ({ type: 'application/json', body: s })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ type: 'image/png', body: Buffer.from(b) })),
  fc.string().map((s) => ({ type: 'text/plain', body: s })),
);

describe('random input to every route', () => {
  it('never answers 5xx', async () => {
    const routes = server.app.routeInventory.filter((r) => !r.websocket);
    expect(routes.length).toBeGreaterThan(20);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.dictionary(fc.constantFrom('id', 'userId', 'sessionId', 'handle', 'mediaId'), paramValue),
        payload,
        fc.boolean(),
        fc.string({ maxLength: 20 }),
        async (route, params, body, authed, query) => {
          const url = route.url.replace(/:(\w+)/g, (_, name: string) => {
            const value = params[name] ?? 'x';
            return encodeURIComponent(value === 'CONVERSATION' ? conversationId : value);
          });
          const res = await server.app.inject({
            method: route.method as 'GET',
            url: `${url}?${encodeURIComponent(query)}=${encodeURIComponent(query)}`,
            headers: { 'content-type': body.type, ...(authed ? { authorization: `Bearer ${token}` } : {}) },
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: body.body }),
          });
          if (res.statusCode >= 500) throw new Error(`${route.method} ${url} → ${res.statusCode}: ${res.body}`);
          if (res.statusCode >= 400) expect(JSON.parse(res.body).error.code).toMatch(/^[A-Z_]+$/);
        },
      ),
      { numRuns: 2000 },
    );
  }, 120_000);
});
