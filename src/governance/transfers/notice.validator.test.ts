import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findVagueDestinationWording, validateNotice } from './notice.validator.js';
import { createRegistries, defaultRegistryFiles, loadRegistries, type JurisdictionsFile, type RecipientsFile, type Registries } from './registry.js';
import { readJsonFile, repoPath, schemaCheck } from './repo-files.js';
import { NOTICE_PROBLEM_CODES, type NoticeProblemCode } from './transfers.errors.js';

type Json = Record<string, unknown>;

const registries = loadRegistries();
const noticeSchema = schemaCheck<unknown>('notice.schema.json');

function demoNotice(name: string): Json {
  return readJsonFile(repoPath('registries', 'notices', `${name}.json`)) as Json;
}

/** A deep copy of the valid KR notice, changed by `edit`. */
function krNotice(edit: (n: Json) => void = () => undefined): Json {
  const copy = structuredClone(demoNotice('jp-media-storage-kr'));
  edit(copy);
  return copy;
}

function unknownCountryNotice(edit: (n: Json) => void = () => undefined): Json {
  const copy = structuredClone(demoNotice('jp-abuse-review-country-unknown'));
  edit(copy);
  return copy;
}

function at(value: unknown, path: (string | number)[]): Json {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node as Json;
}

function codes(input: unknown, regs: Registries = registries): NoticeProblemCode[] {
  const result = validateNotice(input, regs);
  return result.problems.map((p) => p.code);
}

function problemAt(input: unknown, code: NoticeProblemCode, regs: Registries = registries) {
  return validateNotice(input, regs).problems.find((p) => p.code === code);
}

/** Registries whose KR regime information and Seoul Cloud Co. measures are at version 2. */
function bumpedRegistries(): Registries {
  const paths = defaultRegistryFiles();
  const jurisdictions = structuredClone(readJsonFile(paths.jurisdictions)) as JurisdictionsFile;
  const recipients = structuredClone(readJsonFile(paths.recipients)) as RecipientsFile;
  const kr = jurisdictions.regimes['KR-PIPA'];
  if (kr === undefined) throw new Error('KR-PIPA missing');
  (kr.info as { version: number }).version = 2;
  const seoul = recipients.recipients.find((r) => r.id === 'seoul-cloud');
  if (seoul?.measures == null) throw new Error('seoul-cloud measures missing');
  (seoul.measures as { version: number }).version = 2;
  return createRegistries({ jurisdictions, recipients });
}

describe('demo notices', () => {
  it.each(['jp-media-storage-kr', 'jp-abuse-review-country-unknown', 'kr-messages-jp'])('%s is valid and matches the schema', (name) => {
    const notice = demoNotice(name);
    const result = validateNotice(notice, registries);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(noticeSchema(notice).ok).toBe(true);
  });

  it('refuses the "third countries" notice with a clear error', () => {
    const notice = demoNotice('third-countries');
    const result = validateNotice(notice, registries);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['NOTICE_NO_COUNTRY', 'NOTICE_VAGUE_DESTINATION']));
    const vague = result.problems.find((p) => p.code === 'NOTICE_VAGUE_DESTINATION');
    expect(vague?.path).toBe('/transfers/description');
    expect(vague?.message).toContain('"third countries" names no country');
    expect(noticeSchema(notice).ok).toBe(false);
  });
});

