// The route inventory: every HTTP route and WebSocket frame type is marked whether it can return
// personal data; operator access to personal data goes only through the broker, and from a
// Chinese address every such route and frame is refused and the refusal is logged.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { declaredFrameTypes, frameDataAccess, routeDataAccess } from '../../src/http/data-access.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { entriesAbout, from, makeOperator, signInOperator, type ErrorBody } from './support.js';

let server: TestServer;
let shanghai: ApiClient;
let tokyoSupport: ApiClient;
let tokyoModerator: ApiClient;
let hanako: ApiClient;
let reportRef = '';

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  shanghai = await signInOperator(server, 'op-shanghai-eng1', from('CN'));
  tokyoSupport = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), from('JP'));
  tokyoModerator = await signInOperator(server, await makeOperator(server, { roles: ['moderator'] }), from('JP'));
  hanako = new ApiClient(server.url);
  await hanako.signIn('hanako', 'domicile-demo');
  // hanako reports a message taro sent her: an abuse report to cite.
  const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string; title: string }[] };
  for (const conversation of list.conversations) {
    const history = (await hanako.request('GET', `/v1/conversations/${conversation.id}/messages`)).body as { messages: { id: string; senderId: string; kind: string }[] };
    const theirs = history.messages.find((m) => m.senderId === 'taro' && m.kind === 'text');
    if (!theirs) continue;
    const res = await hanako.request('POST', `/v1/conversations/${conversation.id}/messages/${theirs.id}/report`, { reason: 'spam' });
    expect(res.status).toBe(201);
    reportRef = (res.body as { caseRef: string }).caseRef;
    break;
  }
  expect(reportRef).toMatch(/^R-/);
});
afterAll(async () => {
  await server.close();
});

/** A valid request to each route that can return personal data to an operator. */
const brokerRequests: Record<string, () => { method: string; url: string; body?: unknown; subject: string }> = {
  'POST /v1/ops/access': () => ({
    method: 'POST',
    url: '/v1/ops/access',
    body: { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] },
    subject: 'hanako',
  }),
  'GET /v1/ops/cases/:ref': () => ({ method: 'GET', url: '/v1/ops/cases/T-1001', subject: 'hanako' }),
  'GET /v1/ops/moderation/reports/:ref/message': () => ({ method: 'GET', url: `/v1/ops/moderation/reports/${reportRef}/message`, subject: 'taro' }),
};

describe('the inventory', () => {
  it('marks every registered route and every WebSocket frame type, and nothing that is not registered', () => {
    const registered = server.app.routeInventory.map((r) => `${r.method} ${r.url}`);
    expect(registered.filter((r) => !(r in routeDataAccess))).toEqual([]);
    expect(Object.keys(routeDataAccess).filter((r) => !registered.includes(r))).toEqual([]);
    const sockets = server.app.routeInventory.filter((r) => r.websocket).map((r) => r.url);
    expect(sockets.sort()).toEqual(Object.keys(frameDataAccess).sort());
    for (const url of sockets) expect(Object.keys(frameDataAccess[url] ?? {}).sort()).toEqual([...(declaredFrameTypes[url] ?? [])].sort());
  });

  // Which modules operator routes and governance may import is a lint rule (eslint.config.js,
  // proven in test/lint/); what their plugins are given is checked in the types
  // (test/lint/route-options.test.ts).
  it('every route marked broker has a request below, so the next tests cover it', () => {
    const brokerRoutes = Object.entries(routeDataAccess).filter(([, access]) => access === 'broker').map(([route]) => route);
    expect(brokerRoutes.sort()).toEqual(Object.keys(brokerRequests).sort());
  });
});

