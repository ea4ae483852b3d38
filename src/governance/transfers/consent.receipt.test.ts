import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertConsentReceipt, buildConsentReceipt, validateConsentReceipt, type ConsentReceipt } from './consent.receipt.js';
import type { ValidNotice } from './notice.validator.js';
import { loadRegistries } from './registry.js';
import { readJsonFile, repoPath, schemaCheck } from './repo-files.js';
import { ConsentError } from './transfers.errors.js';
import { validNotice } from './transfers.test-support.js';

const registries = loadRegistries();

function notice(name: string): ValidNotice {
  return validNotice(readJsonFile(repoPath('registries', 'notices', `${name}.json`)), registries);
}

const kr = notice('jp-media-storage-kr');
const unknown = notice('jp-abuse-review-country-unknown');
const AT = new Date('2026-12-03T09:30:15.750Z');

function receipt(overrides: Partial<Parameters<typeof buildConsentReceipt>[0]> = {}): ConsentReceipt {
  return buildConsentReceipt({ notice: kr, subject: { id: 'user-jp-0001', home: 'JP' }, at: AT, id: '6f1c2a0e-8d43-4b7a-9a55-0c1d2e3f4a5b', separateConsent: true, ...overrides });
}

function mutated(edit: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const copy = structuredClone(receipt()) as unknown as Record<string, unknown>;
  edit(copy);
  return copy;
}

function expectConsentError(run: () => unknown, code: ConsentError['code']): void {
  expect(run).toThrow(ConsentError);
  try {
    run();
  } catch (err) {
    expect((err as ConsentError).code).toBe(code);
  }
}

describe('buildConsentReceipt', () => {
  it('produces a Kantara v1.1 receipt with the cross-border extensions', () => {
    const r = receipt();
    expect(r).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'JP',
      consentTimestamp: Math.floor(AT.getTime() / 1000),
      consentReceiptID: '6f1c2a0e-8d43-4b7a-9a55-0c1d2e3f4a5b',
      language: 'en',
      piiPrincipalId: 'user-jp-0001',
      policyUrl: 'https://nihontalk.example/privacy',
      sensitive: false,
      spiCat: [],
      noticeId: 'jp-media-storage-kr',
      noticeVersion: 1,
      purposeCode: 'MEDIA_STORAGE',
      destinationCountries: ['KR'],
      regimeInfoVersion: { KR: { regime: 'KR-PIPA', version: 1 } },
      separateConsent: true,
    });
    expect(Number.isInteger(r.consentTimestamp)).toBe(true);
    expect(r.piiControllers[0]).toMatchObject({ piiController: 'Nihon Talk Corp', email: 'privacy@nihontalk.example' });
    expect(r.services[0]?.purposes[0]).toMatchObject({ consentType: 'EXPLICIT', thirdPartyDisclosure: true, thirdPartyName: 'Seoul Cloud Co.', piiCategory: ['user.content.media'] });
    expect(r.recipientMeasures).toEqual([
      expect.objectContaining({ recipientId: 'seoul-cloud', recipientName: 'Seoul Cloud Co.', country: 'KR', measuresVersion: 1 }),
    ]);
    expect(r.countryUnknownReason).toBeUndefined();
  });

  it('records the reason and the candidates when the country was not yet known', () => {
    const r = buildConsentReceipt({ notice: unknown, subject: { id: 'user-jp-0002' }, at: AT, id: 'cr-2', separateConsent: true });
    expect(r.destinationCountries).toEqual([]);
    expect(r.candidateCountries).toEqual(['KR', 'US']);
    expect(r.countryUnknownReason).toContain('still choosing');
    expect(r.recipientMeasures).toEqual([]);
    expect(r.recipientMeasuresUnavailableReason).toContain('not been chosen');
    expect(r.regimeInfoVersion).toEqual({ KR: { regime: 'KR-PIPA', version: 1 }, US: { regime: 'US-SECTORAL', version: 1 } });
    expect(validateConsentReceipt(r).ok).toBe(true);
  });

  it('marks sensitive data and lists its categories', () => {
    const sensitiveNotice = { ...kr, dataCollected: [{ category: 'user.health', description: 'Health notes', sensitive: true }] } as ValidNotice;
    const r = receipt({ notice: sensitiveNotice });
    expect(r.sensitive).toBe(true);
    expect(r.spiCat).toEqual(['user.health']);
    expect(validateConsentReceipt(r).ok).toBe(true);
  });

  it('refuses consent before the notice takes effect, for another home, or without ids', () => {
    expectConsentError(() => receipt({ at: new Date('2026-11-30T23:59:59Z') }), 'CONSENT_NOTICE_NOT_IN_EFFECT');
    expectConsentError(() => receipt({ subject: { id: 'user-kr-1', home: 'KR' } }), 'CONSENT_WRONG_HOME');
    expectConsentError(() => receipt({ subject: { id: ' ' } }), 'CONSENT_INPUT_INVALID');
    expectConsentError(() => receipt({ id: '' }), 'CONSENT_INPUT_INVALID');
    expectConsentError(() => receipt({ at: new Date('nope') }), 'CONSENT_INPUT_INVALID');
  });

  it('always yields a receipt the schema accepts, also after a JSON round trip (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
    const time = fc.integer({ min: Date.parse('2026-12-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') });
    fc.assert(
      fc.property(text, text, time, fc.boolean(), fc.constantFrom(kr, unknown), (subject, id, ms, separate, n) => {
        const r = buildConsentReceipt({ notice: n, subject: { id: subject }, at: new Date(ms), id, separateConsent: separate });
        const result = validateConsentReceipt(JSON.parse(JSON.stringify(r)));
        expect(result.problems).toEqual([]);
        expect(r.consentTimestamp).toBe(Math.floor(ms / 1000));
      }),
    );
  });
});

