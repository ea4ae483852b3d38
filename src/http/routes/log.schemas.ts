// Response shapes of the access logs: verifier keys, a person's own entries with inclusion proofs.
// Checkpoints and tiles are C2SP text and bytes, described as such.
import { Type } from '@sinclair/typebox';
import { CountryCode, Instant, List, Nullable } from '../schemas.js';

/** One access-log entry as its leaf holds it (canonical JSON, ids only; people and operators as commitments). */
export const AccessEntry = Type.Object({
  eventId: Type.String(),
  time: Instant,
  actor: Type.String({ description: 'a commitment (c1:…) to the operator id, or a system job (system:…) in clear' }),
  actorEmployer: Nullable(Type.String()),
  actorEmployerCountry: Nullable(CountryCode),
  actorOfficeCountry: Nullable(CountryCode),
  actorPhysicalCountry: Nullable(CountryCode),
  subjectJurisdiction: CountryCode,
  subjects: List(Type.String(), { description: 'a commitment (c1:…) to each subject id, sorted; ids in clear only in entries written before commitments' }),
  categories: List(Type.String()),
  fields: List(Type.String()),
  action: Type.String(),
  purpose: Type.String(),
  caseRef: Nullable(Type.String()),
  grantId: Nullable(Type.String()),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  policyIds: List(Type.String()),
  released: Type.Integer({ minimum: 0 }),
});

export const AccessItem = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  entry: AccessEntry,
  canonical: Type.String({ description: 'the entry bytes the leaf hash is computed over' }),
  leafHash: Type.String({ description: 'base64' }),
  inclusionProof: Nullable(List(Type.String(), { description: 'base64 hashes; null until the next checkpoint covers the entry' })),
  subjectSalt: Nullable(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{22}$',
      description:
        'base64url salt that opens your commitment in `entry.subjects`: c1:base64url(SHA-256("domicile/access-log/commitment/v1\\n" ‖ salt ‖ your id)); null for an entry written before commitments, which names your id in clear',
    }),
  ),
});

export const AccessesPage = Type.Object({
  subject: Type.String({ description: 'your subject id, which each entry commits to (see subjectSalt)' }),
  cell: Type.String(),
  origin: Type.String(),
  checkpoint: Type.Object({ size: Type.Integer({ minimum: 0 }), rootHash: Type.String({ description: 'base64' }), note: Type.String() }),
  accesses: List(AccessItem),
  nextBefore: Nullable(Type.Integer()),
});

export const LogKeys = Type.Object({
  deployment: Type.String(),
  logs: List(Type.Object({ cell: Type.String(), jurisdiction: CountryCode, origin: Type.String(), key: Type.String({ description: 'C2SP signed-note verifier key' }), prefix: Type.String() })),
});

export const CheckpointText = {
  description: 'C2SP tlog-checkpoint signed note',
  content: { 'text/plain': { schema: Type.String() } },
};
