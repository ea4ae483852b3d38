import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conformingSystemStatus,
  createRegistries,
  defaultRegistryFiles,
  loadRegistries,
  type JurisdictionsFile,
  type Recipient,
  type RecipientsFile,
} from './registry.js';
import { readJsonFile } from './repo-files.js';
import { RegistryError } from './transfers.errors.js';

const EU = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'];
const EEA = [...EU, 'IS', 'LI', 'NO'];

const registries = loadRegistries();

function files(): { jurisdictions: JurisdictionsFile; recipients: RecipientsFile } {
  const paths = defaultRegistryFiles();
  return {
    jurisdictions: readJsonFile(paths.jurisdictions) as JurisdictionsFile,
    recipients: readJsonFile(paths.recipients) as RecipientsFile,
  };
}

function mustRecipient(id: string): Recipient {
  const found = registries.recipient(id);
  if (found === undefined) throw new Error(`demo recipient ${id} missing`);
  return found;
}

function expectRegistryError(run: () => unknown, code: RegistryError['code'], fragment: string): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    const error = err as RegistryError;
    expect(error.code).toBe(code);
    expect(error.problems.join('\n')).toContain(fragment);
    return;
  }
  throw new Error('expected a RegistryError');
}

describe('jurisdictions registry', () => {
  it('is versioned and dated', () => {
    expect(registries.jurisdictionsFile.version).toBeGreaterThanOrEqual(1);
    expect(registries.jurisdictionsFile.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('describes JP, KR, CN, US, GB and every EU/EEA member state', () => {
    for (const code of ['JP', 'KR', 'CN', 'US', 'GB', ...EEA]) {
      expect(registries.regimeOf(code), code).toBeDefined();
    }
    for (const code of EEA) expect(registries.regimeOf(code)?.id).toBe('EU-GDPR');
    expect(registries.jurisdiction('NO')?.groups).toEqual(['EEA']);
    expect(registries.jurisdiction('DE')?.groups).toEqual(['EU', 'EEA']);
  });

  it("approves exactly the EEA member states and the UK for Japan", () => {
    const approved = registries.regimeOf('JP')?.transfer.approvedDestinations ?? [];
    expect([...approved].sort()).toEqual([...EEA, 'GB'].sort());
    for (const code of [...EEA, 'GB']) expect(registries.isApprovedDestination('JP', code), code).toBe(true);
    for (const code of ['KR', 'CN', 'US', 'CH', 'JP', 'ZZ']) expect(registries.isApprovedDestination('JP', code), code).toBe(false);
  });

  it('does not approve anything for Korea or China, and never approves an unknown home', () => {
    expect(registries.isApprovedDestination('KR', 'DE')).toBe(false);
    expect(registries.isApprovedDestination('CN', 'JP')).toBe(false);
    expect(registries.isApprovedDestination('ZZ', 'DE')).toBe(false);
  });

  it('marks every regime description as a dated, sourced summary', () => {
    for (const [id, regime] of Object.entries(registries.jurisdictionsFile.regimes)) {
      expect(regime.info.isSummary, id).toBe(true);
      expect(regime.info.summary.startsWith('Summary:'), id).toBe(true);
      expect(regime.info.sources.length, id).toBeGreaterThan(0);
      expect(regime.info.asOf, id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('carries the breach deadlines of REGULATORY.md', () => {
    const rules = (code: string) => registries.regimeOf(code)?.breachReporting ?? [];
    const jp = rules('JP').filter((r) => r.to === 'regulator');
    expect(jp.find((r) => r.stage === 'preliminary')?.deadline).toEqual({ kind: 'promptly', guidanceDays: { min: 3, max: 5 } });
    expect(jp.filter((r) => r.stage === 'final').map((r) => r.deadline)).toEqual([
      { kind: 'days', days: 30 },
      { kind: 'days', days: 60 },
    ]);
    expect(rules('KR').find((r) => r.to === 'regulator')?.deadline).toEqual({ kind: 'hours', hours: 72 });
    expect(rules('CN').every((r) => r.deadline.kind === 'immediately')).toBe(true);
    expect(rules('FR').find((r) => r.to === 'regulator')?.deadline).toEqual({ kind: 'hours', hours: 72 });
    expect(rules('GB').find((r) => r.to === 'regulator')?.deadline).toEqual({ kind: 'hours', hours: 72 });
  });

  it('says remote viewing from abroad is a transfer for JP, KR, CN and the EU', () => {
    for (const code of ['JP', 'KR', 'CN', 'DE', 'GB']) {
      expect(registries.regimeOf(code)?.transfer.remoteViewingIsTransfer, code).toBe(true);
    }
  });

  it('knows listed-only countries by name but has no regime for them', () => {
    expect(registries.jurisdiction('CH')?.name).toBe('Switzerland');
    expect(registries.regimeOf('CH')).toBeUndefined();
    expect(registries.regimeOf('ZZ')).toBeUndefined();
  });
});

describe('recipients registry', () => {
  it('holds the three demo recipients', () => {
    expect(mustRecipient('nihon-talk')).toMatchObject({ name: 'Nihon Talk Corp', country: 'JP' });
    expect(mustRecipient('seoul-cloud')).toMatchObject({ name: 'Seoul Cloud Co.', country: 'KR', kind: 'cloud-provider' });
    expect(mustRecipient('shanghai-dev')).toMatchObject({ name: 'Shanghai Dev Ltd.', country: 'CN', kind: 'contractor' });
    expect(registries.recipient('nobody')).toBeUndefined();
  });

  const seoul = mustRecipient('seoul-cloud');
  const shanghai = mustRecipient('shanghai-dev');

  it("accepts Seoul Cloud Co.'s contract until the end of its check's due day", () => {
    expect(registries.conformingSystemValid(seoul, new Date('2026-11-27T12:00:00Z'), 'JP')).toBe(true);
    expect(registries.conformingSystemValid(seoul, new Date('2027-09-15T23:59:59.999Z'), 'JP')).toBe(true);
    expect(conformingSystemStatus(seoul, new Date('2027-09-16T00:00:00Z'), 'JP')).toMatchObject({ valid: false, reason: 'check-overdue' });
  });

  it('suspends the basis once the periodic check is overdue (Shanghai Dev Ltd.)', () => {
    const status = conformingSystemStatus(shanghai, new Date('2026-11-27T00:00:00Z'), 'JP');
    expect(status).toMatchObject({ valid: false, reason: 'check-overdue' });
    expect(status.valid ? '' : status.message).toContain('2026-02-28');
    expect(registries.conformingSystemValid(shanghai, new Date('2026-02-28T10:00:00Z'))).toBe(true);
  });

  it('has no conforming-system basis without a contract, before it was signed, when suspended, or for another home', () => {
    expect(conformingSystemStatus(mustRecipient('nihon-talk'), new Date('2026-11-27T00:00:00Z'))).toMatchObject({ valid: false, reason: 'no-contract' });
    const noContract: Recipient = { ...seoul, conformingSystem: { contractOnFile: false } };
    expect(conformingSystemStatus(noContract, new Date('2026-11-27T00:00:00Z'))).toMatchObject({ valid: false, reason: 'no-contract' });
    expect(conformingSystemStatus(seoul, new Date('2026-03-01T23:00:00Z'))).toMatchObject({ valid: false, reason: 'contract-not-yet-signed' });
    const suspended: Recipient = { ...seoul, suspended: { since: '2026-10-01', reason: 'audit found unencrypted copies' } };
    expect(conformingSystemStatus(suspended, new Date('2026-11-27T00:00:00Z'))).toMatchObject({ valid: false, reason: 'suspended' });
    expect(conformingSystemStatus(seoul, new Date('2026-11-27T00:00:00Z'), 'KR')).toMatchObject({ valid: false, reason: 'home-not-covered' });
    expect(registries.conformingSystemValid(seoul, new Date('invalid'))).toBe(false);
  });

  it('is valid exactly from the contract date to the end of the due day (property)', () => {
    const signed = Date.parse('2026-03-02T00:00:00Z');
    const dueEnd = Date.parse('2027-09-16T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: signed - 400 * 86_400_000, max: dueEnd + 400 * 86_400_000 }), (ms) => {
        const valid = registries.conformingSystemValid(seoul, new Date(ms), 'JP');
        expect(valid).toBe(ms >= signed && ms < dueEnd);
      }),
    );
  });
});

describe('registry checking', () => {
  it('refuses a registry that breaks its schema', () => {
    const { jurisdictions, recipients } = files();
    const { version: _drop, ...noVersion } = jurisdictions;
    expectRegistryError(() => createRegistries({ jurisdictions: noVersion, recipients }), 'REGISTRY_INVALID', 'missing required field "version"');
  });

  it('refuses an approved destination the registry does not know', () => {
    const { jurisdictions, recipients } = files();
    const jp = jurisdictions.regimes['JP-APPI'];
    if (jp === undefined) throw new Error('JP-APPI missing');
    const broken = {
      ...jurisdictions,
      regimes: { ...jurisdictions.regimes, 'JP-APPI': { ...jp, transfer: { ...jp.transfer, approvedDestinations: [...jp.transfer.approvedDestinations, 'ZZ'] } } },
    };
    expectRegistryError(() => createRegistries({ jurisdictions: broken, recipients }), 'REGISTRY_INVALID', 'approves ZZ');
  });

  it('refuses duplicate recipients and recipients in unknown countries', () => {
    const { jurisdictions, recipients } = files();
    const first = recipients.recipients[0];
    if (first === undefined) throw new Error('no recipients');
    expectRegistryError(
      () => createRegistries({ jurisdictions, recipients: { ...recipients, recipients: [...recipients.recipients, first] } }),
      'REGISTRY_INVALID',
      'more than once',
    );
    expectRegistryError(
      () => createRegistries({ jurisdictions, recipients: { ...recipients, recipients: [{ ...first, id: 'elsewhere', country: 'ZZ' }] } }),
      'REGISTRY_INVALID',
      'names ZZ',
    );
  });

  it('requires contract details when a contract is said to be on file', () => {
    const { jurisdictions, recipients } = files();
    const first = recipients.recipients[0];
    if (first === undefined) throw new Error('no recipients');
    const bare = { ...first, conformingSystem: { contractOnFile: true } };
    expectRegistryError(() => createRegistries({ jurisdictions, recipients: { ...recipients, recipients: [bare] } }), 'REGISTRY_INVALID', 'contractRef');
  });

  it('reports a missing or malformed registry file as unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'domicile-registry-'));
    const paths = defaultRegistryFiles();
    expectRegistryError(() => loadRegistries({ ...paths, recipients: join(dir, 'absent.json') }), 'REGISTRY_UNREADABLE', 'cannot read');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "version": 1,');
    expectRegistryError(() => loadRegistries({ ...paths, jurisdictions: bad }), 'REGISTRY_UNREADABLE', 'not valid JSON');
  });
});
