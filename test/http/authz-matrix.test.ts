// The authorisation matrix (issue 14, "The harness"): every HTTP route the app registers and every
// WebSocket frame type, tried by every kind of caller, gets exactly the outcome
// test/http/authz-matrix.ts says. A route or frame type without a row fails here, naming the row.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { gradientPng } from '../../src/demo/png.js';
import { addAuditor } from '../../src/governance/log/auditors.js';
import { declaredFrameTypes } from '../../src/http/data-access.js';
import { createOfficialAccount } from '../../src/messaging/official.service.js';
import type { OperatorRole } from '../../src/governance/policy/policy.request.js';
import { addresses, freshCode, makeOperator, signInOperator } from '../broker/support.js';
import { randomId } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  CALLERS,
  KNOWN_HOLES,
  OPERATOR_CALLERS,
  PEOPLE,
  frameRows,
  rowName,
  rows,
  type Caller,
  type FrameOutcome,
  type FrameRow,
  type MatrixRequest,
  type Outcome,
  type World,
} from './authz-matrix.js';

let server: TestServer;
let world: World;
const tokens = {} as Record<Caller, string | null>;
const password = 'matrix long passphrase 9';
const fromJapan = { 'x-forwarded-for': addresses.JP };

interface Answer {
  status: number;
  body: unknown;
}

async function call(method: string, req: MatrixRequest, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = { ...fromJapan };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (req.body !== undefined) {
    headers['content-type'] = req.contentType ?? 'application/json';
    payload = req.contentType ? (req.body as Buffer) : JSON.stringify(req.body);
  }
  const res = await server.app.inject({ method: method as 'GET', url: req.url, headers, remoteAddress: req.remoteAddress ?? '127.0.0.1', ...(payload === undefined ? {} : { payload }) });
  let body: unknown = null;
  if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body.length > 0) body = JSON.parse(res.body);
  return { status: res.statusCode, body };
}

