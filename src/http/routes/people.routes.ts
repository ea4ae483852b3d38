// The signed-in person: profile and avatar, other users' public profiles, contacts.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUser, updateProfile } from '../../messaging/account.service.js';
import { addContact, listContacts, removeContact } from '../../messaging/contact.service.js';
import { getAvatar, maxAvatarBytes, setAvatar } from '../../messaging/media.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, Handle, Id, imageConsumes } from '../schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type PeopleRoutesOptions = Pick<Runtime, 'messaging'>;

export const peopleRoutes: FastifyPluginAsyncTypebox<PeopleRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  app.addHook('preHandler', requireAuth(ctx));

  app.get('/v1/me', { schema: { tags: ['people'], summary: 'Your profile', security: bearer } }, async (request) =>
    getUser({ ctx, userId: actorOf(request).id }),
  );

  app.patch(
    '/v1/me',
    { schema: { tags: ['people'], summary: 'Change your display name', security: bearer, body: body({ displayName: Type.String({ minLength: 1, maxLength: 80 }) }) } },
    async (request) => updateProfile({ ctx, subject: actorOf(request), displayName: request.body.displayName }),
  );

  app.put(
    '/v1/me/avatar',
    { bodyLimit: maxAvatarBytes, schema: { tags: ['people'], summary: 'Upload your profile picture (raw image bytes)', security: bearer, consumes: imageConsumes } },
    async (request) => {
      const actor = actorOf(request);
      await setAvatar({ ctx, actor, contentType: request.headers['content-type'] ?? '', bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) });
      return getUser({ ctx, userId: actor.id });
    },
  );

  app.get(
    '/v1/users/:userId/avatar',
    { schema: { tags: ['people'], summary: "A user's profile picture", security: bearer, params: Type.Object({ userId: Id }) } },
    async (request, reply) => {
      const image = await getAvatar({ ctx, userId: request.params.userId });
      return reply.header('content-type', image.contentType).header('cache-control', 'private, max-age=60').send(image.bytes);
    },
  );

  app.get(
    '/v1/users/by-handle/:handle',
    { schema: { tags: ['people'], summary: 'Find a user by handle', security: bearer, params: Type.Object({ handle: Handle }) } },
    async (request) => getUser({ ctx, userId: request.params.handle.toLowerCase() }),
  );

  app.get('/v1/contacts', { schema: { tags: ['people'], summary: 'Your contacts', security: bearer } }, async (request) => ({
    contacts: await listContacts({ ctx, actor: actorOf(request) }),
  }));

  app.post(
    '/v1/contacts',
    { schema: { tags: ['people'], summary: 'Add a contact by handle', security: bearer, body: body({ handle: Handle }) } },
    async (request, reply) => reply.status(201).send(await addContact({ ctx, actor: actorOf(request), handle: request.body.handle })),
  );

  app.delete(
    '/v1/contacts/:userId',
    { schema: { tags: ['people'], summary: 'Remove a contact', security: bearer, params: Type.Object({ userId: Id }) } },
    async (request, reply) => {
      await removeContact({ ctx, actor: actorOf(request), userId: request.params.userId });
      return reply.status(204).send();
    },
  );
};
