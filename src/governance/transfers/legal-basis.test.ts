import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consentGiven, consentWithdrawn, type ConsentEvent } from './consent.history.js';
import { buildConsentReceipt } from './consent.receipt.js';
import { findBasis, isBasisMissing, type BasisResult, type FindBasisInput } from './legal-basis.js';
import type { ValidNotice } from './notice.validator.js';
import { createRegistries, defaultRegistryFiles, loadRegistries, type JurisdictionsFile, type Recipient, type RecipientsFile, type Registries } from './registry.js';
import { readJsonFile, repoPath } from './repo-files.js';
import { validNotice } from './transfers.test-support.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type Json = Record<string, unknown>;

const registries = loadRegistries();
const NOW = new Date('2026-11-27T12:00:00Z');
const AFTER_NOTICES = new Date('2026-12-02T09:00:00Z');
const SUBJECT = 'user-jp-0001';

function registriesWith(edit: (recipients: Mutable<RecipientsFile>, jurisdictions: Mutable<JurisdictionsFile>) => void): Registries {
  const paths = defaultRegistryFiles();
  const jurisdictions = structuredClone(readJsonFile(paths.jurisdictions)) as Mutable<JurisdictionsFile>;
  const recipients = structuredClone(readJsonFile(paths.recipients)) as Mutable<RecipientsFile>;
  edit(recipients, jurisdictions);
  return createRegistries({ jurisdictions, recipients });
}

function noticeJson(name: string): Json {
  return structuredClone(readJsonFile(repoPath('registries', 'notices', `${name}.json`))) as Json;
}

/** A notice like the KR demo, for another home, destination and recipient. */
function transferNotice(regs: Registries, opts: { id: string; home: string; destination: string; recipient: string; purpose?: string }): ValidNotice {
  const n = noticeJson('jp-media-storage-kr');
  const regime = regs.regimeOf(opts.destination);
  const recipient = regs.recipient(opts.recipient);
  if (regime === undefined || recipient?.measures == null) throw new Error('test setup: unknown destination or recipient');
  n.noticeId = opts.id;
  n.homeJurisdiction = opts.home;
  if (opts.purpose !== undefined) (n.purpose as Json).code = opts.purpose;
  n.storage = {
    locations: [{ country: opts.destination, description: `Files stored by ${recipient.name}.` }],
    jurisdictions: [opts.destination],
  };
  n.transfers = {
    description: `Files are stored by ${recipient.name} in ${regs.jurisdiction(opts.destination)?.name ?? opts.destination}.`,
    destinations: [
      {
        country: opts.destination,
        countryName: regs.jurisdiction(opts.destination)?.name,
        regimeInfo: { regime: regime.id, version: regime.info.version, summary: regime.info.summary, source: 'registry', asOf: regime.info.asOf },
        recipients: [{ id: recipient.id, name: recipient.name, role: recipient.role, measures: { version: recipient.measures.version, summary: recipient.measures.summary } }],
      },
    ],
  };
  return validNotice(n, regs);
}

let receiptCounter = 0;
function consentTo(notice: ValidNotice, at: Date, separateConsent = true, subject = SUBJECT): ConsentEvent {
  receiptCounter += 1;
  const receipt = buildConsentReceipt({ notice, subject: { id: subject }, at, id: `cr-${receiptCounter}`, separateConsent });
  return consentGiven(receipt, at);
}

function withdraw(notice: ValidNotice, at: Date, subject = SUBJECT): ConsentEvent {
  return consentWithdrawn({ subjectId: subject, noticeId: notice.noticeId, at });
}

function basis(input: Partial<FindBasisInput> & Pick<FindBasisInput, 'destination' | 'recipient'>): BasisResult {
  return findBasis({ home: 'JP', consents: [], at: NOW, registries, subjectId: SUBJECT, ...input });
}

function missingText(result: BasisResult): string {
  if (!isBasisMissing(result)) throw new Error(`expected no basis, got ${JSON.stringify(result)}`);
  return result.missing.join('\n');
}

