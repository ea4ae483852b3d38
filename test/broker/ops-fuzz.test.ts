// Property test: random bodies, parameters and source addresses sent to every operator route
// with a signed-in operator (an admin who is also an approver, moderator and support) never
// produce a 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { addresses, makeOperator, signInOperator } from './support.js';

let server: TestServer;
let token = '';

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  const id = await makeOperator(server, { roles: ['admin', 'approver', 'moderator', 'support', 'security'] });
  token = (await signInOperator(server, id, { 'x-forwarded-for': addresses.JP })).token ?? '';
});
afterAll(async () => {
  await server.close();
});

const text = fc.oneof(fc.constantFrom('hanako', 'minjun', 'T-1001', 'T-2001', 'R-123456', 'CN', 'JP', 'user.contact', 'user.content.message', 'SUPPORT_CASE', 'ABUSE_REPORT', '', 'a'.repeat(200)), fc.string({ maxLength: 30 }));
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      purpose: fc.oneof(fc.constantFrom('SUPPORT_CASE', 'ABUSE_REPORT', 'INCIDENT_RESPONSE', 'X'), fc.string()),
      caseRef: text,
      subjects: fc.array(text, { maxLength: 4 }),
      categories: fc.array(fc.constantFrom('user.contact', 'user.account', 'user.content.message', 'user.content.media', 'user.support.case', 'user.nothing', 'user', 'user.contact.phone_number', 'user.financial'), { maxLength: 3 }),
      fields: fc.array(text, { maxLength: 3 }),
      records: fc.array(text, { maxLength: 3 }),
      grantId: text,
      country: text,
      reason: fc.constantFrom('account', 'spam', 'other', 'x'),
      durationMinutes: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double()),
      requestedLocation: text,
      operatorId: text,
      password: text,
      code: fc.oneof(fc.constant('123456'), fc.string()),
    },
    { requiredKeys: [] },
  ),
);

describe('random input to every operator route', () => {
  it('never answers 5xx', async () => {
    const routes = server.app.routeInventory.filter((r) => !r.websocket && r.url.startsWith('/v1/ops/'));
    expect(routes.length).toBeGreaterThan(15);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        text,
        body,
        fc.constantFrom(...Object.values(addresses), '10.0.0.1', 'nonsense'),
        fc.boolean(),
        async (route, param, payload, address, authed) => {
          const url = route.url.replace(/:(\w+)/g, () => encodeURIComponent(param || 'x'));
          const res = await server.app.inject({
            method: route.method as 'GET',
            url,
            remoteAddress: '127.0.0.1',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...(authed ? { authorization: `Bearer ${token}` } : {}) },
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: JSON.stringify(payload) }),
          });
          if (res.statusCode >= 500) throw new Error(`${route.method} ${url} → ${res.statusCode}: ${res.body}`);
          if (res.statusCode >= 400) expect(JSON.parse(res.body).error.code).toMatch(/^[A-Z_]+$/);
        },
      ),
      { numRuns: 800 },
    );
  }, 60_000);
});
