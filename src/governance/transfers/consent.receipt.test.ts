import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertConsentReceipt, buildConsentReceipt, validateConsentReceipt, type ConsentReceipt } from './consent.receipt.js';
import type { ValidNotice } from './notice.validator.js';
import { loadRegistries } from './registry.js';
import { readJsonFile, repoPath } from './repo-files.js';
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