const krNotice = validNotice(noticeJson('jp-media-storage-kr'), registries);
const unknownNotice = validNotice(noticeJson('jp-abuse-review-country-unknown'), registries);
const cnNotice = transferNotice(registries, { id: 'jp-dev-support-cn', home: 'JP', destination: 'CN', recipient: 'shanghai-dev' });

// A recipient in Germany without any contract, handling data everywhere the registry describes.
const withArchive = registriesWith((recipients, jurisdictions) => {
  const seoul = recipients.recipients.find((r) => r.id === 'seoul-cloud');
  if (seoul === undefined) throw new Error('seoul-cloud missing');
  recipients.recipients.push({
    ...structuredClone(seoul),
    id: 'example-archive',
    name: 'Example Archive GmbH',
    country: 'DE',
    handlingCountries: Object.keys(jurisdictions.jurisdictions),
    conformingSystem: null,
  });
});

describe('findBasis: no transfer', () => {
  it('needs no basis within the home jurisdiction', () => {
    expect(basis({ destination: 'JP', recipient: 'nihon-talk' })).toEqual({ basis: 'not-a-transfer', ref: 'JP → JP' });
  });
});

describe('findBasis: approved destination', () => {
  it('allows Japan → Germany on the approved list', () => {
    const result = basis({ destination: 'DE', recipient: 'example-archive', registries: withArchive });
    expect(result).toMatchObject({ basis: 'approved-destination' });
    expect('ref' in result ? result.ref : '').toContain('DE on the approved list of JP-APPI');
  });

  it('approves exactly the listed destinations when nothing else exists (property)', () => {
    const codes = Object.keys(withArchive.jurisdictionsFile.jurisdictions).filter((c) => c !== 'JP');
    const approved = new Set(withArchive.regimeOf('JP')?.transfer.approvedDestinations);
    fc.assert(
      fc.property(fc.constantFrom(...codes), (destination) => {
        const result = basis({ destination, recipient: 'example-archive', registries: withArchive });
        if (approved.has(destination)) expect(result).toMatchObject({ basis: 'approved-destination' });
        else expect(isBasisMissing(result)).toBe(true);
      }),
    );
  });

  it('does not apply conditional approvals automatically', () => {
    const text = missingText(findBasis({ home: 'DE', destination: 'US', recipient: 'example-archive', consents: [], at: NOW, registries: withArchive }));
    expect(text).toContain('only conditionally');
  });
});

describe('findBasis: conforming system', () => {
  it('allows Japan → Korea to Seoul Cloud Co. while its check is current', () => {
    const result = basis({ destination: 'KR', recipient: 'seoul-cloud' });
    expect(result).toMatchObject({ basis: 'conforming-system' });
    expect('ref' in result ? result.ref : '').toContain('CTR-SCC-2026-001');
  });

  it('suspends the basis once the periodic check is overdue', () => {
    const text = missingText(basis({ destination: 'KR', recipient: 'seoul-cloud', at: new Date('2027-09-16T00:00:00Z') }));
    expect(text).toContain('overdue');
    expect(missingText(basis({ destination: 'CN', recipient: 'shanghai-dev' }))).toContain('Shanghai Dev Ltd. (shanghai-dev) was due on 2026-02-28 and is overdue');
  });

  it('names everything that is missing when no basis exists', () => {
    const result = basis({ destination: 'CN', recipient: 'shanghai-dev', at: AFTER_NOTICES });
    if (!isBasisMissing(result)) throw new Error('expected no basis');
    expect(result.missing).toHaveLength(3);
    expect(result.missing[0]).toContain('CN is not on JP\'s list of approved destinations');
    expect(result.missing[1]).toContain('overdue');
    expect(result.missing[2]).toContain('no standing consent to a notice that named CN and Shanghai Dev Ltd.');
  });
});

