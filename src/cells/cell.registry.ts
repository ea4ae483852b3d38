// The cells of this deployment: for each, its database (with the residency guard), its blob
// store and its identity. Opening a cell runs its migrations and checks that the database
// really belongs to that cell, so a misconfigured URL cannot mix two cells' data.
import type { Kysely } from 'kysely';
import type { CellConfig, Config } from '../config/config.js';
import type { CellDatabase } from '../db/cell.tables.js';
import { openDatabase, dialectOf, type Dialect } from '../db/connect.js';
import { cellMigrations } from '../db/migrations/cell.migrations.js';
import { migrateToLatest } from '../db/migrate.js';
import { ResidencyGuardPlugin } from '../db/residency.plugin.js';
import { createGroupCommitter, type GroupCommitter } from '../db/group-commit.js';
import { DomainError } from '../errors/catalogue.js';
import { createBlobStore, type BlobStore } from './blob.store.js';
import type { Placement } from './placement.js';

export interface Cell {
  readonly id: string;
  readonly jurisdiction: string;
  readonly dialect: Dialect;
  readonly db: Kysely<CellDatabase>;
  readonly blobs: BlobStore;
  /** The cell's one group-commit queue: every module's small writes share its transactions. */
  readonly commits: GroupCommitter<CellDatabase>;
}

export interface CellRegistry {
  readonly placement: Placement;
  all(): readonly Cell[];
  get(id: string): Cell;
  has(id: string): boolean;
  /** The home cell of a jurisdiction; refuses a home no cell serves. */
  home(jurisdiction: string): Cell;
  jurisdictions(): string[];
  close(): Promise<void>;
}

export async function openCell(config: CellConfig, placement: Placement): Promise<Cell> {
  const db = openDatabase<CellDatabase>({
    url: config.database,
    plugins: [new ResidencyGuardPlugin(config.id, placement)],
  });
  await migrateToLatest(db, cellMigrations(config.id));
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
  return {
    id: config.id,
    jurisdiction: config.jurisdiction,
    dialect: dialectOf(config.database),
    db,
    blobs: createBlobStore(config.blobDir),
    commits: createGroupCommitter(db),
  };
}

export async function openCells(config: Pick<Config, 'cells' | 'placement'>): Promise<CellRegistry> {
  const cells: Cell[] = [];
  try {
    for (const cellConfig of config.cells) cells.push(await openCell(cellConfig, config.placement));
  } catch (err) {
    await Promise.all(cells.map((c) => c.db.destroy()));
    throw err;
  }
  const byId = new Map(cells.map((c) => [c.id, c]));
  return {
    placement: config.placement,
    all: () => cells,
    has: (id) => byId.has(id),
    get(id) {
      const cell = byId.get(id);
      if (!cell) throw new DomainError('NOT_FOUND', `no cell "${id}" in this deployment`);
      return cell;
    },
    home(jurisdiction) {
      const id = config.placement.homeCell(jurisdiction);
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
