// Lock-out by strangers (issue 14 hole 6): failures count per account whichever alias is typed,
// an address backs off progressively, the owner is never locked out (the right password from an
// address that signed in before, or a password change, gets in), and sign-up is limited per
// address. Refusals carry stable codes and Retry-After. Addresses are posed through a trusted proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { makeOperator, signInOperator, unusedCode } from '../broker/support.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

type ErrorBody = { error: { code: string; details?: { retryAfterSeconds?: number } } };
const password = 'correct horse battery';
const via = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ trustedProxies: ['127.0.0.1'], limits: { signupsPerAddressPerHour: 2 } });
});
afterAll(async () => {
  await server.close();
});

async function signIn(login: string, pass: string, address: string) {
  return new ApiClient(server.url).request('POST', '/v1/auth/signin', { login, password: pass }, via(address));
}

async function signUp(handle: string, address: string) {
  return new ApiClient(server.url).request('POST', '/v1/auth/signup', { handle, displayName: handle, password, home: 'JP', email: `${handle}@example.test` }, via(address));
}

describe('sign-in under attack', () => {
  it('counts failures per account across aliases; strangers then get ACCOUNT_PROTECTED, the owner still gets in', async () => {
    expect((await signUp('sakura', '192.0.2.1')).status).toBe(201);
    expect((await signIn('sakura', password, '192.0.2.1')).status).toBe(200);
    // Five strangers, five addresses, three spellings of one login: one account's count.
    const aliases = ['sakura', 'sakura@example.test', 'SAKURA', 'Sakura@Example.test', 'sakura'];
    for (const [i, login] of aliases.entries()) {
      const res = await signIn(login, `guess-${i}`, `203.0.113.${i + 1}`);
      expect((res.body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    }
    // Even the right password, from an address this account has never signed in from, waits.
    const stranger = await signIn('sakura', password, '203.0.113.50');
    expect(stranger.status).toBe(429);
    expect((stranger.body as ErrorBody).error.code).toBe('ACCOUNT_PROTECTED');
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(800);
    // The owner, from the address they used before, is not locked out.
    const owner = await signIn('sakura', password, '192.0.2.1');
    expect(owner.status).toBe(200);
  });

  it('a password change lifts the protection for the owner’s new devices', async () => {
    expect((await signUp('tsubasa', '192.0.2.2')).status).toBe(201);
    const laptop = new ApiClient(server.url);
    await laptop.signIn('tsubasa', password);
    for (let i = 0; i < 5; i += 1) await signIn('tsubasa', `guess-${i}`, `198.51.100.${i + 1}`);
    expect(((await signIn('tsubasa', password, '198.51.100.77')).body as ErrorBody).error.code).toBe('ACCOUNT_PROTECTED');
    expect((await laptop.request('POST', '/v1/auth/password', { currentPassword: password, newPassword: 'amber kettle horizon' })).status).toBe(200);
    expect((await signIn('tsubasa', 'amber kettle horizon', '198.51.100.77')).status).toBe(200);
  });

  it('backs one address off progressively: 1 s after its fifth failure, then 2 s', async () => {
    const address = '203.0.113.200';
    for (let i = 0; i < 5; i += 1) expect(((await signIn(`nobody-${i}`, 'x', address)).body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    const first = await signIn('nobody-5', 'x', address);
    expect(first.status).toBe(429);
    expect((first.body as ErrorBody).error.code).toBe('RATE_LIMITED');
    expect(first.headers.get('retry-after')).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(((await signIn('nobody-5', 'x', address)).body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    const second = await signIn('nobody-6', 'x', address);
    expect(second.headers.get('retry-after')).toBe('2');
    // Another address is not slowed.
    expect(((await signIn('nobody-6', 'x', '203.0.113.201')).body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('operator sign-in under attack', () => {
  it('strangers’ wrong passwords do not lock an operator out of the console from the office', async () => {
    const id = await makeOperator(server, { roles: ['support'] });
    const office = '133.242.0.1';
    await signInOperator(server, id, via(office));
    for (let i = 0; i < 5; i += 1) {
      const res = await new ApiClient(server.url).request('POST', '/v1/ops/auth/signin', { operatorId: id, password: `guess-${i}`, code: '000000' }, via(`133.242.0.${10 + i}`));
      expect((res.body as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
    }
    const elsewhere = await new ApiClient(server.url).request('POST', '/v1/ops/auth/signin', { operatorId: id, password: demoOperatorPassword, code: unusedCode(id) }, via('133.242.0.99'));
    expect((elsewhere.body as ErrorBody).error.code).toBe('ACCOUNT_PROTECTED');
    expect(elsewhere.headers.get('retry-after')).not.toBeNull();
    await signInOperator(server, id, via(office));
  });
});

describe('sign-up', () => {
  it('is limited per address (RATE_LIMITED, Retry-After) and the refused one writes nothing', async () => {
    const address = '192.0.2.99';
    expect((await signUp('umi-one', address)).status).toBe(201);
    expect((await signUp('umi-two', address)).status).toBe(201);
    const third = await signUp('umi-three', address);
    expect(third.status).toBe(429);
    expect((third.body as ErrorBody).error.code).toBe('RATE_LIMITED');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await server.runtime.directory.find('umi-three')).toBeNull();
    expect((await signUp('umi-three', '192.0.2.100')).status).toBe(201);
  });
});