describe('from a Chinese address', () => {
  it('every personal-data route is refused and logged, and no data source is read', async () => {
    const sources = ['user.account', 'user.contact', 'user.content.message', 'user.content.media', 'user.support.case'].map((c) => server.runtime.governance.sources.get(c));
    const spies = sources.map((source) => vi.spyOn(source as NonNullable<typeof source>, 'read'));
    try {
      for (const [route, build] of Object.entries(brokerRequests)) {
        for (const [who, client] of [['op-shanghai-eng1', shanghai], ['tokyo support', tokyoSupport], ['tokyo moderator', tokyoModerator]] as const) {
          const request = build();
          const res = await client.request(request.method, request.url, request.body, from('CN'));
          expect(res.status, `${route} as ${who}`).toBe(403);
          const error = (res.body as ErrorBody).error;
          expect(error.code).toBe('ACCESS_DENIED');
          const requestId = String(error.details?.requestId);
          const logged = (await entriesAbout(server, request.subject)).filter((e) => e.eventId.startsWith(requestId));
          expect(logged.length, `${route} as ${who} logged`).toBeGreaterThan(0);
          for (const entry of logged) {
            expect(entry).toMatchObject({ decision: 'deny', actorPhysicalCountry: 'CN', released: 0 });
            expect(entry.subjects).toContain(request.subject);
          }
        }
      }
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('the operator WebSocket refuses an access frame and logs it', async () => {
    const socket = new WebSocket(`${server.wsUrl.replace('/v1/ws', '/v1/ops/ws')}`, { headers: from('CN') });
    const frames: Record<string, unknown>[] = [];
    const next = (type: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} frame`)), 5000);
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as Record<string, unknown>;
          frames.push(frame);
          if (frame.type === type) {
            clearTimeout(timer);
            resolve(frame);
          }
        });
      });
    await new Promise((resolve) => socket.once('open', resolve));
    const ready = next('ready');
    socket.send(JSON.stringify({ type: 'hello', token: shanghai.token }));
    expect((await ready).origin).toMatchObject({ country: 'CN' });
    const error = next('error');
    socket.send(JSON.stringify({ type: 'access', requestId: 'r1', purpose: 'INCIDENT_RESPONSE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.account'] }));
    const refused = await error;
    expect(refused).toMatchObject({ code: 'ACCESS_DENIED', requestId: 'r1' });
    const requestId = String((refused.details as { requestId: string }).requestId);
    const logged = (await entriesAbout(server, 'hanako')).filter((e) => e.eventId.startsWith(requestId));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ decision: 'deny', actor: 'op-shanghai-eng1', actorPhysicalCountry: 'CN', categories: ['user.account'] });
    socket.close();
  });
});

describe('the same routes from Japan', () => {
  it('do return personal data, masked, after logging it', async () => {
    const access = await tokyoSupport.request('POST', '/v1/ops/access', brokerRequests['POST /v1/ops/access']?.().body, from('JP'));
    expect(access.status).toBe(200);
    expect((access.body as { records: { fields: Record<string, unknown> }[] }).records[0]?.fields).toMatchObject({ email: 'hanako@example.jp' });
    const ticket = await tokyoSupport.request('GET', '/v1/ops/cases/T-1001', undefined, from('JP'));
    expect(ticket.status).toBe(200);
    const message = await tokyoModerator.request('GET', `/v1/ops/moderation/reports/${reportRef}/message`, undefined, from('JP'));
    expect(message.status).toBe(200);
    const logged = await entriesAbout(server, 'hanako', 5);
    expect(logged.some((e) => e.decision === 'allow' && e.released === 1 && e.actorPhysicalCountry === 'JP')).toBe(true);
  });
});

describe('user routes are not a back door', () => {
  it('an operator token is not a user token, and a user token is not an operator token', async () => {
    const asOperator = new ApiClient(server.url);
    asOperator.token = tokyoSupport.token;
    for (const [route, access] of Object.entries(routeDataAccess)) {
      const [method, url] = route.split(' ') as [string, string];
      if (access !== 'user' || method !== 'GET' || url === '/v1/ws') continue;
      const res = await asOperator.request(method, url.replace(/:(\w+)/g, 'xyz'), undefined, from('JP'));
      expect(res.status, route).toBe(401);
    }
    for (const [route, access] of Object.entries(routeDataAccess)) {
      const [method, url] = route.split(' ') as [string, string];
      if (access !== 'broker') continue;
      const res = await hanako.request(method, url.replace(':ref', 'T-1001'), method === 'POST' ? brokerRequests[route]?.().body : undefined, from('JP'));
      expect(res.status, route).toBe(401);
    }
  });
});

describe('from Korea, on a contractor’s contract', () => {
  it('a Seoul Cloud engineer cannot read a Japanese profile: its contract covers storing data, not reading it, and a ticket is not an incident', async () => {
    const seoul = await signInOperator(server, 'op-seoul-eng', from('KR'));
    const onTicket = await seoul.request('POST', '/v1/ops/access', { purpose: 'INCIDENT_RESPONSE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.account'] }, from('KR'));
    expect(onTicket.status).toBe(403);
    expect(JSON.stringify(onTicket.body)).toMatch(/broker:case-purpose/);
    const asOperation = await seoul.request('POST', '/v1/ops/access', { purpose: 'SERVICE_OPERATION', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.account'] }, from('KR'));
    expect(asOperation.status).toBe(403);
    expect(JSON.stringify(asOperation.body)).toMatch(/residency/);
    // Nothing was viewed, so no transfer to Korea for either purpose was recorded.
    const listed = (await hanako.request('GET', '/v1/me/transfers')).body as { transfers: { destination: string; purpose: string }[] };
    expect(listed.transfers.filter((t) => t.destination === 'KR' && (t.purpose === 'INCIDENT_RESPONSE' || t.purpose === 'SERVICE_OPERATION'))).toEqual([]);
  });
});
