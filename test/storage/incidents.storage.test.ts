// Incidents in the directory on both dialects: what is opened is found and listed as written,
// newest known first; a refused incident writes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { directoryMigrations } from '../../src/app/schema.js';
import { openDirectory, type Directory } from '../../src/cells/directory.js';
import { findIncident, listIncidents, openIncident } from '../../src/governance/reports/incidents.js';
import { dialects, freshDatabaseUrl } from '../support/databases.js';

const open: Directory[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

const now = new Date('2026-12-01T00:00:00.000Z');
const input = { title: 'Remote access from China', knownAt: '2026-11-20T09:00:00+09:00', home: 'jp', actorOutside: 'JP', from: '2025-12-01', to: '2026-11-30' };

describe.each(dialects)('incidents on %s', (dialect) => {
  it('stores an incident once and reads it back as opened', async () => {
    const directory = await openDirectory(await freshDatabaseUrl(dialect, 'incidents'), directoryMigrations);
    open.push(directory);
    const first = await openIncident({ directory, homes: ['JP', 'KR'], input, by: 'system:local-cli', now });
    expect(first).toMatchObject({ knownAt: '2026-11-20T00:00:00.000Z', wrongfulPurpose: false, scope: { home: 'JP', actorOutside: 'JP', actorCountry: null, employer: null, from: '2025-12-01', to: '2026-11-30' } });
    const second = await openIncident({ directory, homes: ['JP', 'KR'], input: { ...input, knownAt: '2026-11-25T00:00:00Z', home: 'KR', actorOutside: undefined, actorCountry: 'CN', employer: 'Shanghai Dev Ltd.', wrongfulPurpose: true }, by: 'op-privacy', now });
    expect(await findIncident({ directory, id: first.id })).toEqual(first);
    expect(await listIncidents({ directory })).toEqual([second, first]);

    await expect(openIncident({ directory, homes: ['JP', 'KR'], input: { ...input, to: '2025-01-01' }, by: 'x', now })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(openIncident({ directory, homes: ['JP', 'KR'], input: { ...input, knownAt: '2027-01-01T00:00:00Z' }, by: 'x', now })).rejects.toThrow(/in the future/);
    await expect(findIncident({ directory, id: 'inc-missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await listIncidents({ directory })).toHaveLength(2);
  });
});
