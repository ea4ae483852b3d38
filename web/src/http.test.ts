import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, errorMessage, errorMessageWithCode, HttpClient } from './http.js';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
}

function stubFetch(answer: () => Response | Promise<Response>): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    seen.push({ url, method: init.method ?? 'GET', headers: new Headers(init.headers), body: init.body });
    return answer();
  });
  return seen;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('HttpClient', () => {
  it('sends the bearer token, the owner’s extra headers and a JSON body, and returns the typed answer', async () => {
    const seen = stubFetch(() => json(200, { id: 'u1' }));
    const client = new HttpClient({ baseUrl: 'http://x', getToken: () => 't0k', extraHeaders: () => ({ 'X-Domicile-Simulated-Address': '133.242.0.1' }) });
    const answer = await client.json<{ id: string }>('/v1/thing', { method: 'POST', body: { json: { a: 1 } } });
    expect(answer).toEqual({ id: 'u1' });
    expect(seen[0]).toMatchObject({ url: 'http://x/v1/thing', method: 'POST', body: '{"a":1}' });
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer t0k');
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
    expect(seen[0]?.headers.get('x-domicile-simulated-address')).toBe('133.242.0.1');
  });

  it('sends no Authorization header without a token', async () => {
    const seen = stubFetch(() => new Response(null, { status: 204 }));
    await new HttpClient({ getToken: () => null }).empty('/v1/auth/signout', { method: 'POST' });
    expect(seen[0]?.headers.has('authorization')).toBe(false);
  });

  it('turns the server’s error envelope into an ApiError with its code, message and details', async () => {
    stubFetch(() => json(403, { error: { code: 'ACCESS_DENIED', message: 'Denied by policy.', details: { requestId: 'r1' } } }));
    const err: unknown = await new HttpClient({ getToken: () => 't' }).json('/v1/ops/access').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, code: 'ACCESS_DENIED', message: 'Denied by policy.', details: { requestId: 'r1' } });
    expect(errorMessage(err)).toBe('Denied by policy.');
    expect(errorMessageWithCode(err)).toBe('Denied by policy. (ACCESS_DENIED)');
  });

  it('names the status when the error is not the server’s envelope, and says so when the server cannot be reached', async () => {
    stubFetch(() => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(new HttpClient({ getToken: () => null }).json('/v1/me')).rejects.toMatchObject({ status: 502, code: 'HTTP_502', message: 'The request failed (502). Please try again.' });
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(new HttpClient({ getToken: () => null }).json('/v1/me')).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('reports a refused token (401) to its listener, but not a 401 for a request sent without one', async () => {
    stubFetch(() => json(401, { error: { code: 'UNAUTHENTICATED', message: 'Sign in again.' } }));
    const onUnauthorized = vi.fn();
    const withToken = new HttpClient({ getToken: () => 'expired' });
    withToken.onUnauthorized(onUnauthorized);
    await expect(withToken.json('/v1/me')).rejects.toBeInstanceOf(ApiError);
    const without = new HttpClient({ getToken: () => null });
    without.onUnauthorized(onUnauthorized);
    await expect(without.json('/v1/auth/signin')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});
