// Response shapes of the privacy centre: consents with their Kantara receipts, the history of
// giving and withdrawing, transfer records, and the disclosure of what is held about a person.
import { Type } from '@sinclair/typebox';
import { CountryCode, Instant, List, Nullable } from '../schemas.js';

/**
 * The receipt is the person's own copy of a standard document (schemas/consent-receipt.schema.json);
 * it is sent whole, as issued and kept. The fields named here are the ones clients rely on.
 */
export const ConsentReceipt = Type.Object(
  {
    version: Type.String(),
    consentReceiptID: Type.String(),
    jurisdiction: Type.String(),
    consentTimestamp: Type.Integer({ description: 'seconds since the Unix epoch, as Kantara requires' }),
    piiPrincipalId: Type.String(),
    noticeId: Type.String(),
    noticeVersion: Type.Integer(),
    destinationCountries: List(Type.String()),
  },
  { additionalProperties: true, description: 'Kantara Consent Receipt v1.1 with Domicile extensions (schemas/consent-receipt.schema.json)' },
);

export const Consent = Type.Object({
  receiptId: Type.String(),
  noticeId: Type.String(),
  noticeVersion: Type.Integer({ minimum: 1 }),
  purpose: Type.String(),
  destinations: List(CountryCode),
  recipients: List(Type.Object({ id: Type.String(), name: Type.String(), country: Nullable(CountryCode) })),
  status: Type.Union([Type.Literal('given'), Type.Literal('withdrawn'), Type.Literal('superseded')], {
    description: 'given: in force now; withdrawn: ended by a withdrawal; superseded: replaced by a later consent to the same notice',
  }),
  givenAt: Instant,
  withdrawnAt: Nullable(Instant),
  receipt: ConsentReceipt,
});

export const ConsentHistoryItem = Type.Object({
  kind: Type.Union([Type.Literal('given'), Type.Literal('withdrawn')]),
  at: Instant,
  noticeId: Type.String(),
  noticeVersion: Nullable(Type.Integer({ minimum: 1 })),
  receiptId: Type.String(),
});

export const ConsentList = Type.Object({ consents: List(Consent), history: List(ConsentHistoryItem) });

export const ConsentAnswer = Type.Object({ consent: Consent });

export const TransferRecord = Type.Object({
  id: Type.String(),
  day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
  destination: CountryCode,
  recipient: Type.Object({ id: Type.String(), name: Type.String() }),
  category: Type.String(),
  purpose: Type.String(),
  items: Type.Integer({ minimum: 0 }),
  basis: Type.String({ description: 'approved-destination, conforming-system or consent; home for a move home from abroad (no basis needed)' }),
  basisRef: Type.String(),
  consentRef: Nullable(Type.String()),
  firstAt: Instant,
  lastAt: Instant,
  keepUntil: Type.String({ description: 'YYYY-MM-DD: the record is kept until then' }),
  /** The country the data left, for a move home from abroad (destination is then the home); null for a transfer abroad. */
  origin: Nullable(CountryCode),
});

export const TransferRecordList = Type.Object({ transfers: List(TransferRecord) });

/** An access to the person's data as the disclosure shows it: organisation and countries, no staff names. */
export const DisclosedAccess = Type.Object({
  time: Instant,
  organisation: Nullable(Type.String()),
  organisationCountry: Nullable(CountryCode),
  officeCountry: Nullable(CountryCode),
  physicalCountry: Nullable(CountryCode),
  categories: List(Type.String()),
  fields: List(Type.String()),
  action: Type.String(),
  purpose: Type.String(),
  caseRef: Nullable(Type.String()),
  decision: Type.String(),
  released: Type.Integer({ minimum: 0 }),
  log: Type.Object({ cell: Type.String(), index: Type.Integer({ minimum: 0 }) }, { description: 'where to check the entry: this cell log, at this index' }),
});

export const Disclosure = Type.Object({
  generatedAt: Instant,
  subject: Type.Object({ id: Type.String(), kind: Type.String(), home: CountryCode, class: Type.String() }),
  held: List(
    Type.Object({
      category: Type.String(),
      records: Type.Integer({ minimum: 0 }),
      storedIn: List(Type.Object({ cell: Type.String(), country: CountryCode, countryName: Type.String(), records: Type.Integer({ minimum: 0 }) })),
    }),
  ),
  storedIn: List(CountryCode, { description: 'countries where any of the data is stored' }),
  consents: List(Consent),
  consentHistory: List(ConsentHistoryItem),
  transfers: List(TransferRecord),
  accesses: List(DisclosedAccess),
  accessesTruncated: Type.Boolean({ description: 'more entries exist than were read' }),
});

/** The incidents that concern the signed-in person, from the verified log entries naming them. */
export const PersonIncidentList = Type.Object({
  generatedAt: Instant,
  checkpoint: Nullable(Type.Object({ cell: Type.String(), origin: Type.String(), size: Type.Integer(), rootHash: Type.String() })),
  incidents: List(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      knownAt: Instant,
      from: Type.String(),
      to: Type.String(),
      categories: List(Type.String()),
      organisations: List(Type.Object({ name: Type.String(), country: Nullable(CountryCode) })),
      actorCountries: List(CountryCode),
      entries: Type.Integer(),
      firstAt: Instant,
      lastAt: Instant,
      log: Type.Object({ cell: Type.String(), indexes: List(Type.Integer()) }),
      response: List(Type.String()),
    }),
  ),
});
