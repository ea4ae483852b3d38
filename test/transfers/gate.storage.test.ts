// The transfer gate over real cells on both dialects: each legal basis finds its way into a
// transfer record in the subject's own cell; a refusal names what is missing and records nothing;
// a withdrawal stops the very next transfer; records are counted per day and purged after three
// years; and the residency scan finds consents and records where the rules say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { openCells } from '../../src/cells/cell.registry.js';
import { createPlacement } from '../../src/cells/placement.js';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { DomainError } from '../../src/errors/catalogue.js';
import { giveConsent, listConsents, withdrawConsent } from '../../src/governance/transfers/consent.service.js';
import { createRegistries, defaultRegistryFiles, type RecipientsFile, type Registries } from '../../src/governance/transfers/registry.js';
import { readJsonFile } from '../../src/governance/transfers/repo-files.js';
import { purgeExpiredTransferRecords, transferRecordsOf } from '../../src/governance/transfers/transfer.repository.js';
import { transferPurposes, type TransferSubject } from '../../src/governance/transfers/transfer.terms.js';
import { createTransfersContext, type TransfersContext } from '../../src/governance/transfers/transfers.context.js';
import { dialects } from '../support/databases.js';
import { buildCellConfigs, randomId, storyRules } from '../support/factories.js';
import { cellSchema } from '../../src/app/schema.js';

/** The repository's registries plus a host for a cell in Germany (on Japan's approved list). */
function registriesWithGermany(): Registries {
  const files = defaultRegistryFiles();
  const recipients = structuredClone(readJsonFile(files.recipients)) as RecipientsFile & { recipients: unknown[]; cellHosts: Record<string, string> };
  recipients.recipients.push({
    id: 'berlin-host',
    name: 'Berlin Host GmbH',
    country: 'DE',
    kind: 'cloud-provider',
    tier: 'contractor',
    role: 'database hosting',
    handlingCountries: ['DE'],
    contact: { email: 'dpo@berlinhost.example' },
    measures: { version: 1, updated: '2026-01-01', summary: 'Hosting in Germany only.' },
    conformingSystem: null,
    suspended: null,
  });
  recipients.cellHosts.DE = 'berlin-host';
  return createRegistries({ jurisdictions: readJsonFile(files.jurisdictions), recipients });
}

const NOW = new Date('2026-12-02T09:00:00.000Z');