/** A person's request that must succeed (world building). */
async function must(method: string, url: string, token: string | null, body?: unknown, contentType?: string): Promise<Record<string, unknown>> {
  const res = await call(method, { url, ...(body === undefined ? {} : { body }), ...(contentType ? { contentType } : {}) }, token);
  if (res.status >= 300) throw new Error(`world: ${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

async function signUp(handle: string): Promise<{ id: string; handle: string; token: string }> {
  const res = await call('POST', { url: '/v1/auth/signup', body: { handle, displayName: handle, password, home: 'JP', email: `${handle}@example.test` }, remoteAddress: '10.1.0.1' }, null);
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { token: string; user: { id: string } };
  return { id: body.user.id, handle, token: body.token };
}

async function signIn(handle: string): Promise<{ token: string; sessionId: string }> {
  const body = (await must('POST', '/v1/auth/signin', null, { login: handle, password })) as { token: string; session: { id: string } };
  return { token: body.token, sessionId: body.session.id };
}

const isOperator = (c: Caller): c is (typeof OPERATOR_CALLERS)[number] => (OPERATOR_CALLERS as readonly string[]).includes(c);
const isPerson = (c: Caller): c is (typeof PEOPLE)[number] => (PEOPLE as readonly string[]).includes(c);

beforeAll(async () => {
  server = await startTestServer({ trustedProxies: ['127.0.0.1'], serving: false });
  const tag = randomId('m').slice(1, 8);
  const made = {} as Record<(typeof PEOPLE)[number] | 'bystander' | 'revoked', { id: string; handle: string; token: string }>;
  for (const who of ['stranger', 'reader', 'member', 'owner', 'bystander', 'revoked'] as const) made[who] = await signUp(`${who}-${tag}`);
  const officialHandle = `ward-${tag}`;
  const official = await createOfficialAccount({ ctx: server.runtime.messaging, handle: officialHandle, displayName: 'Matrix Ward', home: 'JP', class: 'government', password });
  made.official = { id: official.id, handle: officialHandle, token: official.token };
  await must('POST', '/v1/auth/signout', made.revoked.token);

  tokens.anonymous = null;
  tokens.revoked = made.revoked.token;
  for (const who of PEOPLE) tokens[who] = made[who].token;
  const operatorIds = {} as Record<(typeof OPERATOR_CALLERS)[number], string>;
  for (const role of OPERATOR_CALLERS) {
    operatorIds[role] = await makeOperator(server, { roles: [role] });
    tokens[role] = (await signInOperator(server, operatorIds[role], fromJapan)).token;
  }
  tokens.auditor = (await addAuditor({ db: server.runtime.directory.db, name: `matrix auditor ${tag}` })).token;

  const owner = tokens.owner;
  const png = gradientPng(4, 4, [200, 30, 30], [30, 30, 200]);
  // The member knows the owner, so the owner's groups reach them as chats, not message requests.
  await must('POST', '/v1/contacts', tokens.member, { handle: made.owner.handle });
  const newGroup = async (): Promise<string> => String((await must('POST', '/v1/conversations', owner, { kind: 'group', memberIds: [made.member.id], title: 'Matrix group' })).id);
  const group = await newGroup();
  const channel = official.channelId;
  await must('POST', `/v1/official-accounts/${official.id}/follow`, tokens.reader);
  await must('PUT', '/v1/me/avatar', owner, png, 'image/png');
  const ownerMessage = String((await must('POST', `/v1/conversations/${group}/messages`, owner, { clientId: 'matrix-1', text: 'hello group' })).id);
  const groupMedia = String((await must('POST', `/v1/conversations/${group}/media`, owner, png, 'image/png')).id);
  const reportRef = String((await must('POST', `/v1/conversations/${group}/messages/${ownerMessage}/report`, tokens.member, { reason: 'spam' })).caseRef);
  for (const who of PEOPLE) await must('POST', '/v1/pay/topups', tokens[who], { amount: 10_000, idempotencyKey: `matrix-topup-${who}` });
  const consentReceipt = String(((await must('POST', '/v1/me/consents', owner, { noticeId: 'jp-media-storage-kr' })).consent as { receiptId: string }).receiptId);

  // A support operator and an approver apart from the matrix's callers, for fresh tickets and grants.
  const requester = await signInOperator(server, await makeOperator(server, { roles: ['support'] }), fromJapan);
  const approver = await signInOperator(server, await makeOperator(server, { roles: ['approver'] }), fromJapan);
  // A case staff open waits for a second operator's approval (issue 16.1 / 14.4).
  const newTicket = async (): Promise<string> => {
    const ref = String((await must('POST', '/v1/ops/cases', requester.token, { subjects: [made.owner.id], reason: 'account' })).ref);
    await must('POST', `/v1/ops/cases/${ref}/approve`, approver.token);
    return ref;
  };
  const ticketRef = await newTicket();
  const newGrant = async (): Promise<string> =>
    String((await must('POST', '/v1/ops/grants', requester.token, { subjects: [made.owner.id], categories: ['user.content.message'], purpose: 'SUPPORT_CASE', caseRef: ticketRef, durationMinutes: 30, requestedLocation: 'JP' })).id);
  const grantId = await newGrant();
  // One allowed access, so the log has an entry and its tiles exist.
  await must('POST', '/v1/ops/access', requester.token, { purpose: 'SUPPORT_CASE', caseRef: ticketRef, subjects: [made.owner.id], categories: ['user.account'] });
  const logCell = server.runtime.logs.forJurisdiction('JP').cellId;

  let counter = 0;
  world = {
    user: { stranger: made.stranger, reader: made.reader, member: made.member, owner: made.owner, official: made.official },
    bystander: made.bystander,
    password,
    group,
    channel,
    groupMedia,
    ownerMessage,
    reportRef,
    ticketRef,
    grantId,
    consentReceipt,
    logCell,
    logSize: async () => (await server.runtime.logs.forJurisdiction('JP').checkpoint()).size,
    notice: JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../registries/notices/jp-media-storage-kr.json'), 'utf8')),
    png,
    fresh: {
      group: newGroup,
      async session(caller) {
        if (!isPerson(caller)) return { token: tokens[caller], sessionId: '' };
        const s = await signIn(world.user[caller].handle);
        return { token: s.token, sessionId: s.sessionId };
      },
      async personToken(caller) {
        if (!isPerson(caller)) return tokens[caller];
        return (await signUp(`mx${++counter}${Date.now().toString(36)}`)).token;
      },
      ownerSessionId: async () => (await signIn(made.owner.handle)).sessionId,
      async operatorSession(caller) {
        if (!isOperator(caller)) return tokens[caller];
        return (await signInOperator(server, await makeOperator(server, { roles: [caller as OperatorRole] }), fromJapan)).token;
      },
      async operatorCredentials() {
        const operatorId = await makeOperator(server, { roles: ['support'] });
        return { operatorId, password: demoOperatorPassword, code: await freshCode(operatorId) };
      },
      grant: newGrant,
      async approvedGrant() {
        const id = await newGrant();
        await must('POST', `/v1/ops/grants/${id}/approve`, approver.token);
        return id;
      },
      ticket: newTicket,
      paymentToMember: async () => String(((await must('POST', '/v1/pay/payments', owner, { to: made.member.id, amount: 1, currency: 'JPY', idempotencyKey: `matrix-pay-${(counter += 1)}` })).payment as { id: string }).id),
      handle: () => `mx${tag}${(counter += 1)}`,
      address: () => `10.2.${Math.floor((counter += 1) / 250) % 250}.${(counter % 250) + 1}`,
    },
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const holeOf = (row: string, caller: Caller) => KNOWN_HOLES.find((h) => h.row === row && h.caller === caller);

/** Mismatches of one row across callers, known holes set apart; a listed hole that now passes is a mismatch too. */
function judge(row: string, results: { caller: Caller; got: string; want: string; note?: string | null }[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const ok = r.got === r.want && !r.note;
    const hole = holeOf(row, r.caller);
    if (!ok && !hole) problems.push(`${r.caller}: expected ${r.want}, got ${r.got}${r.note ? ` (${r.note})` : ''}`);
    if (ok && hole) problems.push(`${r.caller}: passes now — remove the KNOWN_HOLES entry for issue item ${hole.item} ("${row}", ${r.caller})`);
  }
  return problems;
}

const statusMatches = (want: Outcome, status: number): boolean => (want === '2xx' ? status >= 200 && status < 300 : status === want);

describe('the matrix covers the running app', () => {
  it('has a row for every HTTP route the app registers, and none for a route it does not', () => {
    const registered = server.app.routeInventory.filter((r) => !r.websocket).map((r) => `${r.method} ${r.url}`);
    const covered = new Set(rows.map((r) => r.route));
    const missing = registered.filter((r) => !covered.has(r)).map((r) => `no matrix row for "${r}": add row('${r}', (w) => json(…), people()) to rows in test/http/authz-matrix.ts`);
    const stale = [...covered].filter((r) => !registered.includes(r)).map((r) => `a matrix row names "${r}", which the app does not register: remove or rename it`);
    expect([...missing, ...stale]).toEqual([]);
  });

  it('has a row for every WebSocket and frame type the app accepts', () => {
    const sockets = server.app.routeInventory.filter((r) => r.websocket).map((r) => r.url);
    const missing: string[] = [];
    for (const socket of sockets) {
      const declared = declaredFrameTypes[socket];
      if (!declared) missing.push(`the WebSocket ${socket} declares no frame types in src/http/data-access.ts`);
      for (const type of declared ?? []) {
        if (!frameRows.some((f) => f.socket === socket && f.type === type)) missing.push(`no frame row for "${type}" on ${socket}: add one to frameRows in test/http/authz-matrix.ts`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names every caller in every row', () => {
    for (const r of [...rows, ...frameRows]) expect(Object.keys(r.expect).sort(), 'route' in r ? rowName(r) : `${r.socket} ${r.type}`).toEqual([...CALLERS].sort());
  });
});

describe('every route, every caller', () => {
  for (const row of rows) {
    it(rowName(row), async () => {
      const [method] = row.route.split(' ') as [string];
      const results: { caller: Caller; got: string; want: string; note?: string | null }[] = [];
      for (const caller of CALLERS) {
        const req = await row.request(world, caller);
        const res = await call(method, req, req.token === undefined ? tokens[caller] : req.token);
        const want = row.expect[caller];
        const got = statusMatches(want, res.status) ? String(want) : `${res.status} ${JSON.stringify((res.body as { error?: { code: string } } | null)?.error?.code ?? '')}`;
        const note = res.status < 300 ? (row.inspect?.[caller]?.(res.body, world) ?? null) : null;
        results.push({ caller, got, want: String(want), note });
      }
      expect(judge(rowName(row), results)).toEqual([]);
    }, 120_000);
  }
});

// WebSocket frames -------------------------------------------------------------------------------

/** What answers each frame when it succeeds (frames without their own answer are followed by a ping). */
const successFrame: Record<string, string> = { hello: 'ready', send: 'ack', read: 'pong', ping: 'pong', access: 'access-result' };

interface Socket {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  closed: number | null;
  wait(test: (f: Record<string, unknown>) => boolean, ms?: number): Promise<'frame' | 'closed' | 'timeout'>;
}

async function open(path: string): Promise<Socket> {
  const ws = new WebSocket(server.wsUrl.replace('/v1/ws', path), { headers: fromJapan });
  const s: Socket = {
    ws,
    frames: [],
    closed: null,
    wait(test, ms = 5000) {
      return new Promise((resolve) => {
        const check = (): boolean => {
          if (s.frames.some(test)) return done('frame');
          if (s.closed !== null) return done('closed');
          return false;
        };
        const timer = setTimeout(() => done('timeout'), ms);
        const done = (r: 'frame' | 'closed' | 'timeout'): boolean => {
          clearTimeout(timer);
          ws.off('message', check);
          ws.off('close', check);
          resolve(r);
          return true;
        };
        // Listeners run after the recording ones below, so `frames` and `closed` are current.
        if (!check()) {
          ws.on('message', check);
          ws.on('close', check);
        }
      });
    },
  };
  ws.on('message', (data) => s.frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  ws.on('close', (code) => (s.closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return s;
}

async function frameOutcome(row: FrameRow, caller: Caller): Promise<FrameOutcome | string> {
  const s = await open(row.socket);
  try {
    const helloDone = row.socket === '/v1/ws' ? 'caught-up' : 'ready';
    let frame = row.frame(world);
    if (row.type === 'hello') {
      if (tokens[caller]) frame = { ...frame, token: tokens[caller] };
    } else if (caller === 'revoked') {
      // A socket opened by a session that is then signed out.
      const session = await world.fresh.session('owner');
      s.ws.send(JSON.stringify({ type: 'hello', token: session.token }));
      await s.wait((f) => f.type === helloDone);
      await call('POST', { url: '/v1/auth/signout' }, session.token);
      // Revocation closes the socket "at once": give the close 200 ms to arrive.
      await s.wait(() => false, 200);
    } else if (tokens[caller]) {
      s.ws.send(JSON.stringify({ type: 'hello', token: tokens[caller] }));
      await s.wait((f) => f.type === helloDone || f.type === 'error');
    }
    if (s.closed !== null) return `close:${s.closed}`;
    const seen = s.frames.length;
    const ok = row.type === 'hello' ? helloDone : (successFrame[row.type] ?? 'pong');
    s.ws.send(JSON.stringify(frame));
    if (ok === 'pong' && row.type !== 'ping') s.ws.send('{"type":"ping"}');
    const first = await s.wait((f) => s.frames.indexOf(f) >= seen && (f.type === ok || f.type === 'error'));
    if (first === 'timeout') return 'timeout';
    // An error may be followed by a close: a ping tells which.
    if (s.closed === null) {
      s.ws.send('{"type":"ping"}');
      const pongs = (): number => s.frames.slice(seen).filter((f) => f.type === 'pong').length;
      const before = pongs();
      await s.wait(() => pongs() > before, 2000);
    }
    if (s.closed !== null) return `close:${s.closed}`;
    const error = s.frames.slice(seen).find((f) => f.type === 'error');
    return error ? `error:${String(error.code)}` : 'ok';
  } finally {
    s.ws.close();
  }
}

describe('every WebSocket frame, every caller', () => {
  for (const row of frameRows) {
    it(`${row.socket} ${row.type}`, async () => {
      const results: { caller: Caller; got: string; want: string }[] = [];
      for (const caller of CALLERS) results.push({ caller, got: await frameOutcome(row, caller), want: row.expect[caller] });
      expect(judge(`${row.socket} ${row.type}`, results)).toEqual([]);
    }, 120_000);
  }
});