describe('validateConsentReceipt', () => {
  it('accepts a built receipt', () => {
    const result = validateConsentReceipt(receipt());
    expect(result.ok).toBe(true);
    expect(assertConsentReceipt(receipt()).consentReceiptID).toBe('6f1c2a0e-8d43-4b7a-9a55-0c1d2e3f4a5b');
  });

  it.each<[string, (r: Record<string, unknown>) => void]>([
    ['a missing subject', (r) => delete r.piiPrincipalId],
    ['another specification version', (r) => (r.version = 'KI-CR-v1.0.0')],
    ['a timestamp that is not seconds since the epoch', (r) => (r.consentTimestamp = '2026-12-03T09:30:15Z')],
    ['no destination country and no reason', (r) => (r.destinationCountries = [])],
    ['a vague destination', (r) => (r.destinationCountries = ['third countries'])],
    ['no recipient measures and no reason', (r) => (r.recipientMeasures = [])],
    ['an unknown field', (r) => (r.transferredTo = 'overseas')],
    ['sensitive data without categories', (r) => (r.sensitive = true)],
    ['a missing regime information version', (r) => delete r.regimeInfoVersion],
    [
      'a third-party disclosure without the third party',
      (r) => {
        const purpose = (r.services as { purposes: Record<string, unknown>[] }[])[0]?.purposes[0];
        if (purpose !== undefined) delete purpose.thirdPartyName;
      },
    ],
  ])('refuses %s', (_label, edit) => {
    const result = validateConsentReceipt(mutated(edit));
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(() => assertConsentReceipt(mutated(edit))).toThrow(ConsentError);
  });
});

