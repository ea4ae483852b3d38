// Response shapes of the public transparency routes: transfer notices (summaries and the full
// document of schemas/notice.schema.json) and the foreign-handling statement.
import { Type } from '@sinclair/typebox';
import { CountryCode, Instant, List, Nullable } from '../schemas.js';

const RegimeInfo = Type.Object({ regime: Type.String(), version: Type.Integer(), summary: Type.String(), source: Type.String(), asOf: Type.String() });

export const NoticeRecipient = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  measures: Type.Optional(Type.Object({ version: Type.Integer(), summary: Type.String() })),
  measuresUnavailable: Type.Optional(Type.Object({ reason: Type.String() })),
});

export const NoticeDestination = Type.Object({
  country: CountryCode,
  countryName: Type.String(),
  regimeInfo: RegimeInfo,
  recipients: List(NoticeRecipient),
});

const Text = Type.String();

/** A transfer notice, in full (schemas/notice.schema.json). */
export const Notice = Type.Object({
  noticeId: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  language: Type.String(),
  effectiveFrom: Type.String({ description: 'YYYY-MM-DD' }),
  homeJurisdiction: CountryCode,
  service: Text,
  policyUrl: Text,
  purpose: Type.Object({ code: Type.String(), description: Text, categories: Type.Optional(List(Type.String())) }),
  controller: Type.Object({
    name: Text,
    country: CountryCode,
    address: Type.Object({
      streetAddress: Text,
      addressLocality: Text,
      addressRegion: Type.Optional(Text),
      postalCode: Type.Optional(Text),
      addressCountry: Text,
    }),
    contact: Type.Object({ name: Text, email: Text, phone: Text, url: Type.Optional(Text) }),
  }),
  dataCollected: List(Type.Object({ category: Type.String(), description: Text, sensitive: Type.Boolean() })),
  collectionMethod: Text,
  collectionTiming: Type.Object({ when: Text, where: Text }),
  use: Text,
  storage: Type.Object({ locations: List(Type.Object({ country: CountryCode, description: Text })), jurisdictions: List(CountryCode) }),
  transfers: Type.Object({
    description: Text,
    destinations: Type.Optional(List(NoticeDestination)),
    countryUnknown: Type.Optional(
      Type.Object({
        reason: Text,
        candidateCountries: List(Type.Object({ country: CountryCode, countryName: Type.String(), regimeInfo: Type.Optional(RegimeInfo) })),
        recipients: Type.Optional(List(NoticeRecipient)),
        measuresUnavailable: Type.Optional(Type.Object({ reason: Text })),
      }),
    ),
  }),
  retention: Type.Object({ period: Text, description: Text }),
  rights: Type.Object({ description: Text, howToExercise: Text }),
  inquiries: Type.Object({ contact: Text, complaints: Text }),
  choices: Type.Object({ howToView: Text, howToWithdraw: Text }),
  basis: Type.Object({ type: Type.String({ description: 'consent, conforming-system, approved-destination, contract, legal-obligation or other' }), description: Text }),
  risks: List(Text),
});

/** What a list of notices shows: enough to pick one, not the whole text. */
export const NoticeSummary = Type.Object({
  noticeId: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  language: Type.String(),
  effectiveFrom: Type.String(),
  inEffect: Type.Boolean(),
  homeJurisdiction: CountryCode,
  purpose: Type.Object({ code: Type.String(), description: Text, categories: Type.Optional(List(Type.String())) }),
  categories: List(Type.String()),
  destinations: List(Type.Object({ country: CountryCode, countryName: Type.String(), recipients: List(Type.Object({ id: Type.String(), name: Type.String() })) })),
  candidateCountries: List(CountryCode),
  basis: Type.String(),
});

export const NoticeList = Type.Object({ notices: List(NoticeSummary) });
export const NoticeAnswer = Type.Object({ notice: Notice, inEffect: Type.Boolean() });
export const NoticeAccepted = Type.Object({ ok: Type.Boolean({ description: 'always true: a refused notice is a 422' }), notice: NoticeSummary });

const Countries = List(CountryCode);

export const ForeignHandlingCategory = Type.Object({
  category: Type.String(),
  storedIn: Countries,
  accessedFrom: Countries,
  transferredTo: Countries,
  /** Countries the category was moved home from in the window (a region migration). */
  returnedFrom: Countries,
  accessesFromUnknownCountry: Type.Integer({ minimum: 0 }),
  storage: List(Type.Object({ country: CountryCode, byRule: List(Type.String()), rows: Type.Integer({ minimum: 0 }) })),
  accesses: Type.Integer({ minimum: 0 }),
});

export const ForeignHandlingJurisdiction = Type.Object({
  home: CountryCode,
  name: Type.String(),
  storedIn: Countries,
  accessedFrom: Countries,
  transferredTo: Countries,
  accessesFromUnknownCountry: Type.Integer({ minimum: 0 }),
  foreignCountries: List(
    Type.Object({ country: CountryCode, name: Type.String(), storedCategories: List(Type.String()), accessedCategories: List(Type.String()), transferredCategories: List(Type.String()) }),
  ),
  onlyHome: Type.Boolean(),
  statement: Type.String(),
  categories: List(ForeignHandlingCategory),
});

export const ForeignHandling = Type.Object({
  generatedAt: Instant,
  window: Type.Object({ from: Instant, to: Instant, months: Nullable(Type.Integer()) }),
  sources: List(Type.String()),
  jurisdictions: List(ForeignHandlingJurisdiction),
});

export const ForeignHandlingResponse = {
  description: 'The statement as JSON, or as text with format=text',
  content: { 'application/json': { schema: ForeignHandling }, 'text/plain': { schema: Type.String() } },
};