describe('findBasis: consent', () => {
  it('allows the transfer after consent to a notice naming the country and the recipient', () => {
    const consents = [consentTo(cnNotice, AFTER_NOTICES)];
    const result = basis({ destination: 'CN', recipient: 'shanghai-dev', consents, at: AFTER_NOTICES });
    expect(result).toMatchObject({ basis: 'consent' });
  });

  it('stops the very next transfer once consent is withdrawn, and resumes after new consent', () => {
    const t0 = new Date('2026-12-02T09:00:00Z');
    const t1 = new Date('2026-12-02T09:05:00Z');
    const t2 = new Date('2026-12-02T09:10:00Z');
    const history = [consentTo(cnNotice, t0)];
    expect(basis({ destination: 'CN', recipient: 'shanghai-dev', consents: history, at: t1 })).toMatchObject({ basis: 'consent' });
    history.push(withdraw(cnNotice, t1));
    const refused = missingText(basis({ destination: 'CN', recipient: 'shanghai-dev', consents: history, at: t1 }));
    expect(refused).toContain('was withdrawn at 2026-12-02T09:05:00.000Z');
    history.push(consentTo(cnNotice, t2));
    expect(basis({ destination: 'CN', recipient: 'shanghai-dev', consents: history, at: t2 })).toMatchObject({ basis: 'consent' });
  });

  it('counts only for the countries and the recipient the notice named', () => {
    const consents = [consentTo(krNotice, AFTER_NOTICES)];
    expect(isBasisMissing(basis({ destination: 'CN', recipient: 'shanghai-dev', consents, at: AFTER_NOTICES }))).toBe(true);
    const other = registriesWith((recipients) => {
      const seoul = recipients.recipients.find((r) => r.id === 'seoul-cloud');
      if (seoul === undefined) throw new Error('seoul-cloud missing');
      recipients.recipients.push({ ...structuredClone(seoul), id: 'seoul-backup', name: 'Example Backup Co.', conformingSystem: null });
    });
    expect(isBasisMissing(findBasis({ home: 'JP', destination: 'KR', recipient: 'seoul-backup', consents, at: AFTER_NOTICES, registries: other }))).toBe(true);
  });

  it('does not count a consent given while the country was unknown', () => {
    const consents = [consentTo(unknownNotice, AFTER_NOTICES)];
    const text = missingText(findBasis({ home: 'JP', destination: 'US', recipient: 'example-archive', consents, at: AFTER_NOTICES, registries: withArchive }));
    expect(text).toContain('only a candidate');
  });

  it('respects the purpose when one is given', () => {
    const consents = [consentTo(cnNotice, AFTER_NOTICES)];
    expect(basis({ destination: 'CN', recipient: 'shanghai-dev', consents, at: AFTER_NOTICES, purpose: 'MEDIA_STORAGE' })).toMatchObject({ basis: 'consent' });
    expect(isBasisMissing(basis({ destination: 'CN', recipient: 'shanghai-dev', consents, at: AFTER_NOTICES, purpose: 'ABUSE_REVIEW' }))).toBe(true);
  });

  it("ignores another subject's consent", () => {
    const consents = [consentTo(cnNotice, AFTER_NOTICES, true, 'user-jp-0002')];
    expect(isBasisMissing(basis({ destination: 'CN', recipient: 'shanghai-dev', consents, at: AFTER_NOTICES }))).toBe(true);
  });

  it('follows the latest consent event at the time of the transfer (property)', () => {
    const start = Date.parse('2026-12-02T00:00:00Z');
    const step = fc.record({ give: fc.boolean(), minutes: fc.integer({ min: 0, max: 600 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 10 }), fc.integer({ min: 0, max: 600 }), (steps, probe) => {
        const history = steps.map((s) => {
          const at = new Date(start + s.minutes * 60_000);
          return s.give ? consentTo(cnNotice, at) : withdraw(cnNotice, at);
        });
        const last = steps.map((s, i) => ({ ...s, i })).filter((s) => s.minutes <= probe).sort((a, b) => a.minutes - b.minutes || a.i - b.i).at(-1);
        const result = basis({ destination: 'CN', recipient: 'shanghai-dev', consents: history, at: new Date(start + probe * 60_000) });
        expect(!isBasisMissing(result)).toBe(last?.give === true);
      }),
    );
  });
});

