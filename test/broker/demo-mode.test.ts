// Demo mode: an operator on loopback may pick a simulated source address; the session, every
// answer and every log entry say it was simulated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { entriesAbout, freshCode, type ErrorBody } from './support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ demo: true, demoMode: true });
});
afterAll(async () => {
  await server.close();
});

const simulate = (address: string): Record<string, string> => ({ 'x-domicile-simulated-address': address });

describe('a simulated source address', () => {
  it('lets a demo operator on loopback appear from Japan, labelled as simulated everywhere', async () => {
    const client = new ApiClient(server.url);
    const loopback = await client.request('POST', '/v1/ops/auth/signin', { operatorId: 'op-tokyo-support', password: 'domicile-ops-demo', code: await freshCode('op-tokyo-support') });
    expect((loopback.body as ErrorBody).error.code).toBe('LOCATION_UNKNOWN');
    const signedIn = await client.request('POST', '/v1/ops/auth/signin', { operatorId: 'op-tokyo-support', password: 'domicile-ops-demo', code: await freshCode('op-tokyo-support') }, simulate('133.242.0.1'));
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ session: { simulated: true, country: 'JP' }, origin: { address: '133.242.0.1', country: 'JP', simulated: true } });
    client.token = (signedIn.body as { token: string }).token;
    const read = await client.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, simulate('133.242.0.1'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ origin: { simulated: true } });
    const entry = (await entriesAbout(server, 'hanako', 1))[0];
    expect(entry?.policyIds).toContain('demo:simulated-address');
  });

  it('works for the operator WebSocket too, through its hello frame', async () => {
    const client = new ApiClient(server.url);
    const signedIn = await client.request('POST', '/v1/ops/auth/signin', { operatorId: 'op-shanghai-eng1', password: 'domicile-ops-demo', code: await freshCode('op-shanghai-eng1') }, simulate('1.2.4.8'));
    expect(signedIn.status).toBe(200);
    const socket = new WebSocket(server.wsUrl.replace('/v1/ws', '/v1/ops/ws'));
    await new Promise((resolve) => socket.once('open', resolve));
    const ready = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
    socket.send(JSON.stringify({ type: 'hello', token: (signedIn.body as { token: string }).token, simulatedAddress: '1.2.4.8' }));
    expect(await ready).toMatchObject({ type: 'ready', origin: { country: 'CN', simulated: true } });
    socket.close();
  });
});

describe('operator sign-in', () => {
  it('needs the password and a one-time code that works once, from the declared office country', async () => {
    const client = new ApiClient(server.url);
    const code = await freshCode('op-tokyo-approver');
    const body = { operatorId: 'op-tokyo-approver', password: 'domicile-ops-demo', code };
    const wrongPassword = await client.request('POST', '/v1/ops/auth/signin', { ...body, password: 'domicile-ops-wrong' }, simulate('133.242.0.1'));
    expect((wrongPassword.body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    const abroad = await client.request('POST', '/v1/ops/auth/signin', body, simulate('211.43.0.1'));
    expect((abroad.body as ErrorBody).error.code).toBe('LOCATION_MISMATCH');
    // The code was spent by the refused sign-in from Korea: a replay fails even from Japan.
    const replay = await client.request('POST', '/v1/ops/auth/signin', body, simulate('133.242.0.1'));
    expect((replay.body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    const fresh = await client.request('POST', '/v1/ops/auth/signin', { ...body, code: await freshCode('op-tokyo-approver') }, simulate('133.242.0.1'));
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ operator: { id: 'op-tokyo-approver', roles: ['approver'] } });
  });
});