describe('destinations must be concrete countries', () => {
  it('refuses a notice without destinations or with an empty list', () => {
    expect(codes(krNotice((n) => delete at(n, ['transfers']).destinations))).toContain('NOTICE_NO_COUNTRY');
    expect(codes(krNotice((n) => (at(n, ['transfers']).destinations = [])))).toContain('NOTICE_NO_COUNTRY');
    expect(codes(krNotice((n) => delete n.transfers))).toContain('NOTICE_NO_COUNTRY');
  });

  it.each([
    'third countries',
    'Third-Countries',
    'overseas',
    'foreign countries',
    'other jurisdictions',
    'abroad',
    'outside Japan',
    'worldwide',
    '第三国',
    '海外',
  ])('refuses "%s" as a destination and in the transfer description', (phrase) => {
    const asCountry = krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = phrase));
    expect(problemAt(asCountry, 'NOTICE_VAGUE_DESTINATION')?.path).toBe('/transfers/destinations/0/country');
    const inText = krNotice((n) => (at(n, ['transfers']).description = `Files are stored in Korea and may also go ${phrase}.`));
    expect(problemAt(inText, 'NOTICE_VAGUE_DESTINATION')?.path).toBe('/transfers/description');
    const inStorage = krNotice((n) => (at(n, ['storage', 'locations', 0]).description = `Object storage ${phrase}.`));
    expect(problemAt(inStorage, 'NOTICE_VAGUE_DESTINATION')?.path).toBe('/storage/locations/0/description');
  });

  it('does not mistake a regime description or a stated risk for a destination', () => {
    const kr = krNotice();
    expect(String(at(kr, ['transfers', 'destinations', 0, 'regimeInfo']).summary)).toMatch(/abroad/);
    const withRisk = krNotice((n) => (n.risks = ['Laws abroad may allow broader government access than in Japan.']));
    expect(validateNotice(withRisk, registries).ok).toBe(true);
  });

  it('flags any phrase the detector finds, wherever it sits in the description (property)', () => {
    const phrase = fc.constantFrom('third countries', 'overseas', 'foreign countries', 'abroad', 'other countries', 'worldwide', 'outside the EEA');
    const word = fc.constantFrom('we', 'may', 'store', 'files', 'in', 'Korea', 'and', 'the', 'backups');
    const casing = fc.constantFrom<(s: string) => string>((s) => s, (s) => s.toUpperCase(), (s) => s[0]?.toUpperCase() + s.slice(1));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), phrase, casing, fc.array(word, { maxLength: 6 }), (before, vague, cased, after) => {
        const text = [...before, cased(vague), ...after].join(' ');
        const notice = krNotice((n) => (at(n, ['transfers']).description = text));
        expect(codes(notice)).toContain('NOTICE_VAGUE_DESTINATION');
      }),
    );
  });

  it('accepts plain descriptions without vague wording (property)', () => {
    const word = fc.constantFrom('Seoul', 'Cloud', 'Co.', 'stores', 'files', 'in', 'the', 'Republic', 'of', 'Korea', 'for', 'us');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), (words) => {
        const text = words.join(' ');
        expect(findVagueDestinationWording(text)).toBeUndefined();
        expect(validateNotice(krNotice((n) => (at(n, ['transfers']).description = text)), registries).ok).toBe(true);
      }),
    );
  });

  it('refuses countries the registry does not know, and says the EU is not a country', () => {
    expect(problemAt(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = 'ZZ')), 'NOTICE_UNKNOWN_COUNTRY')?.path).toBe('/transfers/destinations/0/country');
    const eu = problemAt(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = 'EU')), 'NOTICE_UNKNOWN_COUNTRY');
    expect(eu?.message).toContain('name each member state');
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = 'kr')))).toContain('NOTICE_FIELD_INVALID');
  });

  it('refuses a country whose regime the registry does not describe', () => {
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = 'CH')))).toContain('NOTICE_REGIME_NOT_DESCRIBED');
  });

  it('refuses the home jurisdiction as a destination, and duplicate destinations', () => {
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).country = 'JP')))).toContain('NOTICE_NOT_A_TRANSFER');
    const twice = krNotice((n) => {
      const list = at(n, ['transfers']).destinations as unknown[];
      list.push(structuredClone(list[0]));
    });
    expect(codes(twice)).toContain('NOTICE_DUPLICATE_DESTINATION');
  });
});

