// Schemas of the governance console (issue 11): the data map, recipients and contracts, notices
// and their versions, the policies in force; a policy change checked, applied and a what-if
// question; a notice draft checked; operators added and disabled. Counts, codes, registry and
// policy text only; Fastify serialises with these, so they are the allow-list of what is sent.
import { Type } from '@sinclair/typebox';
import { MAX_POLICY_FILE_CHARS, MAX_POLICY_FILES } from '../../governance/policy/policy.console.js';
import { OPERATOR_ROLES, SUBJECT_CLASSES } from '../../governance/policy/policy.request.js';
import { body, CountryCode, Instant, List, Name, Nullable } from '../schemas.js';
import { Category, Country, OperatorId, OperatorView, Purpose } from './ops.schemas.js';
import { NoticeSummary } from './transparency.schemas.js';

const Day = Type.String({ description: 'a calendar day (UTC), YYYY-MM-DD' });

export const DataMapView = Type.Object({
  generatedAt: Instant,
  scannedAt: Instant,
  cells: List(
    Type.Object({
      id: Type.String(),
      jurisdiction: CountryCode,
      countryName: Type.String(),
      rows: Type.Integer(),
      blobs: Type.Integer(),
      blobBytes: Type.Integer({ description: 'bytes of the blob files on disk' }),
      categories: List(Type.Object({ category: Type.String(), records: Type.Integer() })),
      violations: Type.Integer({ description: 'rows or blobs out of place; `domicile report residency` names them' }),
    }),
  ),
  accessWindow: Type.Object({ since: Instant, until: Instant }),
  accesses: List(
    Type.Object({
      home: CountryCode,
      category: Type.String(),
      countries: List(Type.Object({ country: Type.String({ description: 'where the actor was, or "unknown"' }), entries: Type.Integer() })),
    }),
  ),
});

const Operation = Type.Union([Type.Literal('store'), Type.Literal('read')]);

export const RecipientList = Type.Object({
  at: Instant,
  recipients: List(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      country: CountryCode,
      kind: Type.String(),
      tier: Type.String(),
      role: Type.String(),
      handlingCountries: List(CountryCode),
      hostsCells: List(CountryCode),
      measuresVersion: Nullable(Type.Integer()),
      conformingSystem: Nullable(
        Type.Object({
          contractOnFile: Type.Boolean(),
          contractRef: Nullable(Type.String()),
          contractDate: Nullable(Day),
          coversHomes: List(CountryCode),
          covers: List(Type.Object({ operations: List(Operation), categories: List(Type.String()) })),
          periodicCheck: Nullable(Type.Object({ intervalMonths: Type.Integer(), lastDone: Nullable(Day), nextDue: Day })),
        }),
      ),
      suspended: Nullable(Type.Object({ since: Day, reason: Type.String() })),
      basis: Type.Object({ valid: Type.Boolean(), reason: Nullable(Type.String()), message: Nullable(Type.String()) }),
      checkOverdue: Type.Boolean(),
    }),
  ),
});

const Problem = Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() });

export const NoticeHistoryList = Type.Object({
  notices: List(Type.Object({ noticeId: Type.String(), current: Nullable(Type.Integer()), versions: List(NoticeSummary) })),
  refused: List(Type.Object({ source: Type.String(), problems: List(Problem) })),
});

const PolicyProblem = Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), message: Type.String(), policyId: Type.Optional(Type.String()), help: Type.Optional(Type.String()) });

export const PolicyStatusView = Type.Object({
  inForce: Type.Boolean({ description: 'false: no set loaded, every operator access is refused' }),
  problem: Nullable(Type.String()),
  digest: Nullable(Type.String({ description: 'SHA-256 of the schema and policies; the access log names it' })),
  loadedAt: Nullable(Instant),
  policies: List(Type.Object({ id: Type.String(), effect: Type.Union([Type.Literal('permit'), Type.Literal('forbid')]), file: Type.String(), line: Type.Integer(), text: Type.String() })),
  readAttributes: List(Type.String()),
  warnings: List(PolicyProblem),
  onDisk: Nullable(Type.Object({ valid: Type.Boolean(), digest: Nullable(Type.String()), sameAsInForce: Type.Boolean(), problems: List(PolicyProblem) })),
  schema: Nullable(Type.String({ description: 'the Cedar schema the policies are validated against' })),
  files: List(Type.Object({ name: Type.String(), text: Type.String() }), { description: 'the policy files in force, whole, as a change starts from' }),
});

