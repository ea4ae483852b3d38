// The record directory: which cell holds each addressable record (a conversation, an image, a
// session, a wallet) now. Ids say nothing about place, so a record can move between cells and
// keep its id; routing asks here. Rows hold ids and cell ids only — no personal data. Lookups
// are cached in process; a move updates the cache and tells every listener at once.
import type { Kysely } from 'kysely';
import type { CellRegistry } from './cell.registry.js';
import type { DirectoryDatabase } from './cell.database.js';

export type RecordKind = 'conversation' | 'media' | 'session' | 'wallet';

export interface LocationChange {
  readonly kind: RecordKind;
  readonly id: string;
  /** The cell the record is in now; null when it is gone. */
  readonly cellId: string | null;
}

export interface RecordLocations {
  /** The cell holding the record now, or null when no record has that id. */
  find(kind: RecordKind, id: string): Promise<string | null>;
  /**
   * Records where a new record will be, before its rows are written: a crash in between
   * leaves a location of nothing (read as "not found"), never a record no one can find.
   */
  place(kind: RecordKind, id: string, cellId: string): Promise<void>;
  /** Places the record in `cellId` unless it is placed already; resolves to where it is. */
  placeIfAbsent(kind: RecordKind, id: string, cellId: string): Promise<string>;
  /** After a record was copied into `cellId` and before its old copy goes. */
  move(kind: RecordKind, id: string, cellId: string): Promise<void>;
  forget(kind: RecordKind, id: string): Promise<void>;
  /** Called after every place, move and forget in this process; returns the unsubscribe. */
  onChange(listener: (change: LocationChange) => void): () => void;
  /** Drops cached lookups (another process may have moved records). */
  invalidate(): void;
}

/** Lookups kept in memory; the table stays the source of truth. */
const cacheLimit = 200_000;

export function createRecordLocations(db: Kysely<DirectoryDatabase>): RecordLocations {
  const cache = new Map<string, string>();
  // Counts the changes and invalidations: a lookup that read the table before one of them may
  // have read what is no longer so (a migration's switch moved the record while the read was in
  // flight), so it answers but does not cache — else every later write would go to the old cell.
  let generation = 0;
  const listeners = new Set<(change: LocationChange) => void>();
  const keyOf = (kind: RecordKind, id: string) => `${kind}:${id}`;

  function remember(kind: RecordKind, id: string, cellId: string): void {
    if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string);
    cache.set(keyOf(kind, id), cellId);
  }

  function changed(change: LocationChange): void {
    generation++;
    if (change.cellId === null) cache.delete(keyOf(change.kind, change.id));
    else remember(change.kind, change.id, change.cellId);
    for (const listener of listeners) listener(change);
  }

  async function find(kind: RecordKind, id: string): Promise<string | null> {
    const hit = cache.get(keyOf(kind, id));
    if (hit !== undefined) return hit;
    const readAt = generation;
    const row = await db.selectFrom('record_location').select('cell_id').where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    if (readAt === generation) remember(kind, id, row.cell_id);
    return row.cell_id;
  }

  return {
    find,
    async place(kind, id, cellId) {
      await db.insertInto('record_location').values({ kind, id, cell_id: cellId }).execute();
      changed({ kind, id, cellId });
    },
    async placeIfAbsent(kind, id, cellId) {
      await db.insertInto('record_location').values({ kind, id, cell_id: cellId }).onConflict((oc) => oc.columns(['kind', 'id']).doNothing()).execute();
      cache.delete(keyOf(kind, id));
      const stored = await find(kind, id);
      if (stored === null) throw new Error(`the record directory lost ${kind} ${id}`);
      if (stored === cellId) changed({ kind, id, cellId });
      return stored;
    },
    async move(kind, id, cellId) {
      const result = await db.updateTable('record_location').set({ cell_id: cellId }).where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new Error(`no ${kind} ${id} in the record directory`);
      changed({ kind, id, cellId });
    },
    async forget(kind, id) {
      await db.deleteFrom('record_location').where('kind', '=', kind).where('id', '=', id).execute();
      changed({ kind, id, cellId: null });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    invalidate() {
      generation++;
      cache.clear();
    },
  };
}

/**
 * Fills the record directory from the cells once, for data written before it existed (when ids
 * still named their cell). Later records are placed as they are created.
 */
export async function backfillRecordLocations(db: Kysely<DirectoryDatabase>, cells: CellRegistry): Promise<void> {
  const done = await db.selectFrom('directory_meta').select('value').where('key', '=', 'record_locations_backfilled').executeTakeFirst();
  if (done) return;
  for (const cell of cells.all()) {
    const sources: { kind: RecordKind; ids: () => Promise<{ id: string }[]> }[] = [
      { kind: 'conversation', ids: () => cell.db.selectFrom('conversation').select('id').execute() },
      { kind: 'media', ids: () => cell.db.selectFrom('media').select('id').execute() },
      { kind: 'session', ids: () => cell.db.selectFrom('session').select('id').execute() },
    ];
    for (const source of sources) {
      const rows = await source.ids();
      for (let i = 0; i < rows.length; i += 500) {
        const values = rows.slice(i, i + 500).map((r) => ({ kind: source.kind, id: r.id, cell_id: cell.id }));
        await db.insertInto('record_location').values(values).onConflict((oc) => oc.columns(['kind', 'id']).doNothing()).execute();
      }
    }
  }
  await db.insertInto('directory_meta').values({ key: 'record_locations_backfilled', value: new Date().toISOString() }).onConflict((oc) => oc.column('key').doNothing()).execute();
}
