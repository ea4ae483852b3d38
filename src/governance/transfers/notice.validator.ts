// Notices for cross-border transfers: their type, and the pure check that decides whether a
// notice may be shown to people and used to collect consent (APPI Rule 17, ISO/IEC 29184).

import { categoryNames, isCategory, renamedCategories } from '../../cells/categories.js';
import type { Registries, Regime } from './registry.js';
import type { NoticeProblem, NoticeProblemCode } from './transfers.errors.js';

export type { NoticeProblem, NoticeProblemCode } from './transfers.errors.js';

export interface NoticeRegimeInfo {
  readonly regime: string;
  readonly version: number;
  readonly summary: string;
  readonly source: string;
  readonly asOf: string;
}

export interface NoticeRecipient {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly measures?: { readonly version: number; readonly summary: string };
  readonly measuresUnavailable?: { readonly reason: string };
}

export interface NoticeDestination {
  readonly country: string;
  readonly countryName: string;
  readonly regimeInfo: NoticeRegimeInfo;
  readonly recipients: readonly NoticeRecipient[];
}

export interface NoticeCountryUnknown {
  readonly reason: string;
  readonly candidateCountries: readonly { readonly country: string; readonly countryName: string; readonly regimeInfo?: NoticeRegimeInfo }[];
  readonly recipients?: readonly NoticeRecipient[];
  readonly measuresUnavailable?: { readonly reason: string };
}

export type NoticeBasisType = 'consent' | 'conforming-system' | 'approved-destination' | 'contract' | 'legal-obligation' | 'other';

export interface PostalAddress {
  readonly streetAddress: string;
  readonly addressLocality: string;
  readonly addressRegion?: string;
  readonly postalCode?: string;
  readonly addressCountry: string;
}

export interface Notice {
  readonly noticeId: string;
  readonly version: number;
  readonly language: string;
  readonly effectiveFrom: string;
  readonly homeJurisdiction: string;
  readonly service: string;
  readonly policyUrl: string;
  readonly purpose: { readonly code: string; readonly description: string; readonly categories?: readonly string[] };
  readonly controller: {
    readonly name: string;
    readonly country: string;
    readonly address: PostalAddress;
    readonly contact: { readonly name: string; readonly email: string; readonly phone: string; readonly url?: string };
  };
  readonly dataCollected: readonly { readonly category: string; readonly description: string; readonly sensitive: boolean }[];
  readonly collectionMethod: string;
  readonly collectionTiming: { readonly when: string; readonly where: string };
  readonly use: string;
  readonly storage: {
    readonly locations: readonly { readonly country: string; readonly description: string }[];
    readonly jurisdictions: readonly string[];
  };
  readonly transfers: {
    readonly description: string;
    readonly destinations?: readonly NoticeDestination[];
    readonly countryUnknown?: NoticeCountryUnknown;
  };
  readonly retention: { readonly period: string; readonly description: string };
  readonly rights: { readonly description: string; readonly howToExercise: string };
  readonly inquiries: { readonly contact: string; readonly complaints: string };
  readonly choices: { readonly howToView: string; readonly howToWithdraw: string };
  readonly basis: { readonly type: NoticeBasisType; readonly description: string };
  readonly risks: readonly string[];
}

declare const validNotice: unique symbol;

/** A notice that passed validateNotice against the registries; only these can collect consent. */
export type ValidNotice = Notice & { readonly [validNotice]: true };

export type NoticeValidation =
  | { readonly ok: true; readonly problems: readonly []; readonly notice: ValidNotice }
  | { readonly ok: false; readonly problems: readonly NoticeProblem[] };

// Phrases that stand in for a country without naming one. Checked only where destinations and
// storage places are stated, so a risk description may still speak of "laws abroad".
const VAGUE_DESTINATION_PATTERNS: readonly RegExp[] = [
  /\bthird[\s-]+countr(?:y|ies)\b/i,
  /\b(?:other|foreign|overseas|various|multiple|several|certain|some|any|international)\s+(?:countr(?:y|ies)|jurisdictions?|locations?|territor(?:y|ies)|regions?|destinations?)\b/i,
  /\boverseas\b/i,
  /\babroad\b/i,
  /\boutside\s+(?:of\s+)?(?:japan|korea|china|the\s+(?:eea|eu|european\s+union|uk|united\s+kingdom|us|united\s+states|country)|your\s+(?:country|region|jurisdiction))\b/i,
  /\b(?:worldwide|globally)\b/i,
  /第三国|諸外国|海外|제3국/,
];

export function findVagueDestinationWording(text: string): string | undefined {
  for (const pattern of VAGUE_DESTINATION_PATTERNS) {
    const match = pattern.exec(text);
    if (match !== null) return match[0];
  }
  return undefined;
}

const NAME_THE_COUNTRY =
  'Name each destination country by its ISO 3166-1 code in transfers.destinations[].country, with its regime information and the recipient\'s measures; if the country is not yet known, use transfers.countryUnknown with the reason and the candidate countries.';

// Subtrees that describe a regime or a recipient rather than state a destination.
// Country-code fields are left to Reader.countryValue so each problem is reported once.
const NOT_SCANNED = new Set(['regimeInfo', 'measures', 'measuresUnavailable', 'reason', 'country', 'jurisdictions']);

const COUNTRY_CODE = /^[A-Z]{2}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function pointer(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(text);
}

