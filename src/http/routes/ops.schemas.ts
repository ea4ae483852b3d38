// Schema pieces of the operator API (/v1/ops/…), shared by its HTTP routes and its WebSocket:
// requests, and the responses that are the allow-list of what an operator is sent.
import { Type } from '@sinclair/typebox';
import { ACCESS_ACTIONS, OPERATOR_ROLES, PURPOSES, type OperatorRole, type Purpose as PurposeType } from '../../governance/policy/policy.request.js';
import { MASK_KINDS, type MaskKind as MaskKindCode } from '../../governance/broker/masking.js';
import { body, CountryCode, Instant, List, Nullable, operatorSecurity } from '../schemas.js';

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

export const opsSecurity = operatorSecurity;

// Responses -----------------------------------------------------------------------------------

/** A purpose code in a response. */
const PurposeCode = Type.Unsafe<PurposeType>({ type: 'string', enum: [...PURPOSES] });

/** What the console and admins see of an operator (no secrets). */
export const OperatorView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  employer: Type.Object({
    id: Type.String({ description: 'recipient id in registries/recipients.json' }),
    entity: Type.String(),
    country: CountryCode,
    tier: Type.Union([Type.Literal('own'), Type.Literal('group'), Type.Literal('contractor'), Type.Literal('subcontractor')]),
  }),
  officeCountry: CountryCode,
  roles: List(Type.Unsafe<OperatorRole>({ type: 'string', enum: [...OPERATOR_ROLES] })),
  disabled: Type.Boolean(),
});

export const OperatorSession = Type.Object({
  id: Type.String(),
  operatorId: Type.String(),
  country: CountryCode,
  simulated: Type.Boolean(),
  createdAt: Instant,
  expiresAt: Instant,
});

/** Where a request physically comes from. */
export const Origin = Type.Object({
  address: Nullable(Type.String()),
  country: Nullable(CountryCode),
  simulated: Type.Boolean({ description: 'a demo-mode simulation, not where the request came from' }),
});

export const OperatorSignedIn = Type.Object({
  token: Type.String({ description: 'the operator session token: send it as Authorization: Bearer <token>' }),
  session: OperatorSession,
  operator: OperatorView,
  origin: Origin,
});

export const Blocked = Type.Object({ blocked: List(CountryCode) });

export const OperatorMe = Type.Object({ operator: OperatorView, session: OperatorSession, origin: Origin, blocked: List(CountryCode) });

export const OperatorList = Type.Object({ operators: List(OperatorView) });

/** A case as lists show it: reference and reason code only, no subjects, no contents. */
export const CaseSummary = Type.Object({
  ref: Type.String(),
  kind: Type.Union([Type.Literal('support'), Type.Literal('abuse'), Type.Literal('incident'), Type.Literal('legal')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('open'), Type.Literal('closed')], { description: 'pending: opened by staff, awaiting approval by another operator (or the person)' }),
  reason: Type.String(),
  createdAt: Instant,
  requiredApprovals: Type.Integer({ minimum: 0, description: 'approvals a staff-opened case needs; 0 when the person opened it' }),
});

export const CaseList = Type.Object({ cases: List(CaseSummary) });
export const ModerationQueue = Type.Object({ reports: List(CaseSummary) });

export const GrantView = Type.Object({
  id: Type.String(),
  requesterId: Type.String(),
  subjects: List(Type.String()),
  categories: List(Type.String()),
  fields: List(Type.String(), { description: 'released in clear; empty means every field of the categories' }),
  purpose: PurposeCode,
  caseRef: Type.String(),
  durationSeconds: Type.Integer({ minimum: 0 }),
  requestedLocation: CountryCode,
  requiredApprovals: Type.Integer({ minimum: 0 }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied'), Type.Literal('revoked'), Type.Literal('expired')]),
  createdAt: Instant,
  approvedAt: Nullable(Instant),
  expiresAt: Nullable(Instant),
  endedAt: Nullable(Instant),
  endedBy: Nullable(Type.String()),
  approvals: List(Type.Object({ approverId: Type.String(), decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]), at: Instant })),
});

export const GrantList = Type.Object({ grants: List(GrantView) });

const MaskKind = Type.Unsafe<MaskKindCode>({ type: 'string', enum: [...MASK_KINDS] });
const FieldValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** What the broker decided, logged and released (masked as decided). */
export const AccessResultView = Type.Object({
  requestId: Type.String(),
  at: Instant,
  operatorId: Type.String(),
  origin: Origin,
  purpose: PurposeCode,
  caseRef: Type.String(),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('partial'), Type.Literal('deny')]),
  decisions: List(
    Type.Object({
      category: Type.String(),
      jurisdiction: CountryCode,
      decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
      policyIds: List(Type.String()),
      reasons: List(Type.String()),
      grantId: Nullable(Type.String()),
      subjects: List(Type.String()),
      masking: Nullable(Type.Record(Type.String(), MaskKind, { description: 'how each field is released' })),
      released: Type.Integer({ minimum: 0 }),
      log: List(Type.Object({ cellId: Type.String(), index: Type.Integer({ minimum: 0 }) })),
    }),
  ),
  records: List(
    Type.Object({ subjectId: Type.String(), category: Type.String(), recordId: Type.String(), fields: Type.Record(Type.String(), FieldValue) }),
  ),
  truncated: Type.Boolean({ description: 'more records matched than one request releases' }),
});