// The example receipt published with the Kantara Consent Receipt Specification v1.1.0 (its JSON
// example, the Ankh-Morpork Times subscription), as published: no addressLocality, a jurisdiction
// that is no ISO code, a public key with CR LF line breaks, a thirdPartyName without disclosure.
// The copy available here ended after the third purpose; the spec's two legal-obligation purposes
// are left out and its closing `sensitive` / `spiCat` fields are given their plainest values.
const kantaraExample = {
  version: 'KI-CR-v1.1.0',
  jurisdiction: 'DW',
  consentTimestamp: 1510592400,
  collectionMethod: 'Web Subscription Form with opt-in for marketing',
  consentReceiptID: 'c1befd3e-b7e5-4ea6-8688-e9a565aade21',
  publicKey:
    '04:a3:1d:40:53:f0:4b:f1:f9:1b:b2:3a:83:a9:d1:\r\n40:02:cc:31:b6:4a:77:bf:5 e:a0:db:4f:ea:d2:07:\r\nc4:23:57:6f:83:2c:3d:3e:8d:e7:02:71:60:54:01:\r\nf4 :6a:fb:a2:1e:8b:42:53:33:78:68:d9:7d:5e:b2:\r\ncc:0b:f8:a1:bf',
  language: 'en',
  piiPrincipalId: 'Bowden Jeffries',
  piiControllers: [
    {
      piiController: 'Ankh-Morpork Times',
      contact: 'William De Worde',
      address: { streetAddress: 'Gleam Street', addressCountry: 'DW' },
      email: 'william@times.ankh-morpork.xyz',
      phone: '(555) 555-DISC (3429)',
    },
  ],
  policyUrl: 'https://times.ankh-morpork.xzy/privacy_2017',
  services: [
    {
      service: 'Digital Subscription and News Alerts',
      purposes: [
        {
          purpose: 'To provide contracted services',
          purposeCategory: ['2 - Contracted Service'],
          consentType: 'EXPLICIT',
          piiCategory: ['1 - Biographical', '2 - Contact', '4 - Communications/Social', '7 - Financial'],
          primaryPurpose: true,
          termination: 'Subscription end date + 1 year',
          thirdPartyDisclosure: true,
          thirdPartyName: 'The Ankh-morpork Deadbeat Debt Collectors Society',
        },
        {
          purpose: 'To personalize service experience',
          purposeCategory: ['5 - Personalize Experience'],
          consentType: 'EXPLICIT',
          piiCategory: ['1 - Biographical', '2 - Contact', '4 - Communications/Social'],
          primaryPurpose: false,
          termination: 'Subscription end date + 1 year',
          thirdPartyDisclosure: false,
        },
        {
          purpose: 'To market services',
          purposeCategory: ['6 - Marketing'],
          consentType: 'EXPLICIT',
          piiCategory: ['2 - Contact'],
          primaryPurpose: false,
          termination: 'Subscription end date + 1 year',
          thirdPartyDisclosure: false,
          thirdPartyName: 'DiscWorld Octarine Programmatic Ad Agency',
        },
      ],
    },
  ],
  sensitive: false,
  spiCat: [],
};

describe('the Kantara base schema and the Domicile profile', () => {
  const base = schemaCheck('kantara-consent-receipt-v1.1.schema.json');

  it('accepts Kantara’s own v1.1 example receipt as a Kantara receipt', () => {
    expect(base(kantaraExample)).toEqual({ ok: true, value: kantaraExample });
  });

  it('holds the base to what the specification requires', () => {
    const { spiCat: _spiCat, ...noSpiCat } = kantaraExample;
    expect(base(noSpiCat).ok).toBe(false);
    const disclosedToNobody = structuredClone(kantaraExample);
    delete (disclosedToNobody.services[0]?.purposes[0] as { thirdPartyName?: string }).thirdPartyName;
    expect(base(disclosedToNobody).ok).toBe(false);
    expect(base({ ...kantaraExample, version: 'KI-CR-v1.0.0' }).ok).toBe(false);
  });

  it('every Domicile receipt is a Kantara receipt too; the example lacks only the profile’s extensions', () => {
    expect(base(receipt()).ok).toBe(true);
    const asProfile = validateConsentReceipt(kantaraExample);
    expect(asProfile.ok).toBe(false);
    const missing = asProfile.problems.map((p) => p.message).filter((m) => m.startsWith('missing'));
    expect(missing).toEqual(expect.arrayContaining(['missing required field "noticeId"', 'missing required field "separateConsent"']));
    expect(asProfile.problems.some((p) => p.path.includes('address'))).toBe(false);
  });
});