describe('findBasis: other home regimes', () => {
  it('requires separate consent for a Korean subject', () => {
    const notice = transferNotice(registries, { id: 'kr-support-jp', home: 'KR', destination: 'JP', recipient: 'nihon-talk' });
    const bundled = [consentTo(notice, AFTER_NOTICES, false)];
    const base = { home: 'KR', destination: 'JP', recipient: 'nihon-talk', at: AFTER_NOTICES, registries, subjectId: SUBJECT };
    expect(missingText(findBasis({ ...base, consents: bundled }))).toContain('not given separately');
    expect(findBasis({ ...base, consents: [consentTo(notice, AFTER_NOTICES, true)] })).toMatchObject({ basis: 'consent' });
  });

  it('requires both a conforming system and consent for a Chinese subject', () => {
    const regs = registriesWith((recipients) => {
      const talk = recipients.recipients.find((r) => r.id === 'nihon-talk');
      const seoul = recipients.recipients.find((r) => r.id === 'seoul-cloud');
      if (talk === undefined || seoul?.conformingSystem == null) throw new Error('demo recipients missing');
      talk.conformingSystem = { ...structuredClone(seoul.conformingSystem), contractRef: 'CN-SCC-2026-3', coversHomes: ['CN'] };
    });
    const notice = transferNotice(regs, { id: 'cn-support-jp', home: 'CN', destination: 'JP', recipient: 'nihon-talk' });
    const base = { home: 'CN', destination: 'JP', recipient: 'nihon-talk', at: AFTER_NOTICES, registries: regs, subjectId: SUBJECT };
    expect(missingText(findBasis({ ...base, consents: [] }))).toContain('requires separate consent in addition');
    const result = findBasis({ ...base, consents: [consentTo(notice, AFTER_NOTICES, true)] });
    expect(result).toMatchObject({ basis: 'conforming-system', consentRef: expect.stringMatching(/^cr-/) });
    expect(missingText(findBasis({ ...base, registries, consents: [consentTo(notice, AFTER_NOTICES, true)] }))).toContain('consent alone is not a basis under CN-PIPL');
  });
});

describe('findBasis: fails closed', () => {
  it('refuses unknown countries and recipients', () => {
    expect(missingText(basis({ destination: 'ZZ', recipient: 'seoul-cloud' }))).toContain('ZZ is not in the jurisdictions registry');
    expect(missingText(findBasis({ home: 'ZZ', destination: 'KR', recipient: 'seoul-cloud', consents: [], at: NOW, registries }))).toContain('home jurisdiction ZZ');
    expect(missingText(basis({ destination: 'KR', recipient: 'nobody' }))).toContain('recipient nobody is not in the recipients registry');
    expect(missingText(basis({ destination: 'CH', recipient: 'seoul-cloud' }))).toContain('does not handle data in CH');
  });

  it('refuses a recipient that does not handle data in the destination', () => {
    expect(missingText(basis({ destination: 'CN', recipient: 'seoul-cloud' }))).toContain('Seoul Cloud Co. does not handle data in CN');
  });
});

describe('demo recipients', () => {
  it('keep the demo story: Seoul Cloud Co. contracted, Shanghai Dev Ltd. overdue', () => {
    const seoul = registries.recipient('seoul-cloud') as Recipient;
    const shanghai = registries.recipient('shanghai-dev') as Recipient;
    expect(registries.conformingSystemValid(seoul, NOW, 'JP')).toBe(true);
    expect(registries.conformingSystemValid(shanghai, NOW, 'JP')).toBe(false);
  });
});
