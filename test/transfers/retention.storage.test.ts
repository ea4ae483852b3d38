// Transfer records are kept three years, then purged by the serving process itself: the governance
// poller purges at start and again each interval (by its clock), deleting records past
// `keep_until` and keeping younger ones; a one-shot process purges nothing. Both dialects.
import { afterEach, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/app/runtime.js';
import { cellSchema, directoryMigrations } from '../../src/app/schema.js';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { openCells } from '../../src/cells/cell.registry.js';
import { openDirectory } from '../../src/cells/directory.js';
import { createPlacement } from '../../src/cells/placement.js';
import { openGovernance, type Governance } from '../../src/governance/governance.js';
import { recordTransfer, transferRecordsOf } from '../../src/governance/transfers/transfer.repository.js';
import { keepUntil, privacyCategories, transferPurposes, type TransferSubject } from '../../src/governance/transfers/transfer.terms.js';
import { createTransfersContext } from '../../src/governance/transfers/transfers.context.js';
import { dialects, freshDatabaseUrl } from '../support/databases.js';
import { buildCellConfigs, randomId, storyRules } from '../support/factories.js';
import { buildTestConfig } from '../support/server.js';

const jp = (): TransferSubject => ({ id: randomId('jp'), home: 'JP', class: 'consumer' });

/** Records a JP image stored in KR at `at`, as the gate would: in the subject's own JP cell. */
async function recordAt(cells: CellRegistry, subject: TransferSubject, at: Date): Promise<void> {
  await recordTransfer(cells.get('jp').db, {
    personal: { subject_id: subject.id, subject_home: 'JP', category: privacyCategories.transferRecord, cell_id: 'jp', scope_home: 'JP', scope_class: subject.class },
    destination: 'KR',
    recipientId: 'seoul-cloud',
    recipientName: 'Seoul Cloud Co.',
    dataCategory: 'user.content.media',
    purpose: transferPurposes.mediaStorage,
    basis: 'conforming-system',
    basisRef: 'CTR-SCC-2026-001',
    consentRef: null,
    items: 1,
    at: at.toISOString(),
    keepUntil: keepUntil(at),
  });
}

async function daysOf(cells: CellRegistry, subject: TransferSubject): Promise<string[]> {
  return (await transferRecordsOf(cells.get('jp').db, subject.id)).map((r) => r.day);
}

/** Polls until `check` holds (the purge runs beside the poller), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(dialects)('transfer record retention on %s', (dialect) => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('the governance poller purges at start and again each interval: past keep_until goes, younger stays', async () => {
    const configs = await buildCellConfigs(dialect);
    const cells = await openCells({ cells: configs, placement: createPlacement(configs, storyRules) }, cellSchema);
    closers.push(() => cells.close());
    const directory = await openDirectory(await freshDatabaseUrl(dialect, 'directory'), directoryMigrations);
    closers.push(() => directory.close());

    const [old, young, fresh] = [jp(), jp(), jp()];
    await recordAt(cells, old, new Date('2026-12-02T09:00:00Z')); // kept until 2029-12-02
    await recordAt(cells, young, new Date('2027-06-01T09:00:00Z')); // kept until 2030-06-01
    await recordAt(cells, fresh, new Date('2029-12-01T09:00:00Z')); // kept until 2032-12-01

    let clock = new Date('2029-12-03T00:00:00Z');
    const governance: Governance = await openGovernance({
      cells,
      directoryDb: directory.db,
      directory,
      recorder: null,
      transfers: createTransfersContext({ cells }).gate,
      trustedProxies: [],
      demo: false,
      serving: true,
      pollMs: 10,
      now: () => clock,
    });
    closers.push(() => governance.close());

    // At start: the record past its three years goes, the younger ones stay.
    await eventually(async () => (await daysOf(cells, old)).length === 0);
    expect(await daysOf(cells, young)).toEqual(['2027-06-01']);
    expect(await daysOf(cells, fresh)).toEqual(['2029-12-01']);

    // Within the interval nothing more is purged, even once a record has expired.
    clock = new Date('2029-12-03T00:30:00Z');
    await recordAt(cells, old, new Date('2026-01-01T09:00:00Z'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await daysOf(cells, old)).toEqual(['2026-01-01']);

    // The next run, an interval later by the poller's clock, purges what has expired since.
    clock = new Date('2030-06-02T00:00:00Z');
    await eventually(async () => (await daysOf(cells, young)).length === 0 && (await daysOf(cells, old)).length === 0);
    expect(await daysOf(cells, fresh)).toEqual(['2029-12-01']);
  });

  it('a serving runtime purges on start; a one-shot runtime leaves records alone', async () => {
    const config = await buildTestConfig({ dialect });
    const [expired, kept] = [jp(), jp()];
    const oneShot = await openRuntime(config);
    try {
      await recordAt(oneShot.cells, expired, new Date('2020-01-01T09:00:00Z')); // kept until 2023-01-01
      await recordAt(oneShot.cells, kept, new Date());
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await daysOf(oneShot.cells, expired)).toEqual(['2020-01-01']);
    } finally {
      await oneShot.close();
    }

    const serving = await openRuntime(config, { serving: true });
    closers.push(() => serving.close());
    await eventually(async () => (await daysOf(serving.cells, expired)).length === 0);
    expect(await daysOf(serving.cells, kept)).toHaveLength(1);
  });
});
