// Schemas of the governance console's read-only pages (issue 11): the data map, recipients and
// contracts, notices and their versions, the policies in force. Counts, codes, registry and
// policy text only; Fastify serialises with these, so they are the allow-list of what is sent.
import { Type } from '@sinclair/typebox';
import { CountryCode, Instant, List, Nullable } from '../schemas.js';
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
});