describe('regime information', () => {
  it('is required for every destination', () => {
    const notice = krNotice((n) => delete at(n, ['transfers', 'destinations', 0]).regimeInfo);
    expect(problemAt(notice, 'NOTICE_REGIME_INFO_MISSING')?.path).toBe('/transfers/destinations/0/regimeInfo');
  });

  it('must name the registry regime of the country', () => {
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0, 'regimeInfo']).regime = 'CN-PIPL')))).toContain('NOTICE_REGIME_MISMATCH');
  });

  it('is refused once the registry has a newer version', () => {
    const bumped = bumpedRegistries();
    const problem = problemAt(krNotice(), 'NOTICE_REGIME_INFO_OUTDATED', bumped);
    expect(problem?.path).toBe('/transfers/destinations/0/regimeInfo/version');
    expect(problem?.message).toContain('version 2');
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0, 'regimeInfo']).version = 2)))).toContain('NOTICE_REGIME_MISMATCH');
  });
});

describe('recipients and their measures', () => {
  it("requires the recipient's measures or a reason they cannot be described", () => {
    const none = krNotice((n) => delete at(n, ['transfers', 'destinations', 0, 'recipients', 0]).measures);
    expect(problemAt(none, 'NOTICE_MEASURES_MISSING')?.message).toContain('Seoul Cloud Co.');
    const withReason = krNotice((n) => {
      const r = at(n, ['transfers', 'destinations', 0, 'recipients', 0]);
      delete r.measures;
      r.measuresUnavailable = { reason: 'The provider has not yet confirmed its encryption arrangements.' };
    });
    expect(validateNotice(withReason, registries).ok).toBe(true);
    const emptyReason = krNotice((n) => {
      const r = at(n, ['transfers', 'destinations', 0, 'recipients', 0]);
      delete r.measures;
      r.measuresUnavailable = { reason: ' ' };
    });
    expect(validateNotice(emptyReason, registries).ok).toBe(false);
  });

  it('refuses outdated measures', () => {
    expect(problemAt(krNotice(), 'NOTICE_MEASURES_OUTDATED', bumpedRegistries())?.path).toBe('/transfers/destinations/0/recipients/0/measures/version');
  });

  it('requires at least one registered recipient that handles data in that country', () => {
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0]).recipients = [])))).toContain('NOTICE_RECIPIENT_MISSING');
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0, 'recipients', 0]).id = 'nobody')))).toContain('NOTICE_UNKNOWN_RECIPIENT');
    const wrongCountry = krNotice((n) => {
      const r = at(n, ['transfers', 'destinations', 0, 'recipients', 0]);
      r.id = 'shanghai-dev';
      r.name = 'Shanghai Dev Ltd.';
    });
    expect(problemAt(wrongCountry, 'NOTICE_RECIPIENT_MISMATCH')?.message).toContain('not in KR');
    expect(codes(krNotice((n) => (at(n, ['transfers', 'destinations', 0, 'recipients', 0]).name = 'Seoul Storage')))).toContain('NOTICE_RECIPIENT_MISMATCH');
  });
});

describe('country not yet known', () => {
  it('needs the reason', () => {
    const notice = unknownCountryNotice((n) => delete at(n, ['transfers', 'countryUnknown']).reason);
    expect(problemAt(notice, 'NOTICE_COUNTRY_UNKNOWN_INCOMPLETE')?.path).toBe('/transfers/countryUnknown/reason');
  });

  it('needs candidate countries', () => {
    expect(codes(unknownCountryNotice((n) => delete at(n, ['transfers', 'countryUnknown']).candidateCountries))).toContain('NOTICE_COUNTRY_UNKNOWN_INCOMPLETE');
    expect(codes(unknownCountryNotice((n) => (at(n, ['transfers', 'countryUnknown']).candidateCountries = [])))).toContain('NOTICE_COUNTRY_UNKNOWN_INCOMPLETE');
    expect(codes(unknownCountryNotice((n) => (at(n, ['transfers', 'countryUnknown', 'candidateCountries', 0]).country = 'overseas')))).toContain('NOTICE_VAGUE_DESTINATION');
  });

  it('needs the recipients or the reason their measures cannot be described', () => {
    expect(codes(unknownCountryNotice((n) => delete at(n, ['transfers', 'countryUnknown']).measuresUnavailable))).toContain('NOTICE_MEASURES_MISSING');
  });

  it('may speak of "abroad" in its reason without being vague', () => {
    const notice = unknownCountryNotice((n) => (at(n, ['transfers', 'countryUnknown']).reason = 'The contractor abroad has not been chosen yet.'));
    expect(validateNotice(notice, registries).ok).toBe(true);
  });
});

