// The response schema is an allow-list: what a handler returns beyond it never leaves the server.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorResponses } from '../schemas.js';
import { User } from './people.schemas.js';

describe('a response schema', () => {
  it('drops every field it does not name, however the handler built its answer', async () => {
    const app = Fastify({ logger: false });
    const user = { id: 'hanako', handle: 'hanako', displayName: 'Hanako', home: 'JP', kind: 'user', class: 'consumer', hasAvatar: false };
    app.get('/me', { schema: { response: { 200: User, ...errorResponses } } }, async () => ({ ...user, email: 'hanako@example.jp', phone: '+81 90 0000 0000', passwordHash: 'x' }));
    const res = await app.inject({ method: 'GET', url: '/me' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(user);
    await app.close();
  });
});