async function refusal(run: Promise<unknown>): Promise<DomainError> {
  try {
    await run;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe.each(dialects)('transfer gate on %s', (dialect) => {
  let cells: CellRegistry;
  let ctx: TransfersContext;
  let clock = NOW;
  const jp = (): TransferSubject => ({ id: randomId('jp'), home: 'JP', class: 'consumer' });
  const kr = (): TransferSubject => ({ id: randomId('kr'), home: 'KR', class: 'consumer' });

  beforeAll(async () => {
    const configs = await buildCellConfigs(dialect, [['jp', 'JP'], ['kr', 'KR'], ['de', 'DE']]);
    cells = await openCells({ cells: configs, placement: createPlacement(configs, storyRules) }, cellSchema);
    ctx = createTransfersContext({ cells, registries: registriesWithGermany(), now: () => clock });
  });
  afterAll(async () => {
    await ctx.gate.drain();
    await cells.close();
  });

  const recordsIn = async (cellId: string, subjectId: string) => transferRecordsOf(cells.get(cellId).db, subjectId);

  it('approved destination: JP data into a cell in Germany, recorded in the JP cell', async () => {
    const subject = jp();
    const decision = await ctx.gate.authorizeCellWrite({ subject, cellId: 'de', category: 'user.content.message', purpose: transferPurposes.messaging });
    expect(decision).toMatchObject({ transfer: true, destination: 'DE', recipient: { id: 'berlin-host' }, basis: 'approved-destination', recordCell: 'jp' });
    const [record] = await recordsIn('jp', subject.id);
    expect(record).toMatchObject({ destination: 'DE', recipient_id: 'berlin-host', basis: 'approved-destination', data_category: 'user.content.message', item_count: 1, keep_until: '2029-12-02' });
    expect(await recordsIn('de', subject.id)).toEqual([]);
  });

  it('conforming system: JP images into the KR cell (Seoul Cloud), one record per day counting items', async () => {
    const subject = jp();
    for (let i = 0; i < 3; i++) {
      const decision = await ctx.gate.authorizeCellWrite({ subject, cellId: 'kr', category: 'user.content.media', purpose: transferPurposes.mediaStorage });
      expect(decision).toMatchObject({ basis: 'conforming-system', recipient: { id: 'seoul-cloud', name: 'Seoul Cloud Co.' } });
    }
    const records = await recordsIn('jp', subject.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ item_count: 3, basis: 'conforming-system', destination: 'KR', day: '2026-12-02' });
    expect(records[0]?.basis_ref).toContain('CTR-SCC-2026-001');
  });

  it('consent: refused with the notice to show, allowed once consented, refused again right after withdrawal', async () => {
    const subject = kr();
    const write = () => ctx.gate.authorizeCellWrite({ subject, cellId: 'jp', category: 'user.content.message', purpose: transferPurposes.messaging });
    const first = await refusal(write());
    expect(first.code).toBe('TRANSFER_CONSENT_REQUIRED');
    expect(first.details).toMatchObject({ noticeId: 'kr-messages-jp', noticeVersion: 2, destination: 'JP', recipient: 'nihon-talk' });
    expect(await recordsIn('kr', subject.id)).toEqual([]);

    const { consent, created } = await giveConsent({ ctx, subject, noticeId: 'kr-messages-jp', noticeVersion: 2 });
    expect(created).toBe(true);
    expect(consent.status).toBe('given');
    expect(await write()).toMatchObject({ basis: 'consent', consentRef: null, basisRef: consent.receiptId, recordCell: 'kr' });
    expect((await giveConsent({ ctx, subject, noticeId: 'kr-messages-jp' })).created).toBe(false);

    // Same millisecond as the consent: the later event still wins.
    await withdrawConsent({ ctx, subject, receiptId: consent.receiptId });
    expect((await refusal(write())).code).toBe('TRANSFER_CONSENT_REQUIRED');
    const { consents, history } = await listConsents({ ctx, subject });
    expect(history.map((h) => h.kind)).toEqual(['given', 'withdrawn']);
    expect(consents[0]).toMatchObject({ status: 'withdrawn', withdrawnAt: NOW.toISOString() });
    const records = await recordsIn('kr', subject.id);
    expect(records.map((r) => [r.basis, r.item_count])).toEqual([['consent', 1]]);
    expect(await recordsIn('jp', subject.id)).toEqual([]);
  });

  it('no basis: JP data viewed from China by a contractor whose check is overdue; nothing recorded', async () => {
    const subject = jp();
    const err = await refusal(ctx.gate.authorizeTransfer({ subject, destination: 'CN', recipient: 'shanghai-dev', category: 'user.contact.phone_number', purpose: 'SUPPORT_CASE' }));
    expect(err.code).toBe('TRANSFER_NO_BASIS');
    expect((err.details?.missing as string[]).join(' ')).toMatch(/approved destination: CN is not on JP's list.*periodic check .* overdue.*consent/s);
    expect(await recordsIn('jp', subject.id)).toEqual([]);
  });

  it('government data never leaves home, whatever the basis', async () => {
    const city: TransferSubject = { id: randomId('city'), home: 'JP', class: 'government' };
    const err = await refusal(ctx.gate.authorizeTransfer({ subject: city, destination: 'DE', recipient: 'berlin-host', category: 'user.content.message', purpose: 'MESSAGING' }));
    expect(err.code).toBe('TRANSFER_NO_BASIS');
    expect(err.message).toContain('government-class data never leaves');
  });

  it('all or nothing for several subjects: one without a basis stops every record', async () => {
    const [a, b] = [jp(), kr()];
    const requests = [a, b].map((subject) => ({ subject, destination: subject.home === 'JP' ? 'KR' : 'JP', recipient: subject.home === 'JP' ? 'seoul-cloud' : 'nihon-talk', category: 'user.content.message', purpose: 'MESSAGING' }));
    expect((await refusal(ctx.gate.authorizeTransfers(requests))).details).toMatchObject({ subjectId: b.id });
    expect(await recordsIn('jp', a.id)).toEqual([]);
  });

  it('a new day starts a new record; records past their three years are purged', async () => {
    const subject = jp();
    const write = () => ctx.gate.authorizeCellWrite({ subject, cellId: 'kr', category: 'user.content.media', purpose: transferPurposes.mediaStorage });
    await write();
    clock = new Date('2026-12-03T01:00:00.000Z');
    await write();
    clock = NOW;
    expect((await recordsIn('jp', subject.id)).map((r) => r.day)).toEqual(['2026-12-03', '2026-12-02']);
    expect(await purgeExpiredTransferRecords(cells.get('jp').db, '2029-12-03')).toBeGreaterThanOrEqual(1);
    expect((await recordsIn('jp', subject.id)).map((r) => r.day)).toEqual(['2026-12-03']);
  });

  it('keeps consents and records where the placement rules say', async () => {
    const report = await scanResidency({ cells });
    expect(report.violations).toEqual([]);
    const categories = Object.fromEntries(report.cells.map((c) => [c.id, Object.keys(c.categories)]));
    expect(categories.kr).toEqual(expect.arrayContaining(['user.privacy_preferences.consent', 'user.privacy_preferences.transfer_record']));
    expect(categories.jp).toContain('user.privacy_preferences.transfer_record');
  });
});
