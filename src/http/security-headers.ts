// Security headers on every response (issue 14.5). The built pages load only their own script and
// style files (no inline script or style: Vite emits <script src> and <link> tags), so the policy
// allows 'self' and nothing inline; images shown in the app are fetched with the session token and
// shown as blob: URLs. No page may be framed (the /ops console approves grants: clickjacking).
// HSTS and TLS belong to the proxy in front (README "Running behind a proxy").
import type { FastifyInstance, FastifyReply } from 'fastify';

export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    void reply.headers({
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
  });
}

/**
 * Headers for a stored image a user uploaded: shown inline, never as a page of this origin (a
 * file that some browser would take for HTML or SVG runs in a sandbox with no script and an
 * opaque origin), its type never guessed.
 */
export function sendMedia(reply: FastifyReply, image: { contentType: string; bytes: Buffer }, cacheSeconds: number): FastifyReply {
  return reply
    .header('content-type', image.contentType)
    .header('content-disposition', 'inline')
    .header('content-security-policy', "sandbox; default-src 'none'")
    .header('cache-control', `private, max-age=${cacheSeconds}`)
    .send(image.bytes);
}