describe('ISO/IEC 29184 elements', () => {
  const elements = ['purpose', 'controller', 'dataCollected', 'collectionMethod', 'collectionTiming', 'use', 'storage', 'transfers', 'retention', 'rights', 'inquiries', 'choices', 'basis', 'risks'];

  it.each(elements)('refuses a notice without "%s" and says what to add', (key) => {
    const result = validateNotice(krNotice((n) => delete n[key]), registries);
    expect(result.ok).toBe(false);
    const problem = result.problems.find((p) => p.path === `/${key}`);
    expect(problem?.code).toBe(key === 'transfers' ? 'NOTICE_NO_COUNTRY' : 'NOTICE_ELEMENT_MISSING');
    expect(problem?.message).toContain(`"${key}"`);
  });

  it.each([
    ['collectionTiming', 'when'],
    ['choices', 'howToView'],
    ['rights', 'howToExercise'],
    ['inquiries', 'complaints'],
    ['storage', 'jurisdictions'],
    ['purpose', 'description'],
  ])('refuses a notice with %s.%s empty', (parent, child) => {
    const result = validateNotice(krNotice((n) => (at(n, [parent])[child] = '')), registries);
    expect(result.ok).toBe(false);
    expect(result.problems.some((p) => p.path === `/${parent}/${child}`)).toBe(true);
  });

  it('is refused by both the validator and the schema when any required field is dropped (property)', () => {
    const keys = Object.keys(krNotice()).filter((k) => k !== '$schema');
    fc.assert(
      fc.property(fc.constantFrom(...keys), (key) => {
        const notice = krNotice((n) => delete n[key]);
        expect(validateNotice(notice, registries).ok).toBe(false);
        expect(noticeSchema(notice).ok).toBe(false);
      }),
    );
  });
});

describe('storage, basis and form', () => {
  it('refuses storage in a country the notice does not disclose', () => {
    const notice = krNotice((n) => (at(n, ['storage']).locations = [...(at(n, ['storage']).locations as unknown as unknown[]), { country: 'US', description: 'Backups.' }]));
    const result = validateNotice(notice, registries);
    expect(result.problems.filter((p) => p.code === 'NOTICE_STORAGE_NOT_DISCLOSED').map((p) => p.path)).toEqual(['/storage/locations/2/country', '/storage/jurisdictions']);
  });

  it('refuses "approved-destination" as the basis for a country not on the approved list', () => {
    expect(codes(krNotice((n) => (at(n, ['basis']).type = 'approved-destination')))).toContain('NOTICE_BASIS_MISMATCH');
  });

  it('reports misspelt fields', () => {
    const notice = krNotice((n) => {
      const t = at(n, ['transfers']);
      t.destination = t.destinations;
      delete t.destinations;
    });
    expect(codes(notice)).toEqual(expect.arrayContaining(['NOTICE_UNKNOWN_FIELD', 'NOTICE_NO_COUNTRY']));
  });

  it('refuses what is not a notice at all', () => {
    for (const input of [null, 42, 'notice', []]) expect(codes(input)).toEqual(['NOTICE_FIELD_INVALID']);
  });

  it('gives every problem a pointer, a catalogued code and a message', () => {
    const inputs: unknown[] = [demoNotice('third-countries'), {}, krNotice((n) => (n.version = 0)), unknownCountryNotice((n) => (n.transfers = {}))];
    for (const input of inputs) {
      for (const problem of validateNotice(input, registries).problems) {
        expect(problem.path === '' || problem.path.startsWith('/')).toBe(true);
        expect(NOTICE_PROBLEM_CODES).toContain(problem.code);
        expect(problem.message.length).toBeGreaterThan(10);
      }
    }
  });
});
