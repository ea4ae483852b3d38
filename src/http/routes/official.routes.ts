// Official accounts: the directory of them, following, and broadcasts by the account itself.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { maxTextLength } from '../../messaging/message.service.js';
import { broadcast, follow, listOfficialAccounts, unfollow } from '../../messaging/official.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, ClientId, errorResponses, Id, NoContent } from '../schemas.js';
import { Message } from './conversation.schemas.js';
import { OfficialAccountList } from './official.schemas.js';
import type { Runtime } from '../../app/runtime.js';

const Params = Type.Object({ id: Id });

/** Only the parts of the runtime these routes use. */
export type OfficialRoutesOptions = Pick<Runtime, 'messaging'>;

export const officialRoutes: FastifyPluginAsyncTypebox<OfficialRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  app.addHook('preHandler', requireAuth(ctx));

  app.get('/v1/official-accounts', { schema: { tags: ['official accounts'], summary: 'Official accounts you can follow', operationId: 'listOfficialAccounts', security: bearer, response: { 200: OfficialAccountList, ...errorResponses } } }, async (request) => ({
    accounts: await listOfficialAccounts({ ctx, actor: actorOf(request) }),
  }));

  app.post('/v1/official-accounts/:id/follow', { schema: { tags: ['official accounts'], summary: 'Follow (read its channel)', operationId: 'follow', security: bearer, params: Params, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    await follow({ ctx, actor: actorOf(request), accountId: request.params.id });
    return reply.status(204).send();
  });

  app.delete('/v1/official-accounts/:id/follow', { schema: { tags: ['official accounts'], summary: 'Unfollow', operationId: 'unfollow', security: bearer, params: Params, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    await unfollow({ ctx, actor: actorOf(request), accountId: request.params.id });
    return reply.status(204).send();
  });

  app.post(
    '/v1/official-accounts/:id/broadcasts',
    {
      schema: {
        tags: ['official accounts'],
        summary: 'Broadcast to followers (the account itself only)',
        operationId: 'broadcast',
        security: bearer,
        params: Params,
        body: body({ clientId: ClientId, text: Type.String({ minLength: 1, maxLength: maxTextLength }) }),
        response: { 201: Message, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await broadcast({ ctx, actor: actorOf(request), accountId: request.params.id, clientId: request.body.clientId, text: request.body.text })),
  );
};