// Reads typed values out of untrusted JSON, recording a problem for each missing or malformed
// field, so one run reports every reason a notice is refused.
class Reader {
  readonly problems: NoticeProblem[] = [];

  add(path: string, code: NoticeProblemCode, message: string): void {
    this.problems.push({ path, code, message });
  }

  record(value: unknown, path: string, allowed: readonly string[], what: string): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.add(path, 'NOTICE_FIELD_INVALID', `${what} must be a JSON object.`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.add(pointer(path, key), 'NOTICE_UNKNOWN_FIELD', `"${key}" is not a field of ${what}; check the spelling (allowed: ${allowed.join(', ')}).`);
      }
    }
    return value;
  }

  present(parent: Record<string, unknown>, key: string, path: string, missing: string, code: NoticeProblemCode = 'NOTICE_ELEMENT_MISSING'): unknown {
    const value = parent[key];
    if (value === undefined || value === null) {
      this.add(pointer(path, key), code, missing);
      return undefined;
    }
    return value;
  }

  text(parent: Record<string, unknown>, key: string, path: string, missing: string): string | undefined {
    const value = this.present(parent, key, path, missing);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(pointer(path, key), typeof value === 'string' ? 'NOTICE_ELEMENT_MISSING' : 'NOTICE_FIELD_INVALID', typeof value === 'string' ? missing : `"${key}" must be text.`);
      return undefined;
    }
    return value;
  }

  optionalText(parent: Record<string, unknown>, key: string, path: string): string | undefined {
    if (parent[key] === undefined) return undefined;
    return this.text(parent, key, path, `"${key}" must not be empty; remove it or fill it in.`);
  }

  integer(parent: Record<string, unknown>, key: string, path: string, missing: string): number | undefined {
    const value = this.present(parent, key, path, missing);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be a whole number of 1 or more.`);
      return undefined;
    }
    return value;
  }

  boolean(parent: Record<string, unknown>, key: string, path: string, missing: string): boolean | undefined {
    const value = this.present(parent, key, path, missing);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be true or false.`);
      return undefined;
    }
    return value;
  }

  day(parent: Record<string, unknown>, key: string, path: string, missing: string): string | undefined {
    const value = this.text(parent, key, path, missing);
    if (value === undefined) return undefined;
    if (!isDay(value)) {
      this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be a calendar date written YYYY-MM-DD, not "${value}".`);
      return undefined;
    }
    return value;
  }

  pattern(parent: Record<string, unknown>, key: string, path: string, missing: string, pattern: RegExp, form: string): string | undefined {
    const value = this.text(parent, key, path, missing);
    if (value === undefined) return undefined;
    if (!pattern.test(value)) {
      this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be ${form}, not "${value}".`);
      return undefined;
    }
    return value;
  }

  url(parent: Record<string, unknown>, key: string, path: string, missing: string, optional = false): string | undefined {
    if (optional && parent[key] === undefined) return undefined;
    const value = this.text(parent, key, path, missing);
    if (value === undefined) return undefined;
    let ok = false;
    try {
      ok = ['https:', 'http:'].includes(new URL(value).protocol);
    } catch {
      ok = false;
    }
    if (!ok) this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be an absolute http(s) URL, not "${value}".`);
    return ok ? value : undefined;
  }

  /**
   * A country code standing for one concrete country. Vague words here get their own code,
   * because that is exactly the "third countries" notice the regulator found insufficient.
   */
  country(parent: Record<string, unknown>, key: string, path: string, missing: string, missingCode: NoticeProblemCode = 'NOTICE_ELEMENT_MISSING'): string | undefined {
    const value = this.present(parent, key, path, missing, missingCode);
    return value === undefined ? undefined : this.countryValue(value, pointer(path, key), missing);
  }

  countryValue(value: unknown, at: string, missing: string): string | undefined {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(at, 'NOTICE_NO_COUNTRY', `${missing} It must be an ISO 3166-1 alpha-2 country code such as "KR".`);
      return undefined;
    }
    if (COUNTRY_CODE.test(value)) return value;
    const vague = findVagueDestinationWording(value);
    if (vague !== undefined) {
      this.add(at, 'NOTICE_VAGUE_DESTINATION', `"${value}" names no country. ${NAME_THE_COUNTRY}`);
    } else if (/^[a-z]{2}$/i.test(value)) {
      this.add(at, 'NOTICE_FIELD_INVALID', `Country codes are upper case: write "${value.toUpperCase()}", not "${value}".`);
    } else {
      this.add(at, 'NOTICE_NO_COUNTRY', `"${value}" is not a country code. Use the ISO 3166-1 alpha-2 code of one country, such as "KR".`);
    }
    return undefined;
  }

  array(parent: Record<string, unknown>, key: string, path: string, missing: string, missingCode: NoticeProblemCode = 'NOTICE_ELEMENT_MISSING'): readonly unknown[] | undefined {
    const value = this.present(parent, key, path, missing, missingCode);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.add(pointer(path, key), 'NOTICE_FIELD_INVALID', `"${key}" must be a list.`);
      return undefined;
    }
    if (value.length === 0) {
      this.add(pointer(path, key), missingCode, missing);
      return undefined;
    }
    return value;
  }

  texts(parent: Record<string, unknown>, key: string, path: string, missing: string): string[] | undefined {
    const list = this.array(parent, key, path, missing);
    if (list === undefined) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '') this.add(pointer(pointer(path, key), i), 'NOTICE_FIELD_INVALID', `Each entry of "${key}" must be non-empty text.`);
      else out.push(item);
    });
    return out.length === list.length ? out : undefined;
  }
}

function element(label: string, key: string): string {
  return `The notice does not say ${label}. Add "${key}" (an ISO/IEC 29184 notice element).`;
}

function missingField(key: string, what: string): string {
  return `Add "${key}": ${what}.`;
}

function readRegimeInfo(r: Reader, value: unknown, path: string): NoticeRegimeInfo | undefined {
  const o = r.record(value, path, ['regime', 'version', 'summary', 'source', 'asOf'], 'regime information');
  if (o === undefined) return undefined;
  const regime = r.text(o, 'regime', path, missingField('regime', 'the id of the regime in registries/jurisdictions.json, e.g. "KR-PIPA"'));
  const version = r.integer(o, 'version', path, missingField('version', 'the version of the regime information shown, from the registry'));
  const summary = r.text(o, 'summary', path, missingField('summary', "the description of the country's personal-information protection system shown to the person"));
  const source = r.text(o, 'source', path, missingField('source', 'where the description comes from'));
  const asOf = r.day(o, 'asOf', path, missingField('asOf', 'the date the description is current as of (YYYY-MM-DD)'));
  if (regime === undefined || version === undefined || summary === undefined || source === undefined || asOf === undefined) return undefined;
  return { regime, version, summary, source, asOf };
}

function readRecipient(r: Reader, value: unknown, path: string): NoticeRecipient | undefined {
  const o = r.record(value, path, ['id', 'name', 'role', 'measures', 'measuresUnavailable'], 'a recipient');
  if (o === undefined) return undefined;
  const id = r.text(o, 'id', path, missingField('id', 'the id of the recipient in registries/recipients.json'));
  const name = r.text(o, 'name', path, missingField('name', 'the legal name of the recipient'));
  const role = r.text(o, 'role', path, missingField('role', 'what the recipient does with the data'));
  let measures: NoticeRecipient['measures'];
  let measuresUnavailable: NoticeRecipient['measuresUnavailable'];
  if (o.measures !== undefined) {
    const m = r.record(o.measures, pointer(path, 'measures'), ['version', 'summary'], "the recipient's measures");
    if (m !== undefined) {
      const version = r.integer(m, 'version', pointer(path, 'measures'), missingField('version', "the version of the recipient's measures in the registry"));
      const summary = r.text(m, 'summary', pointer(path, 'measures'), missingField('summary', 'what the recipient does to protect the data'));
      if (version !== undefined && summary !== undefined) measures = { version, summary };
    }
  }
  if (o.measuresUnavailable !== undefined) {
    const m = r.record(o.measuresUnavailable, pointer(path, 'measuresUnavailable'), ['reason'], 'measuresUnavailable');
    if (m !== undefined) {
      const reason = r.text(m, 'reason', pointer(path, 'measuresUnavailable'), 'Say why the recipient\'s measures cannot be described ("reason").');
      if (reason !== undefined) measuresUnavailable = { reason };
    }
  }
  if (o.measures === undefined && o.measuresUnavailable === undefined) {
    r.add(pointer(path, 'measures'), 'NOTICE_MEASURES_MISSING', `The notice does not describe the measures ${name ?? 'the recipient'} takes to protect the data. Add "measures" (from the recipients registry), or "measuresUnavailable" with the reason they cannot be described.`);
  }
  if (o.measures !== undefined && o.measuresUnavailable !== undefined) {
    r.add(pointer(path, 'measuresUnavailable'), 'NOTICE_FIELD_INVALID', 'Give either "measures" or "measuresUnavailable", not both.');
  }
  if (id === undefined || name === undefined || role === undefined) return undefined;
  if (measures === undefined && measuresUnavailable === undefined) return undefined;
  return { id, name, role, ...(measures === undefined ? {} : { measures }), ...(measuresUnavailable === undefined ? {} : { measuresUnavailable }) };
}

function readRecipients(r: Reader, parent: Record<string, unknown>, path: string, where: string): NoticeRecipient[] | undefined {
  const list = r.array(parent, 'recipients', path, `Name who receives the data ${where}: add "recipients" with each recipient's id, name, role and measures.`, 'NOTICE_RECIPIENT_MISSING');
  if (list === undefined) return undefined;
  const out = list.map((item, i) => readRecipient(r, item, pointer(pointer(path, 'recipients'), i)));
  return out.every((x): x is NoticeRecipient => x !== undefined) ? out : undefined;
}