const PolicyFiles = Type.Array(
  Type.Object(
    {
      name: Type.String({ minLength: 7, maxLength: 70, pattern: '^[a-z0-9][a-z0-9_-]*\\.cedar$', description: 'e.g. base.cedar' }),
      text: Type.String({ maxLength: MAX_POLICY_FILE_CHARS }),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: MAX_POLICY_FILES, description: 'every policy file of the new set; files in force not named here are removed' },
);

export const PolicyDraftBody = body({ files: PolicyFiles });
export const PolicyApplyBody = body({ files: PolicyFiles, baseDigest: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the digest in force when the change was made' }) });

const PolicyDiff = List(
  Type.Object({
    id: Type.String(),
    change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
    before: Nullable(Type.String()),
    after: Nullable(Type.String()),
  }),
);

export const PolicyDraftCheckView = Type.Object({
  valid: Type.Boolean(),
  code: Nullable(Type.String({ description: 'why it is refused: POLICY_SYNTAX_ERROR, POLICY_INVALID, POLICY_SCHEMA_INVALID' })),
  digest: Nullable(Type.String()),
  problems: List(PolicyProblem),
  warnings: List(PolicyProblem),
  diff: PolicyDiff,
});

export const PolicyApplied = Type.Object({ digest: Type.String(), changed: PolicyDiff });

export const WhatIfBody = body({
  operatorId: OperatorId,
  action: Type.Union([Type.Literal('read'), Type.Literal('write')]),
  subjectHome: Country,
  subjectClass: Type.Union(SUBJECT_CLASSES.map((c) => Type.Literal(c))),
  category: Category,
  purpose: Purpose,
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'where the operator would be (ISO 3166-1 alpha-2)' }),
  grantApproved: Type.Optional(Type.Boolean({ description: 'an approved grant covers the request (default false)' })),
  transferBasisCountries: Type.Optional(Type.Array(Country, { maxItems: 50, description: 'countries the subject has a transfer basis for (default none)' })),
});

export const WhatIfAnswer = Type.Object({
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  policyIds: List(Type.String(), { description: 'the permits that allowed, or the forbids that denied; none: denied by default' }),
  errors: List(Type.String()),
  digest: Type.String({ description: 'the policy set that decided' }),
  blockedJurisdictions: List(CountryCode, { description: 'the cut-offs in force, which the question used' }),
});

export const NoticeDraftBody = body({ draft: Type.String({ minLength: 1, maxLength: 200_000, description: 'the notice document (JSON text) as it would be saved under registries/notices/' }) });

export const NoticeDraftCheck = Type.Object({
  valid: Type.Boolean(),
  noticeId: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  problems: List(Problem),
});

export const OperatorAddBody = body({
  id: OperatorId,
  name: Name({ minLength: 1, maxLength: 100 }),
  employer: Type.String({ minLength: 1, maxLength: 120, description: 'a recipient of registries/recipients.json, by id or name' }),
  employerCountry: Country,
  officeCountry: Country,
  roles: Type.Array(Type.Union(OPERATOR_ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: OPERATOR_ROLES.length, uniqueItems: true }),
  password: Type.String({ minLength: 12, maxLength: 200 }),
});

export const OperatorAdded = Type.Object({
  operator: OperatorView,
  totpSecret: Type.String({ description: 'shown once: give it to the operator over a safe channel' }),
  otpauthUri: Type.String(),
});

export const OperatorDisabled = Type.Object({ operator: OperatorView, revokedSessions: Type.Integer(), alreadyDisabled: Type.Boolean() });
