// The record directory's cache in a process and a move made elsewhere: a lookup whose read was in
// flight when the cache was dropped (a migration's switch moved the record, the placement poll
// invalidated) answers what it read but does not keep it, so the next lookup finds the new cell
// — a kept stale answer sent every later payment of a moved wallet to its old cell. Both dialects.
import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryMigrations } from '../../src/app/schema.js';
import { openDirectory, type Directory } from '../../src/cells/directory.js';
import { createRecordLocations } from '../../src/cells/record-location.repository.js';
import { dialects, freshDatabaseUrl } from '../support/databases.js';

/** Holds the results of reads until `open()`: a read that has run but not yet answered. */
function heldReads() {
  let gate: Promise<void> | null = null;
  let open = () => {};
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (gate) await gate;
      return args.result;
    },
  };
  return {
    plugin,
    hold() {
      gate = new Promise((resolve) => (open = () => resolve()));
    },
    open() {
      gate = null;
      open();
    },
  };
}

describe.each(dialects)('a record location cached in a process while another moves it, on %s', (dialect) => {
  let directory: Directory;
  beforeAll(async () => {
    directory = await openDirectory(await freshDatabaseUrl(dialect, 'locations'), directoryMigrations);
  });
  afterAll(async () => {
    await directory.close();
  });

  it('is read again after an invalidation that came while it was being read', async () => {
    const held = heldReads();
    const locations = createRecordLocations(directory.db.withPlugin(held.plugin));
    await directory.db.insertInto('record_location').values({ kind: 'wallet', id: 'w-1', cell_id: 'kr' }).execute();

    held.hold();
    const inFlight = locations.find('wallet', 'w-1');
    await new Promise((r) => setTimeout(r, 50));
    // Another process moves the wallet; this one learns it at its placement poll.
    await directory.db.updateTable('record_location').set({ cell_id: 'jp' }).where('kind', '=', 'wallet').where('id', '=', 'w-1').execute();
    locations.invalidate();
    held.open();
    expect(await inFlight).toBe('kr');

    expect(await locations.find('wallet', 'w-1')).toBe('jp');
  });

  it('keeps an answer read with nothing in between', async () => {
    const locations = createRecordLocations(directory.db);
    await directory.db.insertInto('record_location').values({ kind: 'wallet', id: 'w-2', cell_id: 'kr' }).execute();
    expect(await locations.find('wallet', 'w-2')).toBe('kr');
    // Changed behind the cache's back and not invalidated: the cached answer stands (the cache works).
    await directory.db.updateTable('record_location').set({ cell_id: 'jp' }).where('kind', '=', 'wallet').where('id', '=', 'w-2').execute();
    expect(await locations.find('wallet', 'w-2')).toBe('kr');
  });
});