function readDestination(r: Reader, value: unknown, path: string): NoticeDestination | undefined {
  const o = r.record(value, path, ['country', 'countryName', 'regimeInfo', 'recipients'], 'a destination');
  if (o === undefined) return undefined;
  const country = r.country(o, 'country', path, 'Each destination must name its country.', 'NOTICE_NO_COUNTRY');
  const countryName = r.text(o, 'countryName', path, missingField('countryName', 'the name of the country as people know it, e.g. "Republic of Korea"'));
  let regimeInfo: NoticeRegimeInfo | undefined;
  if (o.regimeInfo === undefined || o.regimeInfo === null) {
    r.add(pointer(path, 'regimeInfo'), 'NOTICE_REGIME_INFO_MISSING', `The notice does not tell the person about the personal-information protection system of ${country ?? 'this country'}. Add "regimeInfo" copied from registries/jurisdictions.json (regime, version, summary, source, asOf).`);
  } else {
    regimeInfo = readRegimeInfo(r, o.regimeInfo, pointer(path, 'regimeInfo'));
  }
  const recipients = readRecipients(r, o, path, `in ${country ?? 'this country'}`);
  if (country === undefined || countryName === undefined || regimeInfo === undefined || recipients === undefined) return undefined;
  return { country, countryName, regimeInfo, recipients };
}

