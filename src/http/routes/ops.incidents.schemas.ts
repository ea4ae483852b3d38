// Schemas of the governance console's incident routes: the incident, its scope, and the
// incident report (figures, checkpoints, deadlines, report items) — counts, codes and operator
// ids only. Fastify serialises with these, so they are the allow-list of what is sent.
import { Type } from '@sinclair/typebox';
import { body, CountryCode, Instant, List, Nullable } from '../schemas.js';
import { Country } from './ops.schemas.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a calendar day (UTC), YYYY-MM-DD' });
export const IncidentId = Type.String({ pattern: '^inc-[0-9a-f]{10}$', description: 'e.g. inc-7112f0b7f8' });

const Scope = Type.Object({
  home: CountryCode,
  actorOutside: Nullable(CountryCode),
  actorCountry: Nullable(CountryCode),
  employer: Nullable(Type.String()),
  from: Type.String(),
  to: Type.String(),
});

export const IncidentView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  knownAt: Instant,
  scope: Scope,
  wrongfulPurpose: Type.Boolean(),
  createdAt: Instant,
  createdBy: Type.String(),
});

export const IncidentList = Type.Object({ incidents: List(IncidentView) });

export const OpenIncidentBody = body({
  title: Type.String({ minLength: 1, maxLength: 200 }),
  knownAt: Type.String({ minLength: 10, maxLength: 40, description: 'when the business became aware of it, ISO 8601 with a zone' }),
  home: Country,
  actorOutside: Type.Optional(Country),
  actorCountry: Type.Optional(Country),
  employer: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  from: Day,
  to: Day,
  wrongfulPurpose: Type.Optional(Type.Boolean()),
});

const Counts = Type.Record(Type.String(), Type.Integer());

export const IncidentReportView = Type.Object({
  generatedAt: Instant,
  scope: Scope,
  checkpoint: List(Type.Object({ cell: Type.String(), origin: Type.String(), size: Type.Integer(), rootHash: Type.String() })),
  entries: Type.Integer(),
  allowedEntries: Type.Integer(),
  deniedEntries: Type.Integer(),
  subjects: Type.Integer({ description: 'distinct people whose data was released in scope' }),
  subjectsByCategory: Counts,
  contentAccessed: Type.Boolean(),
  actors: List(
    Type.Object({
      actor: Type.String(),
      employer: Nullable(Type.String()),
      employerCountry: Nullable(CountryCode),
      officeCountry: Nullable(CountryCode),
      physicalCountries: List(CountryCode),
      entries: Type.Integer(),
      subjects: Type.Integer(),
    }),
  ),
  byMonth: List(Type.Object({ month: Type.String(), entries: Type.Integer(), subjects: Type.Integer() })),
  categories: Counts,
  incident: IncidentView,
  stage: Type.Union([Type.Literal('preliminary'), Type.Literal('final')]),
  triggers: Type.Object({ specialCareData: Type.Boolean(), financialLoss: Type.Boolean(), wrongfulPurpose: Type.Boolean(), overThousandPeople: Type.Boolean() }),
  reportRequired: Type.Boolean(),
  deadlines: List(
    Type.Object({
      rule: Type.String(),
      to: Type.String(),
      authority: Nullable(Type.String()),
      stage: Type.String(),
      due: Nullable(Instant),
      stated: Type.String(),
      applies: Type.Boolean(),
      why: Type.String(),
      daysLeft: Nullable(Type.Integer()),
      hoursLeft: Nullable(Type.Integer()),
      source: Type.String(),
    }),
  ),
  items: List(Type.Object({ id: Type.String(), title: Type.String(), text: Type.String(), toBeWritten: Type.Boolean() })),
});

export const ReportStageQuery = Type.Object({ stage: Type.Optional(Type.Union([Type.Literal('preliminary'), Type.Literal('final')])) }, { additionalProperties: false });

export const LogStatusView = Type.Object({
  cell: Type.String(),
  jurisdiction: CountryCode,
  origin: Type.String(),
  verifierKey: Type.String(),
  size: Type.Integer(),
  checkpoint: Type.Object({ size: Type.Integer(), rootHash: Type.String() }),
  lastVerification: Nullable(Type.Object({ at: Instant, ok: Type.Boolean(), entries: Type.Integer(), checkpoints: Type.Integer(), problem: Nullable(Type.String()) })),
});

export const LogStatusList = Type.Object({ logs: List(LogStatusView) });
export const CellParam = Type.Object({ cell: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }) });
