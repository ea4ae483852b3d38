// The signed-in person: profile and avatar, other users' public profiles, contacts.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUser, updateProfile } from '../../messaging/account.service.js';
import { addContact, listContacts, removeContact } from '../../messaging/contact.service.js';
import { getAvatar, maxAvatarBytes, setAvatar } from '../../messaging/media.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { sendMedia } from '../security-headers.js';
import { bearer, binary, body, errorResponses, Handle, Id, imageConsumes, Name, NoContent } from '../schemas.js';
import { ContactList, User } from './people.schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type PeopleRoutesOptions = Pick<Runtime, 'messaging'>;

export const peopleRoutes: FastifyPluginAsyncTypebox<PeopleRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  app.addHook('preHandler', requireAuth(ctx));

  app.get('/v1/me', { schema: { tags: ['people'], summary: 'Your profile', operationId: 'getMe', security: bearer, response: { 200: User, ...errorResponses } } }, async (request) =>
    getUser({ ctx, userId: actorOf(request).id }),
  );

  app.patch(
    '/v1/me',
    { schema: { tags: ['people'], summary: 'Change your display name', operationId: 'updateMe', security: bearer, body: body({ displayName: Name({ minLength: 1, maxLength: 80 }) }), response: { 200: User, ...errorResponses } } },
    async (request) => updateProfile({ ctx, subject: actorOf(request), displayName: request.body.displayName }),
  );

  app.put(
    '/v1/me/avatar',
    { bodyLimit: maxAvatarBytes, schema: { tags: ['people'], summary: 'Upload your profile picture (raw image bytes)', operationId: 'setAvatar', security: bearer, consumes: imageConsumes, response: { 200: User, ...errorResponses } } },
    async (request) => {
      const actor = actorOf(request);
      await setAvatar({ ctx, actor, contentType: request.headers['content-type'] ?? '', bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) });
      return getUser({ ctx, userId: actor.id });
    },
  );

  app.get(
    '/v1/users/:userId/avatar',
    { schema: { tags: ['people'], summary: "A user's profile picture", operationId: 'getAvatar', security: bearer, params: Type.Object({ userId: Id }), response: { 200: binary('The picture, with its own Content-Type', imageConsumes), ...errorResponses } } },
    async (request, reply) => {
      const image = await getAvatar({ ctx, userId: request.params.userId });
      return sendMedia(reply, image, 60);
    },
  );

  app.get(
    '/v1/users/by-handle/:handle',
    { schema: { tags: ['people'], summary: 'Find a user by handle', operationId: 'findUserByHandle', security: bearer, params: Type.Object({ handle: Handle }), response: { 200: User, ...errorResponses } } },
    async (request) => getUser({ ctx, userId: request.params.handle.toLowerCase() }),
  );

  app.get('/v1/contacts', { schema: { tags: ['people'], summary: 'Your contacts', operationId: 'listContacts', security: bearer, response: { 200: ContactList, ...errorResponses } } }, async (request) => ({
    contacts: await listContacts({ ctx, actor: actorOf(request) }),
  }));

  app.post(
    '/v1/contacts',
    { schema: { tags: ['people'], summary: 'Add a contact by handle', operationId: 'addContact', security: bearer, body: body({ handle: Handle }), response: { 201: User, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await addContact({ ctx, actor: actorOf(request), handle: request.body.handle })),
  );

  app.delete(
    '/v1/contacts/:userId',
    { schema: { tags: ['people'], summary: 'Remove a contact', operationId: 'removeContact', security: bearer, params: Type.Object({ userId: Id }), response: { 204: NoContent, ...errorResponses } } },
    async (request, reply) => {
      await removeContact({ ctx, actor: actorOf(request), userId: request.params.userId });
      return reply.status(204).send();
    },
  );
};
