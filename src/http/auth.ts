// Authentication at the edge: a Bearer token becomes `request.auth` (subject and session) or
// the request is refused with UNAUTHENTICATED before any handler runs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Subject } from '../cells/directory.js';
import { DomainError } from '../errors/catalogue.js';
import { authenticate } from '../messaging/account.service.js';
import type { MessagingContext } from '../messaging/messaging.context.js';

export interface RequestAuth {
  subject: Subject;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

export function requireAuth(ctx: MessagingContext) {
  return async function authHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'sign in first: send Authorization: Bearer <token>');
    request.auth = await authenticate({ ctx, token });
  };
}

/** The signed-in subject; only valid behind requireAuth. */
export function actorOf(request: FastifyRequest): Subject {
  if (!request.auth) throw new DomainError('UNAUTHENTICATED', 'sign in first');
  return request.auth.subject;
}
