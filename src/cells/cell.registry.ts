// The cells of this deployment: for each, its database (with the residency guard), its blob
// store and its identity, and the placement in force. Opening a cell runs the migrations of the
// composed schema and checks that the database really belongs to that cell, so a misconfigured
// URL cannot mix two cells' data. Placement can be replaced while running (a region migration
// changes it); everything reads it through the registry, so the change holds at once.
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { CellConfig, Config } from '../config/config.js';
import type { CellDatabase } from './cell.database.js';
import { openDatabase, dialectOf, type Dialect } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import type { CellSchema } from './cell.schema.js';
import { ResidencyGuardPlugin } from './residency.plugin.js';
import { createGroupCommitter, type GroupCommitter } from '../db/group-commit.js';
import { DomainError } from '../errors/catalogue.js';
import { createBlobStore, type BlobStore } from './blob.store.js';
import { createPlacement, type Placement, type PlacementRule, type PlacementVersionInfo } from './placement.js';
import { openKeyRing, type KeyRing } from './keys/key-ring.js';
import { createFileMasterKeyStore } from './keys/master-key.js';
import { createDataKeyRepository, scrubDataKeys } from './keys/data-key.repository.js';
import { sealExistingBlobs, sealExistingColumn } from './keys/seal-existing.repository.js';

export interface Cell {
  readonly id: string;
  readonly jurisdiction: string;
  readonly dialect: Dialect;
  readonly db: Kysely<CellDatabase>;
  readonly blobs: BlobStore;
  /** The cell's one group-commit queue: every module's small writes share its transactions. */
  readonly commits: GroupCommitter<CellDatabase>;
  /** The cell's key ring: message bodies, images and payment notes are stored sealed by it. */
  readonly keys: KeyRing;
  /** The residency guard's run-time checks, for a writer that writes past Kysely (raw SQLite statements). */
  readonly guard: Pick<ResidencyGuardPlugin, 'checkRow' | 'checkUpdate'>;
}

/** Where a cell's keys live: `cells[].keyDir`, else `keys/` beside the default `blobs/<cell>`. */
export function keyDirOf(config: CellConfig): string {
  return config.keyDir ?? path.resolve(config.blobDir, '..', '..', 'keys');
}

export interface CellRegistry {
  /** The placement in force now. */
  readonly placement: Placement;
  /** The schema every cell was migrated to: its personal tables are what the guard and scan cover. */
  readonly schema: CellSchema;
  /** Puts new placement rules in force for every later write and lookup (refuses invalid rules). */
  replacePlacement(rules: readonly PlacementRule[], info?: PlacementVersionInfo): Placement;
  all(): readonly Cell[];
  get(id: string): Cell;
  has(id: string): boolean;
  /** The home cell of a jurisdiction; refuses a home no cell serves. */
  home(jurisdiction: string): Cell;
  jurisdictions(): string[];
  close(): Promise<void>;
}

export async function openCell(config: CellConfig, placement: () => Placement, schema: CellSchema): Promise<Cell> {
  const guard = new ResidencyGuardPlugin(config.id, placement, schema);
  const db = openDatabase<CellDatabase>({ url: config.database, plugins: [guard] });
  await migrateToLatest(db, schema.migrations(config.id));
  const stored = await db.selectFrom('cell_meta').select(['key', 'value']).execute();
  const meta = new Map(stored.map((r) => [r.key, r.value]));
  if (meta.size === 0) {
    await db
      .insertInto('cell_meta')
      .values([
        { key: 'cell_id', value: config.id },
        { key: 'jurisdiction', value: config.jurisdiction },
      ])
      .execute();
  } else if (meta.get('cell_id') !== config.id || meta.get('jurisdiction') !== config.jurisdiction) {
    await db.destroy();
    throw new Error(
      `the database configured for cell ${config.id} (${config.jurisdiction}) belongs to cell ` +
        `${meta.get('cell_id')} (${meta.get('jurisdiction')}); check cells[].database`,
    );
  }
  let keys: KeyRing;
  const blobs = createBlobStore(config.blobDir);
  try {
    keys = await openKeyRing({
      cellId: config.id,
      masters: createFileMasterKeyStore({ keyDir: keyDirOf(config), cellId: config.id }),
      repository: createDataKeyRepository(db),
      scrub: () => scrubDataKeys(db, dialectOf(config.database)),
    });
    // Data stored before encryption at rest is sealed before the cell serves anything.
    for (const column of schema.sealedColumns) await sealExistingColumn({ db, keys, column });
    if (schema.blobTable) await sealExistingBlobs({ db, keys, blobs, table: schema.blobTable });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    id: config.id,
    jurisdiction: config.jurisdiction,
    dialect: dialectOf(config.database),
    db,
    blobs,
    commits: createGroupCommitter(db),
    keys,
    guard,
  };
}

export async function openCells(config: Pick<Config, 'cells' | 'placement'>, schema: CellSchema): Promise<CellRegistry> {
  let placement = config.placement;
  const current = () => placement;
  const cells: Cell[] = [];
  try {
    for (const cellConfig of config.cells) cells.push(await openCell(cellConfig, current, schema));
  } catch (err) {
    await Promise.all(cells.map((c) => c.db.destroy()));
    throw err;
  }
  const byId = new Map(cells.map((c) => [c.id, c]));
  return {
    get placement() {
      return placement;
    },
    schema,
    replacePlacement(rules, info) {
      placement = createPlacement(config.cells, rules, info ?? { version: placement.version, staging: [] });
      return placement;
    },
    all: () => cells,
    has: (id) => byId.has(id),
    get(id) {
      const cell = byId.get(id);
      if (!cell) throw new DomainError('NOT_FOUND', `no cell "${id}" in this deployment`);
      return cell;
    },
    home(jurisdiction) {
      const id = placement.homeCell(jurisdiction);
      if (!id) throw new DomainError('UNKNOWN_JURISDICTION', `no cell serves jurisdiction ${jurisdiction}`);
      return byId.get(id) as Cell;
    },
    jurisdictions: () => [...new Set(cells.map((c) => c.jurisdiction))],
    async close() {
      await Promise.all(cells.map((c) => c.commits.drain()));
      await Promise.all(cells.map((c) => c.db.destroy()));
    },
  };
}
