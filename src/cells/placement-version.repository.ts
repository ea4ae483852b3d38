// The placement's versions in the directory. Version 1 is the configuration's `placement.rules`,
// written on first start; a region migration appends the next versions (staging rules while it
// copies, then the switched rules). Every process puts the latest version in force: the CLI and
// a migration at once, a serving process within its poll interval (`syncPlacement`).
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from './cell.database.js';
import type { CellRegistry } from './cell.registry.js';
import type { PlacementRule } from './placement.js';

export interface PlacementVersion {
  readonly version: number;
  readonly rules: readonly PlacementRule[];
  readonly staging: readonly PlacementRule[];
  readonly fence: readonly PlacementRule[];
  /** Why the version was written: `configuration`, or the migration job and step. */
  readonly reason: string;
  readonly createdAt: string;
}

type Db = Kysely<DirectoryDatabase>;

function toVersion(row: { version: number; rules: string; staging: string; fence: string; reason: string; created_at: string }): PlacementVersion {
  return {
    version: Number(row.version),
    rules: JSON.parse(row.rules) as PlacementRule[],
    staging: JSON.parse(row.staging) as PlacementRule[],
    fence: JSON.parse(row.fence) as PlacementRule[],
    reason: row.reason,
    createdAt: row.created_at,
  };
}

/** Writes version 1 from the configuration when the directory has none yet. */
export async function ensurePlacementHistory(db: Db, configRules: readonly PlacementRule[]): Promise<void> {
  await db
    .insertInto('placement_version')
    .values({ version: 1, rules: JSON.stringify(configRules), staging: '[]', fence: '[]', reason: 'configuration', created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
}

export async function latestPlacementVersion(db: Db): Promise<PlacementVersion | null> {
  const row = await db.selectFrom('placement_version').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? toVersion(row) : null;
}

export async function listPlacementVersions(db: Db): Promise<PlacementVersion[]> {
  return (await db.selectFrom('placement_version').selectAll().orderBy('version').execute()).map(toVersion);
}

/**
 * Appends the version after `after`; false when another writer appended first (the caller reads
 * the latest again). Pass a transaction to flip placement together with other directory rows.
 */
export async function appendPlacementVersion(db: Db, props: { after: number; rules: readonly PlacementRule[]; staging: readonly PlacementRule[]; fence?: readonly PlacementRule[]; reason: string }): Promise<boolean> {
  const result = await db
    .insertInto('placement_version')
    .values({ version: props.after + 1, rules: JSON.stringify(props.rules), staging: JSON.stringify(props.staging), fence: JSON.stringify(props.fence ?? []), reason: props.reason, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('version').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Puts the directory's latest placement in force in `cells`; true when it changed. */
export async function syncPlacement(db: Db, cells: CellRegistry): Promise<boolean> {
  const latest = await latestPlacementVersion(db);
  if (!latest || latest.version === cells.placement.version) return false;
  cells.replacePlacement(latest.rules, { version: latest.version, staging: latest.staging, fence: latest.fence });
  return true;
}
