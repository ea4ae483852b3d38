// Route schemas compiled on first use (src/http/lazy.compilers.ts, what `domicile serve` runs):
// the same refusals with the same codes and messages, answers still shaped by their response
// schemas, and no route with a headers schema (the one place Fastify treats a compilers factory
// differently).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectSchemaRefusals, startTestServer, type TestServer } from '../support/server.js';

type ErrorResponse = { error: { code: string; message: string } };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ lazySchemas: true });
});
afterAll(async () => {
  await server.close();
});

describe('lazily compiled route schemas', () => {
  it('refuse what the eager ones refuse, with the same codes, writing nothing', async () => {
    await expectSchemaRefusals(server);
  });

  it('serialise answers through their response schemas', async () => {
    const client = new ApiClient(server.url);
    const signedUp = await client.signUp({ handle: 'lazy-a' });
    expect(signedUp.user.id).toBe('lazy-a');
    const list = await client.request('GET', '/v1/conversations');
    expect(list.status).toBe(200);
    const conversations = await client.request('GET', '/v1/conversations/nope/messages');
    expect(conversations.status).toBe(404);
    expect((conversations.body as ErrorResponse).error.code).toMatch(/^[A-Z_]+$/);
  });

  it('meet no headers schema on any route', async () => {
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: { in: string }[] }>> };
    const headerParameters = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => (op.parameters ?? []).filter((p) => p.in === 'header').map(() => `${method} ${path}`)),
    );
    expect(headerParameters).toEqual([]);
  });
});
