// Schema pieces shared by the route groups; every body schema refuses unknown fields.
import { Type, type TObject, type TProperties } from '@sinclair/typebox';

export function body<P extends TProperties>(properties: P): TObject<P> {
  return Type.Object(properties, { additionalProperties: false });
}

export const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
export const Handle = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z][A-Za-z0-9-]*$' });
export const Jurisdiction = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. JP' });
export const ClientId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const SeqString = Type.String({ pattern: '^[0-9]{1,15}$' });

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const bearer = [{ bearer: [] as string[] }];

/** Image upload routes take the raw bytes with the image's own Content-Type. */
export const imageConsumes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
