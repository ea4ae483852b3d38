// Schema pieces of the operator API (/v1/ops/…), shared by its HTTP routes and its WebSocket.
import { Type } from '@sinclair/typebox';
import { ACCESS_ACTIONS, PURPOSES } from '../../governance/policy/policy.request.js';
import { body } from '../schemas.js';

export const OperatorId = Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z][a-z0-9-]+$', description: 'e.g. op-tokyo-support' });
export const CaseRef = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$', description: 'a support ticket (T-1001) or abuse report (R-123456)' });
export const SubjectId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$' });
export const Category = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z_]+(\\.[a-z_]+)*$', description: 'e.g. user.contact' });
export const FieldName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_.]*$' });
export const RecordId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$' });
export const Purpose = Type.Union(PURPOSES.map((p) => Type.Literal(p)));
export const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. CN' });
export const GrantId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });

/** What an operator asks the broker for (HTTP body and WebSocket `access` frame alike). */
export const accessProperties = {
  action: Type.Optional(Type.Union(ACCESS_ACTIONS.filter((a) => a === 'read').map((a) => Type.Literal(a)))),
  purpose: Purpose,
  caseRef: CaseRef,
  subjects: Type.Array(SubjectId, { minItems: 1, maxItems: 10_000 }),
  categories: Type.Array(Category, { minItems: 1, maxItems: 16 }),
  fields: Type.Optional(Type.Array(FieldName, { maxItems: 64 })),
  records: Type.Optional(Type.Array(RecordId, { maxItems: 10_000 })),
  grantId: Type.Optional(GrantId),
};

export const AccessBody = body(accessProperties);

export const opsSecurity = [{ bearer: [] as string[] }];
