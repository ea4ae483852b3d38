// Schema pieces shared by the route groups: every body schema refuses unknown fields; every
// response schema is the allow-list of what a route may send (Fastify serialises with it, so a
// field not named here never leaves the server).
import { FormatRegistry, Type, type ArrayOptions, type Static, type StringOptions, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';
import { textFormats } from '../text/text.rule.js';

// The text rule's formats, for TypeBox's own checks (WebSocket frames); app.ts gives them to Ajv.
for (const [name, check] of Object.entries(textFormats)) FormatRegistry.Set(name, check);

export function body<P extends TProperties>(properties: P): TObject<P> {
  return Type.Object(properties, { additionalProperties: false });
}

/**
 * Client strings: every string a client sends already passes the text rule (no U+0000 or other
 * controls, no lone surrogates, no bidi overrides: app.ts and ws-frames.ts check them all);
 * these hold a field to one line (`Line`) or to a visible name (`Name`) as well.
 */
export const Line = (options: StringOptions) => Type.String({ ...options, format: 'line' });
export const Name = (options: StringOptions) => Type.String({ ...options, format: 'name' });

export const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
export const Handle = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z][A-Za-z0-9-]*$' });
export const Jurisdiction = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. JP' });
export const ClientId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const SeqString = Type.String({ pattern: '^[0-9]{1,15}$' });

/** A timestamp as the server writes it (ISO 8601 / RFC 3339, UTC). */
export const Instant = Type.String({ description: 'ISO 8601 instant, UTC' });
/** An ISO 3166-1 alpha-2 code in a response (no pattern: responses are not validated). */
export const CountryCode = Type.String({ description: 'ISO 3166-1 alpha-2, e.g. JP' });
/** A nullable value, the way the server sends absent facts (`null`, never a missing field). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * An array in a response. Typed readonly because the domain hands out readonly arrays and the
 * response only reads them; the JSON schema is a plain array.
 */
export function List<T extends TSchema>(items: T, options?: ArrayOptions) {
  return Type.Unsafe<readonly Static<T>[]>(Type.Array(items, options));
}

/** The one error body (src/http/errors.ts): a stable code, a message a person can act on, details where they help. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(errorCatalogue), description: 'stable error code (src/errors/catalogue.ts)' }),
      message: Type.String(),
      details: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'what the client needs to act, e.g. the notice to show' })),
    }),
  },
  { description: 'An error' },
);

/** The error responses every route may give, next to its own success responses. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse };

/** A success without a body (204). */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'Done; no body' });

/** Raw bytes of a file (an image, a tile), described as binary in the API document. */
export function binary(description: string, contentTypes: readonly string[]) {
  const schema = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
  return { description, content: Object.fromEntries(contentTypes.map((type) => [type, { schema }])) };
}

// Security requirements (the schemes are declared in app.ts): a person's session token, an
// operator's session token, an auditor's token; public routes say so with an empty list.
export const bearer = [{ session: [] as string[] }];
export const operatorSecurity = [{ operatorSession: [] as string[] }];
export const publicRoute: Record<string, string[]>[] = [];

/** Image upload routes take the raw bytes with the image's own Content-Type. */
export const imageConsumes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