function readCountryUnknown(r: Reader, value: unknown, path: string): NoticeCountryUnknown | undefined {
  const o = r.record(value, path, ['reason', 'candidateCountries', 'recipients', 'measuresUnavailable'], 'countryUnknown');
  if (o === undefined) return undefined;
  const reason = r.present(o, 'reason', path, 'Say why the destination country is not yet known ("reason").', 'NOTICE_COUNTRY_UNKNOWN_INCOMPLETE');
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
    r.add(pointer(path, 'reason'), 'NOTICE_COUNTRY_UNKNOWN_INCOMPLETE', 'Say why the destination country is not yet known ("reason" must be non-empty text).');
  }
  const list = r.array(o, 'candidateCountries', path, 'Name the countries the data may go to ("candidateCountries"), each with its code and name.', 'NOTICE_COUNTRY_UNKNOWN_INCOMPLETE');
  const candidates: { country: string; countryName: string; regimeInfo?: NoticeRegimeInfo }[] = [];
  let candidatesOk = list !== undefined;
  list?.forEach((item, i) => {
    const at = pointer(pointer(path, 'candidateCountries'), i);
    const c = r.record(item, at, ['country', 'countryName', 'regimeInfo'], 'a candidate country');
    if (c === undefined) {
      candidatesOk = false;
      return;
    }
    const country = r.country(c, 'country', at, 'Each candidate must name its country.', 'NOTICE_NO_COUNTRY');
    const countryName = r.text(c, 'countryName', at, missingField('countryName', 'the name of the country'));
    const regimeInfo = c.regimeInfo === undefined ? undefined : readRegimeInfo(r, c.regimeInfo, pointer(at, 'regimeInfo'));
    if (country === undefined || countryName === undefined || (c.regimeInfo !== undefined && regimeInfo === undefined)) {
      candidatesOk = false;
      return;
    }
    candidates.push({ country, countryName, ...(regimeInfo === undefined ? {} : { regimeInfo }) });
  });
  let recipients: NoticeRecipient[] | undefined;
  let measuresUnavailable: { reason: string } | undefined;
  if (o.recipients !== undefined) recipients = readRecipients(r, o, path, 'once the country is known');
  if (o.measuresUnavailable !== undefined) {
    const m = r.record(o.measuresUnavailable, pointer(path, 'measuresUnavailable'), ['reason'], 'measuresUnavailable');
    const why = m === undefined ? undefined : r.text(m, 'reason', pointer(path, 'measuresUnavailable'), 'Say why the recipient\'s measures cannot be described ("reason").');
    if (why !== undefined) measuresUnavailable = { reason: why };
  }
  if (o.recipients === undefined && o.measuresUnavailable === undefined) {
    r.add(pointer(path, 'recipients'), 'NOTICE_MEASURES_MISSING', 'Name the recipients and their measures ("recipients"), or say why they cannot be described yet ("measuresUnavailable" with a reason).');
  }
  if (typeof reason !== 'string' || reason.trim() === '' || !candidatesOk) return undefined;
  if (o.recipients !== undefined && recipients === undefined) return undefined;
  if (o.measuresUnavailable !== undefined && measuresUnavailable === undefined) return undefined;
  if (recipients === undefined && measuresUnavailable === undefined) return undefined;
  return {
    reason,
    candidateCountries: candidates,
    ...(recipients === undefined ? {} : { recipients }),
    ...(measuresUnavailable === undefined ? {} : { measuresUnavailable }),
  };
}

// Walks the statements of where data goes or sits and flags vague wording in any of them.
function scanForVagueWording(r: Reader, value: unknown, path: string): void {
  if (typeof value === 'string') {
    const vague = findVagueDestinationWording(value);
    if (vague !== undefined) r.add(path, 'NOTICE_VAGUE_DESTINATION', `"${vague}" names no country. ${NAME_THE_COUNTRY}`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => scanForVagueWording(r, item, pointer(path, i)));
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!NOT_SCANNED.has(key)) scanForVagueWording(r, item, pointer(path, key));
    }
  }
}

const TOP_LEVEL_FIELDS = [
  '$schema', 'noticeId', 'version', 'language', 'effectiveFrom', 'homeJurisdiction', 'service', 'policyUrl',
  'purpose', 'controller', 'dataCollected', 'collectionMethod', 'collectionTiming', 'use', 'storage', 'transfers',
  'retention', 'rights', 'inquiries', 'choices', 'basis', 'risks',
] as const;

const BASIS_TYPES: readonly NoticeBasisType[] = ['consent', 'conforming-system', 'approved-destination', 'contract', 'legal-obligation', 'other'];

