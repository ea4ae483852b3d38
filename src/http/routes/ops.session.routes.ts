// Operator sign-in (password + TOTP, from the declared office country only), sign-out, and the
// signed-in operator with where this request comes from (labelled when simulated in demo mode).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { presentOperator } from '../../governance/operators/operators.js';
import { operatorOf, requestOrigin, requireOperator } from '../operator-auth.js';
import { body, errorResponses, NoContent, publicRoute } from '../schemas.js';
import { OperatorId, OperatorMe, OperatorSignedIn, opsSecurity } from './ops.schemas.js';
import type { RouteOptions } from './route-options.js';

export const opsSessionRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { runtime }) => {
  const governance = runtime.governance;

  app.post(
    '/v1/ops/auth/signin',
    {
      schema: {
        tags: ['operators'],
        summary: 'Operator sign-in with password and one-time code; only from the declared office country',
        operationId: 'operatorSignIn',
        security: publicRoute,
        body: body({
          operatorId: OperatorId,
          password: Type.String({ minLength: 1, maxLength: 200 }),
          code: Type.String({ minLength: 6, maxLength: 8, pattern: '^[0-9]+$', description: 'TOTP code (RFC 6238, 30 s, 6 digits)' }),
        }),
        response: { 200: OperatorSignedIn, ...errorResponses },
      },
    },
    async (request) => {
      const origin = requestOrigin(governance, request);
      const signedIn = await governance.operators.signIn({
        operatorId: request.body.operatorId,
        password: request.body.password,
        code: request.body.code,
        origin,
        isBlocked: (country) => governance.cutoff.isBlocked(country),
      });
      return { token: signedIn.token, session: signedIn.session, operator: presentOperator(signedIn.operator), origin };
    },
  );

  const auth = requireOperator(governance);

  app.post('/v1/ops/auth/signout', { preHandler: auth, schema: { tags: ['operators'], summary: 'End this operator session', operationId: 'operatorSignOut', security: opsSecurity, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    await governance.operators.signOut(operatorOf(request).session.id);
    return reply.status(204).send();
  });

  app.get(
    '/v1/ops/me',
    { preHandler: auth, schema: { tags: ['operators'], summary: 'The signed-in operator, this session, where this request comes from, and the blocked jurisdictions', operationId: 'getOperatorMe', security: opsSecurity, response: { 200: OperatorMe, ...errorResponses } } },
    async (request) => {
      const { operator, session, origin } = operatorOf(request);
      return { operator: presentOperator(operator), session, origin, blocked: governance.cutoff.list() };
    },
  );
};
