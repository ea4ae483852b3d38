// Sign-up, sign-in, sign-out and session management.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changePassword, listSessions, revokeSession, revokeSessions, signIn, signUp } from '../../messaging/account.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Handle, Id, Jurisdiction, Line, Name, NoContent, publicRoute } from '../schemas.js';
import { PasswordChanged, SessionList, SignedIn, SignedOutEverywhere } from './auth.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type AuthRoutesOptions = Pick<Runtime, 'messaging'>;

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;

  app.post(
    '/v1/auth/signup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in',
        operationId: 'signUp',
        security: publicRoute,
        body: body({
          handle: Handle,
          displayName: Name({ minLength: 1, maxLength: 80 }),
          password: Type.String({ minLength: 8, maxLength: 200 }),
          home: Jurisdiction,
          email: Type.Optional(Line({ minLength: 3, maxLength: 200, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })),
          phone: Type.Optional(Type.String({ minLength: 6, maxLength: 30, pattern: '^\\+?[0-9 ()-]+$' })),
        }),
        response: { 201: SignedIn, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await signUp({ ctx, ...request.body, address: request.ip });
      return reply.status(201).send(result);
    },
  );

  app.post(
    '/v1/auth/signin',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with handle, e-mail or phone and password',
        operationId: 'signIn',
        security: publicRoute,
        body: body({ login: Line({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: SignedIn, ...errorResponses },
      },
    },
    async (request) => signIn({ ctx, login: request.body.login, password: request.body.password, address: request.ip }),
  );

  const auth = requireAuth(ctx);

    app.post('/v1/auth/signout', { preHandler: auth, schema: { tags: ['auth'], summary: 'Revoke the current session', operationId: 'signOut', security: bearer, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
      const auth = request.auth;
      if (auth) await revokeSession({ ctx, subject: auth.subject, sessionId: auth.sessionId });
      return reply.status(204).send();
    });

    app.post(
      '/v1/auth/signout-everywhere',
      {
        preHandler: auth,
        schema: { tags: ['auth'], summary: 'Sign out everywhere: revoke every session of yours, this one included; their sockets close at once', operationId: 'signOutEverywhere', security: bearer, response: { 200: SignedOutEverywhere, ...errorResponses } },
      },
      async (request) => ({ revokedSessions: await revokeSessions({ ctx, subject: actorOf(request), reason: 'signed out everywhere' }) }),
    );

    app.post(
      '/v1/auth/password',
      {
        preHandler: auth,
        schema: {
          tags: ['auth'],
          summary: 'Change your password; every other session is signed out',
          operationId: 'changePassword',
          security: bearer,
          body: body({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Type.String({ minLength: 8, maxLength: 200 }) }),
          response: { 200: PasswordChanged, ...errorResponses },
        },
      },
      async (request) =>
        changePassword({ ctx, subject: actorOf(request), sessionId: request.auth?.sessionId ?? '', currentPassword: request.body.currentPassword, newPassword: request.body.newPassword }),
    );

    app.get('/v1/sessions', { preHandler: auth, schema: { tags: ['auth'], summary: 'List your active sessions', operationId: 'listSessions', security: bearer, response: { 200: SessionList, ...errorResponses } } }, async (request) => ({
      sessions: await listSessions({ ctx, subject: actorOf(request), currentSessionId: request.auth?.sessionId ?? '' }),
    }));

    app.delete(
      '/v1/sessions/:sessionId',
      { preHandler: auth, schema: { tags: ['auth'], summary: 'Revoke one of your sessions', operationId: 'revokeSession', security: bearer, params: Type.Object({ sessionId: Id }), response: { 204: NoContent, ...errorResponses } } },
      async (request, reply) => {
        await revokeSession({ ctx, subject: actorOf(request), sessionId: request.params.sessionId });
        return reply.status(204).send();
      },
    );
};
