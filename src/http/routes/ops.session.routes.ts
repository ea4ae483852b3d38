// Operator sign-in (password + TOTP, from the declared office country only), sign-out, and the
// signed-in operator with where this request comes from (labelled when simulated in demo mode).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { presentOperator, type Operators } from '../../governance/operators/operators.js';
import { operatorOf, requestOrigin, requireOperator, type OperatorGate } from '../operator-auth.js';
import { body, errorResponses, NoContent, publicRoute } from '../schemas.js';
import { OperatorId, OperatorMe, OperatorSignedIn, opsSecurity } from './ops.schemas.js';

export interface OpsSessionRoutesOptions {
  gate: OperatorGate;
  operators: Pick<Operators, 'signIn' | 'signOut'>;
}

export const opsSessionRoutes: FastifyPluginAsyncTypebox<OpsSessionRoutesOptions> = async (app, { gate, operators }) => {

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
      const origin = requestOrigin(gate, request);
      const signedIn = await operators.signIn({
        operatorId: request.body.operatorId,
        password: request.body.password,
        code: request.body.code,
        origin,
        isBlocked: (country) => gate.cutoff.isBlocked(country),
      });
      return { token: signedIn.token, session: signedIn.session, operator: presentOperator(signedIn.operator), origin };
    },
  );

  const auth = requireOperator(gate);

  app.post('/v1/ops/auth/signout', { preHandler: auth, schema: { tags: ['operators'], summary: 'End this operator session', operationId: 'operatorSignOut', security: opsSecurity, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    await operators.signOut(operatorOf(request).session.id);
    return reply.status(204).send();
  });

  app.get(
    '/v1/ops/me',
    { preHandler: auth, schema: { tags: ['operators'], summary: 'The signed-in operator, this session, where this request comes from, and the blocked jurisdictions', operationId: 'getOperatorMe', security: opsSecurity, response: { 200: OperatorMe, ...errorResponses } } },
    async (request) => {
      const { operator, session, origin } = operatorOf(request);
      return { operator: presentOperator(operator), session, origin, blocked: gate.cutoff.list() };
    },
  );
};
