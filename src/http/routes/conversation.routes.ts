// Conversations, members, messages, images and read receipts. Every route checks membership
// in the use case; a non-member gets the same 404 as for a conversation that does not exist.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  addMember,
  answerRequest,
  conversationPage,
  createConversation,
  getConversation,
  listConversations,
  listMembers,
  markRead,
  removeMember,
} from '../../messaging/conversation.service.js';
import { getConversationImage, maxImageBytes, uploadConversationImage } from '../../messaging/media.service.js';
import { listMessages, maxTextLength, sendMessage } from '../../messaging/message.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { sendMedia } from '../security-headers.js';
import { bearer, binary, body, ClientId, errorResponses, Id, imageConsumes, Name, NoContent, SeqString } from '../schemas.js';
import { Conversation, ConversationList, MemberList, Message, MessagePage, Ok, StoredMedia } from './conversation.schemas.js';
import type { Runtime } from '../../app/runtime.js';

const ConversationParams = Type.Object({ id: Id });

/** Only the parts of the runtime these routes use. */
export type ConversationRoutesOptions = Pick<Runtime, 'messaging'>;

export const conversationRoutes: FastifyPluginAsyncTypebox<ConversationRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  app.addHook('preHandler', requireAuth(ctx));

  app.get(
    '/v1/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Your conversations, newest activity first, one page at a time',
        operationId: 'listConversations',
        security: bearer,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: `page size, 1–${conversationPage.max} (default ${conversationPage.default})` })),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConversationList, ...errorResponses },
      },
    },
    async (request) => listConversations({ ctx, actor: actorOf(request), limit: request.query.limit === undefined ? undefined : Number(request.query.limit), cursor: request.query.cursor }),
  );

  app.post(
    '/v1/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Start a direct or group conversation',
        operationId: 'createConversation',
        security: bearer,
        body: body({
          kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
          memberIds: Type.Array(Id, { minItems: 1, maxItems: 499 }),
          title: Type.Optional(Name({ maxLength: 100 })),
        }),
        response: { 200: Type.Composite([Conversation], { description: 'the direct conversation with these members already existed' }), 201: Conversation, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { conversation, created } = await createConversation({ ctx, actor: actorOf(request), ...request.body });
      return reply.status(created ? 201 : 200).send(conversation);
    },
  );

  app.get('/v1/conversations/:id', { schema: { tags: ['conversations'], summary: 'One conversation', operationId: 'getConversation', security: bearer, params: ConversationParams, response: { 200: Conversation, ...errorResponses } } }, async (request) =>
    getConversation({ ctx, actor: actorOf(request), conversationId: request.params.id }),
  );

  app.get(
    '/v1/conversations/:id/members',
    { schema: { tags: ['conversations'], summary: 'Members of a conversation', operationId: 'listMembers', security: bearer, params: ConversationParams, response: { 200: MemberList, ...errorResponses } } },
    async (request) => ({ members: await listMembers({ ctx, actor: actorOf(request), conversationId: request.params.id }) }),
  );

  app.post(
    '/v1/conversations/:id/members',
    { schema: { tags: ['conversations'], summary: 'Add a member to a group', operationId: 'addMember', security: bearer, params: ConversationParams, body: body({ userId: Id }), response: { 201: Ok, ...errorResponses } } },
    async (request, reply) => {
      await addMember({ ctx, actor: actorOf(request), conversationId: request.params.id, userId: request.body.userId });
      return reply.status(201).send({ ok: true });
    },
  );

  for (const [answer, accept] of [['accept', true], ['decline', false]] as const) {
    app.post(
      `/v1/conversations/:id/${answer}`,
      {
        schema: {
          tags: ['conversations'],
          summary: accept ? 'Accept a message request: become a member, with live messages' : 'Decline a message request: leave the group',
          operationId: accept ? 'acceptRequest' : 'declineRequest',
          security: bearer,
          params: ConversationParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        await answerRequest({ ctx, actor: actorOf(request), conversationId: request.params.id, accept });
        return reply.status(204).send();
      },
    );
  }

  app.delete(
    '/v1/conversations/:id/members/:userId',
    { schema: { tags: ['conversations'], summary: 'Leave, or remove a member', operationId: 'removeMember', security: bearer, params: Type.Object({ id: Id, userId: Id }), response: { 204: NoContent, ...errorResponses } } },
    async (request, reply) => {
      await removeMember({ ctx, actor: actorOf(request), conversationId: request.params.id, userId: request.params.userId });
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'History, newest page first; pass nextBefore as before for older messages',
        operationId: 'listMessages',
        security: bearer,
        params: ConversationParams,
        querystring: Type.Object(
          { before: Type.Optional(SeqString), limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })) },
          { additionalProperties: false },
        ),
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) =>
      listMessages({
        ctx,
        actor: actorOf(request),
        conversationId: request.params.id,
        before: request.query.before === undefined ? undefined : Number(request.query.before),
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
      }),
  );

  app.post(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Send a text or image message (idempotent on clientId)',
        operationId: 'sendMessage',
        security: bearer,
        params: ConversationParams,
        body: body({ clientId: ClientId, text: Type.Optional(Type.String({ minLength: 1, maxLength: maxTextLength })), mediaId: Type.Optional(Id) }),
        response: { 201: Message, ...errorResponses },
      },
    },
    async (request, reply) => {
      const message = await sendMessage({ ctx, actor: actorOf(request), conversationId: request.params.id, ...request.body });
      return reply.status(201).send(message);
    },
  );

  app.post(
    '/v1/conversations/:id/media',
    {
      bodyLimit: maxImageBytes,
      schema: {
        tags: ['conversations'],
        summary: 'Upload an image (raw bytes) to send in this conversation',
        operationId: 'uploadImage',
        security: bearer,
        params: ConversationParams,
        consumes: imageConsumes,
        response: { 201: StoredMedia, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stored = await uploadConversationImage({
        ctx,
        actor: actorOf(request),
        conversationId: request.params.id,
        contentType: request.headers['content-type'] ?? '',
        bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      return reply.status(201).send(stored);
    },
  );

  app.get(
    '/v1/conversations/:id/media/:mediaId',
    {
      schema: {
        tags: ['conversations'],
        summary: 'An image of this conversation',
        operationId: 'getImage',
        security: bearer,
        params: Type.Object({ id: Id, mediaId: Id }),
        response: { 200: binary('The image, with its own Content-Type', imageConsumes), ...errorResponses },
      },
    },
    async (request, reply) => {
      const image = await getConversationImage({ ctx, actor: actorOf(request), conversationId: request.params.id, mediaId: request.params.mediaId });
      return sendMedia(reply, image, 3600);
    },
  );

  app.post(
    '/v1/conversations/:id/read',
    { schema: { tags: ['conversations'], summary: 'Mark messages up to seq as read', operationId: 'markRead', security: bearer, params: ConversationParams, body: body({ seq: Type.Integer({ minimum: 0 }) }), response: { 204: NoContent, ...errorResponses } } },
    async (request, reply) => {
      await markRead({ ctx, actor: actorOf(request), conversationId: request.params.id, seq: request.body.seq });
      return reply.status(204).send();
    },
  );
};