function readNotice(r: Reader, input: unknown): Notice | undefined {
  const n = r.record(input, '', TOP_LEVEL_FIELDS, 'a notice');
  if (n === undefined) return undefined;
  const root = '';
  const noticeId = r.pattern(n, 'noticeId', root, missingField('noticeId', 'a stable id such as "jp-media-storage-kr"'), /^[a-z0-9][a-z0-9-]{2,63}$/, 'lower-case letters, digits and hyphens (3–64 characters)');
  const version = r.integer(n, 'version', root, missingField('version', 'the notice version, 1 or more; raise it whenever the text changes'));
  const language = r.pattern(n, 'language', root, missingField('language', 'the language of the notice, e.g. "en" or "ja"'), /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as "en" or "ja"');
  const effectiveFrom = r.day(n, 'effectiveFrom', root, missingField('effectiveFrom', 'the date from which the notice is shown (YYYY-MM-DD)'));
  const homeJurisdiction = r.country(n, 'homeJurisdiction', root, missingField('homeJurisdiction', 'the jurisdiction of the people this notice is for, e.g. "JP"'));
  const service = r.text(n, 'service', root, missingField('service', 'the name of the service the data is collected for'));
  const policyUrl = r.url(n, 'policyUrl', root, missingField('policyUrl', 'the URL of the full privacy policy'));

  let purpose: Notice['purpose'] | undefined;
  const p = r.present(n, 'purpose', root, element('what the data is used for', 'purpose'));
  if (p !== undefined) {
    const o = r.record(p, '/purpose', ['code', 'description', 'categories'], 'purpose');
    if (o !== undefined) {
      const code = r.pattern(o, 'code', '/purpose', missingField('code', 'a stable purpose code such as "MEDIA_STORAGE"'), /^[A-Z][A-Z0-9_]{2,63}$/, 'upper-case letters, digits and underscores');
      const description = r.text(o, 'description', '/purpose', element('the purpose of processing in words', 'purpose.description'));
      const categories = o.categories === undefined ? undefined : r.texts(o, 'categories', '/purpose', 'List at least one purpose category, or remove "categories".');
      if (code !== undefined && description !== undefined && (o.categories === undefined || categories !== undefined)) {
        purpose = { code, description, ...(categories === undefined ? {} : { categories }) };
      }
    }
  }

  let controller: Notice['controller'] | undefined;
  const c = r.present(n, 'controller', root, element('who is responsible for the data (the controller: name, address and contact)', 'controller'));
  if (c !== undefined) {
    const o = r.record(c, '/controller', ['name', 'country', 'address', 'contact'], 'controller');
    if (o !== undefined) {
      const name = r.text(o, 'name', '/controller', missingField('name', "the controller's legal name"));
      const country = r.country(o, 'country', '/controller', missingField('country', "the controller's country code"));
      let address: PostalAddress | undefined;
      const a = r.present(o, 'address', '/controller', missingField('address', "the controller's postal address"));
      const ao = a === undefined ? undefined : r.record(a, '/controller/address', ['streetAddress', 'addressLocality', 'addressRegion', 'postalCode', 'addressCountry'], 'the address');
      if (ao !== undefined) {
        const streetAddress = r.text(ao, 'streetAddress', '/controller/address', missingField('streetAddress', 'street and number'));
        const addressLocality = r.text(ao, 'addressLocality', '/controller/address', missingField('addressLocality', 'the city'));
        const addressRegion = r.optionalText(ao, 'addressRegion', '/controller/address');
        const postalCode = r.optionalText(ao, 'postalCode', '/controller/address');
        const addressCountry = r.country(ao, 'addressCountry', '/controller/address', missingField('addressCountry', 'the country code of the address'));
        if (streetAddress !== undefined && addressLocality !== undefined && addressCountry !== undefined) {
          address = { streetAddress, addressLocality, addressCountry, ...(addressRegion === undefined ? {} : { addressRegion }), ...(postalCode === undefined ? {} : { postalCode }) };
        }
      }
      let contact: Notice['controller']['contact'] | undefined;
      const k = r.present(o, 'contact', '/controller', missingField('contact', 'a contact person or office with email and phone'));
      const ko = k === undefined ? undefined : r.record(k, '/controller/contact', ['name', 'email', 'phone', 'url'], 'the contact');
      if (ko !== undefined) {
        const cname = r.text(ko, 'name', '/controller/contact', missingField('name', 'the contact person or office'));
        const email = r.pattern(ko, 'email', '/controller/contact', missingField('email', 'a contact email address'), /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address');
        const phone = r.text(ko, 'phone', '/controller/contact', missingField('phone', 'a contact phone number'));
        const url = r.url(ko, 'url', '/controller/contact', '', true);
        if (cname !== undefined && email !== undefined && phone !== undefined && (ko.url === undefined || url !== undefined)) {
          contact = { name: cname, email, phone, ...(url === undefined ? {} : { url }) };
        }
      }
      if (name !== undefined && country !== undefined && address !== undefined && contact !== undefined) controller = { name, country, address, contact };
    }
  }

  let dataCollected: Notice['dataCollected'][number][] | undefined;
  const dc = r.array(n, 'dataCollected', root, element('which personal data is collected', 'dataCollected'));
  if (dc !== undefined) {
    const items = dc.map((item, i) => {
      const at = pointer('/dataCollected', i);
      const o = r.record(item, at, ['category', 'description', 'sensitive'], 'a data item');
      if (o === undefined) return undefined;
      const category = r.pattern(o, 'category', at, missingField('category', 'the data category, e.g. "user.content.media"'), /^[a-z_]+(\.[a-z_]+)+$/, 'a dotted data category such as "user.content.media"');
      // One list of categories: a notice cannot promise or ask consent for one nothing else knows.
      if (category !== undefined && !isCategory(category)) {
        const renamed = renamedCategories[category];
        r.add(
          pointer(at, 'category'),
          'NOTICE_FIELD_INVALID',
          renamed ? `"${category}" is now called "${renamed}" (fideslang's name).` : `"${category}" is not a data category; use one of ${categoryNames.join(', ')}.`,
        );
      }
      const description = r.text(o, 'description', at, missingField('description', 'the data in plain words'));
      const sensitive = r.boolean(o, 'sensitive', at, missingField('sensitive', 'whether this is sensitive (special-care) data: true or false'));
      return category === undefined || description === undefined || sensitive === undefined ? undefined : { category, description, sensitive };
    });
    if (items.every((x) => x !== undefined)) dataCollected = items.filter((x) => x !== undefined);
  }

  const collectionMethod = r.text(n, 'collectionMethod', root, element('how the data is collected', 'collectionMethod'));

  let collectionTiming: Notice['collectionTiming'] | undefined;
  const ct = r.present(n, 'collectionTiming', root, element('when and where the data is collected', 'collectionTiming'));
  const cto = ct === undefined ? undefined : r.record(ct, '/collectionTiming', ['when', 'where'], 'collectionTiming');
  if (cto !== undefined) {
    const when = r.text(cto, 'when', '/collectionTiming', element('when the data is collected', 'collectionTiming.when'));
    const where = r.text(cto, 'where', '/collectionTiming', element('where the data is collected', 'collectionTiming.where'));
    if (when !== undefined && where !== undefined) collectionTiming = { when, where };
  }

  const use = r.text(n, 'use', root, element('how the data is used', 'use'));

  let storage: Notice['storage'] | undefined;
  const st = r.present(n, 'storage', root, element('where the data is stored and under which jurisdiction', 'storage'));
  const sto = st === undefined ? undefined : r.record(st, '/storage', ['locations', 'jurisdictions'], 'storage');
  if (sto !== undefined) {
    const locs = r.array(sto, 'locations', '/storage', element('the countries where the data is stored', 'storage.locations'));
    const locations = locs?.map((item, i) => {
      const at = pointer('/storage/locations', i);
      const o = r.record(item, at, ['country', 'description'], 'a storage location');
      if (o === undefined) return undefined;
      const country = r.country(o, 'country', at, 'Each storage location must name its country.', 'NOTICE_NO_COUNTRY');
      const description = r.text(o, 'description', at, missingField('description', 'what is stored there and by whom'));
      return country === undefined || description === undefined ? undefined : { country, description };
    });
    const jur = r.array(sto, 'jurisdictions', '/storage', element('which legal jurisdictions govern the stored data', 'storage.jurisdictions'));
    const jurisdictions = jur?.map((code, i) => r.countryValue(code, pointer('/storage/jurisdictions', i), 'Each jurisdiction must be a country code.'));
    if (locations?.every((x) => x !== undefined) && jurisdictions?.every((x) => x !== undefined)) {
      storage = { locations: locations.filter((x) => x !== undefined), jurisdictions: jurisdictions.filter((x) => x !== undefined) };
    }
  }

  let transfers: Notice['transfers'] | undefined;
  const tr = r.present(n, 'transfers', root, `${element('to which third parties and countries the data is transferred', 'transfers')} ${NAME_THE_COUNTRY}`, 'NOTICE_NO_COUNTRY');
  const tro = tr === undefined ? undefined : r.record(tr, '/transfers', ['description', 'destinations', 'countryUnknown'], 'transfers');
  if (tro !== undefined) {
    const description = r.text(tro, 'description', '/transfers', element('the transfer in plain words', 'transfers.description'));
    let destinations: NoticeDestination[] | undefined;
    let countryUnknown: NoticeCountryUnknown | undefined;
    let partsOk = true;
    if (tro.destinations === undefined && tro.countryUnknown === undefined) {
      r.add('/transfers/destinations', 'NOTICE_NO_COUNTRY', `The notice names no destination country. ${NAME_THE_COUNTRY}`);
      partsOk = false;
    }
    if (tro.destinations !== undefined) {
      const list = r.array(tro, 'destinations', '/transfers', `The list of destinations is empty, so the notice names no country. ${NAME_THE_COUNTRY}`, 'NOTICE_NO_COUNTRY');
      const items = list?.map((item, i) => readDestination(r, item, pointer('/transfers/destinations', i)));
      if (items?.every((x) => x !== undefined)) destinations = items.filter((x) => x !== undefined);
      else partsOk = false;
    }
    if (tro.countryUnknown !== undefined) {
      countryUnknown = readCountryUnknown(r, tro.countryUnknown, '/transfers/countryUnknown');
      if (countryUnknown === undefined) partsOk = false;
    }
    if (description !== undefined && partsOk) {
      transfers = { description, ...(destinations === undefined ? {} : { destinations }), ...(countryUnknown === undefined ? {} : { countryUnknown }) };
    }
  }

  const pair = <K extends string>(key: string, keys: readonly [K, K], label: string, labels: readonly [string, string]): Record<K, string> | undefined => {
    const v = r.present(n, key, root, element(label, key));
    const o = v === undefined ? undefined : r.record(v, `/${key}`, keys, key);
    if (o === undefined) return undefined;
    const a = r.text(o, keys[0], `/${key}`, element(labels[0], `${key}.${keys[0]}`));
    const b = r.text(o, keys[1], `/${key}`, element(labels[1], `${key}.${keys[1]}`));
    return a === undefined || b === undefined ? undefined : ({ [keys[0]]: a, [keys[1]]: b } as Record<K, string>);
  };
  const retention = pair('retention', ['period', 'description'], 'how long the data is kept', ['the retention period', 'what happens to the data when the period ends']);
  const rights = pair('rights', ['description', 'howToExercise'], "the person's rights", ["the person's rights", 'how to use those rights']);
  const inquiries = pair('inquiries', ['contact', 'complaints'], 'where to send questions and complaints', ['where to send questions', 'where to complain, including the regulator']);
  const choices = pair('choices', ['howToView', 'howToWithdraw'], 'how the person can see the choices they made', ['how to see the choices made', 'how to withdraw consent']);

  let basis: Notice['basis'] | undefined;
  const b = r.present(n, 'basis', root, element('the basis for processing and transfer', 'basis'));
  const bo = b === undefined ? undefined : r.record(b, '/basis', ['type', 'description'], 'basis');
  if (bo !== undefined) {
    const type = r.text(bo, 'type', '/basis', missingField('type', `one of ${BASIS_TYPES.join(', ')}`));
    const description = r.text(bo, 'description', '/basis', element('the basis for processing in words', 'basis.description'));
    const known = BASIS_TYPES.find((t) => t === type);
    if (type !== undefined && known === undefined) r.add('/basis/type', 'NOTICE_FIELD_INVALID', `"${type}" is not a basis type; use one of ${BASIS_TYPES.join(', ')}.`);
    if (known !== undefined && description !== undefined) basis = { type: known, description };
  }

  const risks = r.texts(n, 'risks', root, element('the risks to the person', 'risks'));

  if (
    noticeId === undefined || version === undefined || language === undefined || effectiveFrom === undefined ||
    homeJurisdiction === undefined || service === undefined || policyUrl === undefined || purpose === undefined ||
    controller === undefined || dataCollected === undefined || collectionMethod === undefined ||
    collectionTiming === undefined || use === undefined || storage === undefined || transfers === undefined ||
    retention === undefined || rights === undefined || inquiries === undefined || choices === undefined ||
    basis === undefined || risks === undefined
  ) {
    return undefined;
  }
  return {
    noticeId, version, language, effectiveFrom, homeJurisdiction, service, policyUrl, purpose, controller,
    dataCollected, collectionMethod, collectionTiming, use, storage, transfers, retention, rights, inquiries,
    choices, basis, risks,
  };
}

function checkRegimeInfo(r: Reader, regime: Regime | undefined, country: string, info: NoticeRegimeInfo | undefined, path: string): void {
  if (regime === undefined) {
    r.add(path, 'NOTICE_REGIME_NOT_DESCRIBED', `The jurisdictions registry has no description of ${country}'s protection system, so the notice cannot tell people about it. Add the regime to registries/jurisdictions.json first.`);
    return;
  }
  if (info === undefined) return;
  if (info.regime !== regime.id) {
    r.add(pointer(path, 'regime'), 'NOTICE_REGIME_MISMATCH', `The registry describes ${country} under regime "${regime.id}", not "${info.regime}". Copy the regime information for ${country} from registries/jurisdictions.json.`);
  } else if (info.version < regime.info.version) {
    r.add(pointer(path, 'version'), 'NOTICE_REGIME_INFO_OUTDATED', `The notice shows version ${info.version} of the information on ${regime.id}, but the registry has version ${regime.info.version} (as of ${regime.info.asOf}). Update the summary from registries/jurisdictions.json and issue a new notice version.`);
  } else if (info.version > regime.info.version) {
    r.add(pointer(path, 'version'), 'NOTICE_REGIME_MISMATCH', `The notice claims version ${info.version} of the information on ${regime.id}, but the registry's latest is version ${regime.info.version}.`);
  }
}

function checkRecipient(r: Reader, registries: Registries, recipient: NoticeRecipient, country: string | undefined, path: string): void {
  const entry = registries.recipient(recipient.id);
  if (entry === undefined) {
    r.add(pointer(path, 'id'), 'NOTICE_UNKNOWN_RECIPIENT', `"${recipient.id}" is not in registries/recipients.json. Register the recipient (country, measures, contract) before naming it in a notice.`);
    return;
  }
  if (entry.name !== recipient.name) {
    r.add(pointer(path, 'name'), 'NOTICE_RECIPIENT_MISMATCH', `The registry names recipient "${entry.id}" "${entry.name}", not "${recipient.name}".`);
  }
  if (country !== undefined && entry.country !== country && !entry.handlingCountries.includes(country)) {
    r.add(path, 'NOTICE_RECIPIENT_MISMATCH', `${entry.name} handles data in ${[entry.country, ...entry.handlingCountries].filter((c, i, all) => all.indexOf(c) === i).join(', ')} according to the registry, not in ${country}. List it under the right country, or update the registry.`);
  }
  if (recipient.measures !== undefined && entry.measures !== null) {
    if (recipient.measures.version < entry.measures.version) {
      r.add(pointer(pointer(path, 'measures'), 'version'), 'NOTICE_MEASURES_OUTDATED', `The notice shows version ${recipient.measures.version} of ${entry.name}'s measures, but the registry has version ${entry.measures.version} (updated ${entry.measures.updated}). Update the measures and issue a new notice version.`);
    } else if (recipient.measures.version > entry.measures.version) {
      r.add(pointer(pointer(path, 'measures'), 'version'), 'NOTICE_RECIPIENT_MISMATCH', `The notice claims version ${recipient.measures.version} of ${entry.name}'s measures, but the registry's latest is version ${entry.measures.version}.`);
    }
  }
}

// Checks that need the registries: every country and recipient known, regime information and
// measures current, stored data disclosed, the stated basis plausible.
function checkAgainstRegistries(r: Reader, notice: Notice, registries: Registries): void {
  const home = notice.homeJurisdiction;
  if (registries.regimeOf(home) === undefined) {
    r.add('/homeJurisdiction', registries.jurisdiction(home) === undefined ? 'NOTICE_UNKNOWN_COUNTRY' : 'NOTICE_REGIME_NOT_DESCRIBED', `The registry has no regime for the home jurisdiction ${home}; notices can only be issued for jurisdictions it describes.`);
  }
  const knownCountry = (code: string, path: string): boolean => {
    if (registries.jurisdiction(code) !== undefined) return true;
    const hint = code === 'EU' ? ' The EU is a group of countries: name each member state the data goes to.' : '';
    r.add(path, 'NOTICE_UNKNOWN_COUNTRY', `${code} is not in registries/jurisdictions.json.${hint} Use a country the registry describes, or add it there first.`);
    return false;
  };

  const disclosed = new Set<string>([home]);
  const seen = new Set<string>();
  (notice.transfers.destinations ?? []).forEach((destination, i) => {
    const at = pointer('/transfers/destinations', i);
    const country = destination.country;
    disclosed.add(country);
    if (seen.has(country)) r.add(pointer(at, 'country'), 'NOTICE_DUPLICATE_DESTINATION', `${country} is listed twice; list each country once with all its recipients.`);
    seen.add(country);
    if (country === home) {
      r.add(pointer(at, 'country'), 'NOTICE_NOT_A_TRANSFER', `${country} is the home jurisdiction of this notice; keeping data there is not a transfer abroad. Remove this destination.`);
    }
    if (knownCountry(country, pointer(at, 'country'))) {
      checkRegimeInfo(r, registries.regimeOf(country), country, destination.regimeInfo, pointer(at, 'regimeInfo'));
    }
    destination.recipients.forEach((recipient, j) => checkRecipient(r, registries, recipient, country, pointer(pointer(at, 'recipients'), j)));
    if (notice.basis.type === 'approved-destination' && !registries.isApprovedDestination(home, country)) {
      r.add('/basis/type', 'NOTICE_BASIS_MISMATCH', `${country} is not on ${home}'s list of approved destinations, so "approved-destination" cannot be the basis for it. State the basis that applies (consent or conforming-system).`);
    }
  });

  const unknown = notice.transfers.countryUnknown;
  if (unknown !== undefined) {
    unknown.candidateCountries.forEach((candidate, i) => {
      const at = pointer('/transfers/countryUnknown/candidateCountries', i);
      disclosed.add(candidate.country);
      if (knownCountry(candidate.country, pointer(at, 'country')) && candidate.regimeInfo !== undefined) {
        checkRegimeInfo(r, registries.regimeOf(candidate.country), candidate.country, candidate.regimeInfo, pointer(at, 'regimeInfo'));
      }
    });
    (unknown.recipients ?? []).forEach((recipient, j) => checkRecipient(r, registries, recipient, undefined, pointer('/transfers/countryUnknown/recipients', j)));
  }

  notice.storage.locations.forEach((location, i) => {
    const at = pointer('/storage/locations', i);
    if (!knownCountry(location.country, pointer(at, 'country'))) return;
    if (!disclosed.has(location.country)) {
      r.add(pointer(at, 'country'), 'NOTICE_STORAGE_NOT_DISCLOSED', `Data is stored in ${location.country}, but the notice does not list ${location.country} among its destinations. Add it to transfers.destinations with its regime information and the recipient's measures.`);
    }
    if (!notice.storage.jurisdictions.includes(location.country)) {
      r.add('/storage/jurisdictions', 'NOTICE_STORAGE_NOT_DISCLOSED', `Data stored in ${location.country} is subject to ${location.country}'s law; add "${location.country}" to storage.jurisdictions.`);
    }
  });
  notice.storage.jurisdictions.forEach((code, i) => knownCountry(code, pointer('/storage/jurisdictions', i)));
  knownCountry(notice.controller.country, '/controller/country');
}

/**
 * Decides whether a notice may be shown and used to collect consent. Pure: everything it needs
 * is in the notice and the registries. Every problem is reported, each with a JSON Pointer, a
 * stable code and a message that says what to change.
 */
export function validateNotice(input: unknown, registries: Registries): NoticeValidation {
  const r = new Reader();
  const notice = readNotice(r, input);
  if (isRecord(input)) {
    if (input.transfers !== undefined) scanForVagueWording(r, input.transfers, '/transfers');
    if (input.storage !== undefined) scanForVagueWording(r, input.storage, '/storage');
  }
  if (notice !== undefined) checkAgainstRegistries(r, notice, registries);
  if (r.problems.length > 0 || notice === undefined) {
    const problems = r.problems.length > 0 ? r.problems : [{ path: '', code: 'NOTICE_FIELD_INVALID' as const, message: 'The notice could not be read.' }];
    return { ok: false, problems };
  }
  return { ok: true, problems: [], notice: notice as ValidNotice };
}
