// Access-log test data: entries built for what a test needs, and a cell log opened on a fresh
// database of either dialect with its own key.
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { openAccessLog, type AccessLog, type OpenAccessLogProps } from '../../src/governance/log/access-log.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { loadOrCreateLogKey, logOrigin, type LogKey } from '../../src/governance/log/log-keys.js';
import { tempDir } from '../support/databases.js';

export function accessEntry(i: number, overrides: Partial<AccessEntry> = {}): AccessEntry {
  return {
    eventId: `evt-${i}`,
    time: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    actor: `op-${i % 7}`,
    actorEmployer: 'Nihon Talk Corp',
    actorEmployerCountry: 'JP',
    actorOfficeCountry: 'JP',
    actorPhysicalCountry: i % 5 === 0 ? null : 'JP',
    subjectJurisdiction: 'JP',
    subjects: i % 3 === 0 ? ['hanako', `u${i}`] : [`u${i % 40}`],
    categories: ['user.contact.phone_number'],
    fields: ['phone'],
    action: 'read',
    purpose: 'SUPPORT_CASE',
    caseRef: `T-${1000 + (i % 13)}`,
    grantId: null,
    decision: i % 11 === 0 ? 'deny' : 'allow',
    policyIds: ['support-case'],
    released: i % 11 === 0 ? 0 : 1,
    ...overrides,
  };
}

/** The people of bulkEntry(i): 1,000 ids no other entry names. */
export const bulkPeople = (i: number): string[] => Array.from({ length: 1000 }, (_, k) => `b${i}p${k}`);

/** A bulk access (a broker entry's most subjects) to 1,000 people named only here. */
export function bulkEntry(i: number): AccessEntry {
  return accessEntry(i, { subjects: bulkPeople(i), released: 1000, decision: 'allow' });
}

export interface OpenedTestLog {
  log: AccessLog;
  key: LogKey;
  reopen(props?: Partial<OpenAccessLogProps>): Promise<AccessLog>;
}

/** The access log of cell `cellId` in `cells`, keyed in a fresh folder. */
export async function openTestLog(cells: CellRegistry, cellId = 'jp', props: Partial<OpenAccessLogProps> = {}): Promise<OpenedTestLog> {
  const dataDir = tempDir('domicile-log');
  const key = loadOrCreateLogKey({ dataDir, cellId, origin: logOrigin('domicile.test', cellId) });
  const open = (more: Partial<OpenAccessLogProps> = {}) => openAccessLog({ cellId, db: cells.get(cellId).db, key, ...props, ...more });
  return { log: await open(), key, reopen: open };
}
