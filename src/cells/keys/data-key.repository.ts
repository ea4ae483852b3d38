// The key ring's queries in a cell: data keys (wrapped) by id or by (subject, category), their
// rewrapping under a new master, their destruction, and the cell's key-ring epoch that tells
// other processes to drop keys they cached.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CellDatabase } from '../cell.database.js';

export interface DataKeyTable {
  id: string;
  subject_id: string;
  category: string;
  /** The master key that wrapped it. */
  master_id: string;
  /** base64 of the wrapped key. */
  wrapped: string;
  created_at: string;
}

export type DataKeyRow = Selectable<DataKeyTable>;

declare module '../cell.database.js' {
  interface CellDatabase {
    data_key: DataKeyTable;
  }
}

const epochKey = 'key_ring_epoch';

export interface DataKeyRepository {
  byId(id: string): Promise<DataKeyRow | undefined>;
  /** The stored keys of these (subject, category) pairs. */
  bySubjects(pairs: readonly { subjectId: string; category: string }[]): Promise<DataKeyRow[]>;
  /** Inserts each row unless its subject has a key for the category already (the stored one wins). */
  insertIfAbsent(rows: readonly DataKeyRow[]): Promise<void>;
  /** Deletes the subject's keys `pick` chooses, in one transaction that moves the epoch on. */
  destroy(subjectId: string, pick: (category: string) => boolean): Promise<DataKeyRow[]>;
  /** `destroy` for many subjects in one transaction (one commit, one epoch move). */
  destroyMany(subjects: readonly { subjectId: string; pick: (category: string) => boolean }[]): Promise<DataKeyRow[]>;
  /** Up to `limit` keys wrapped by a master other than `masterId`. */
  notWrappedBy(masterId: string, limit: number): Promise<DataKeyRow[]>;
  /** Replaces a key's wrapping if it is still the one read (a concurrent shred wins). */
  rewrap(row: DataKeyRow, masterId: string, wrapped: string): Promise<boolean>;
  epoch(): Promise<string>;
  bumpEpoch(): Promise<void>;
}

export function createDataKeyRepository(db: Kysely<CellDatabase>): DataKeyRepository {
  async function bumpEpoch(trx: Kysely<CellDatabase>): Promise<void> {
    const value = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await trx.insertInto('cell_meta').values({ key: epochKey, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }
  function destroyMany(subjects: readonly { subjectId: string; pick: (category: string) => boolean }[]): Promise<DataKeyRow[]> {
    const picks = new Map(subjects.map((s) => [s.subjectId, s.pick]));
    if (picks.size === 0) return Promise.resolve([]);
    return db.transaction().execute(async (trx) => {
      const rows: DataKeyRow[] = [];
      const ids = [...picks.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const found = await trx.selectFrom('data_key').selectAll().where('subject_id', 'in', ids.slice(i, i + 500)).execute();
        rows.push(...found.filter((r) => picks.get(r.subject_id)?.(r.category)));
      }
      if (rows.length === 0) return [];
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .deleteFrom('data_key')
          .where(
            'id',
            'in',
            rows.slice(i, i + 500).map((r) => r.id),
          )
          .execute();
      }
      await bumpEpoch(trx);
      return rows;
    });
  }
  return {
    byId: (id) => db.selectFrom('data_key').selectAll().where('id', '=', id).executeTakeFirst(),
    async bySubjects(pairs) {
      const wanted = new Set(pairs.map((p) => `${p.subjectId}\u0000${p.category}`));
      const subjects = [...new Set(pairs.map((p) => p.subjectId))];
      const out: DataKeyRow[] = [];
      for (let i = 0; i < subjects.length; i += 500) {
        const rows = await db.selectFrom('data_key').selectAll().where('subject_id', 'in', subjects.slice(i, i + 500)).execute();
        out.push(...rows.filter((r) => wanted.has(`${r.subject_id}\u0000${r.category}`)));
      }
      return out;
    },
    async insertIfAbsent(rows) {
      for (let i = 0; i < rows.length; i += 200) {
        await db.insertInto('data_key').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['subject_id', 'category']).doNothing()).execute();
      }
    },
    destroy: (subjectId, pick) => destroyMany([{ subjectId, pick }]),
    destroyMany,
    notWrappedBy: (masterId, limit) => db.selectFrom('data_key').selectAll().where('master_id', '<>', masterId).orderBy('id').limit(limit).execute(),
    async rewrap(row, masterId, wrapped) {
      const result = await db
        .updateTable('data_key')
        .set({ master_id: masterId, wrapped })
        .where('id', '=', row.id)
        .where('master_id', '=', row.master_id)
        .where('wrapped', '=', row.wrapped)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async epoch() {
      const row = await db.selectFrom('cell_meta').select('value').where('key', '=', epochKey).executeTakeFirst();
      return row?.value ?? '';
    },
    bumpEpoch: () => bumpEpoch(db),
  };
}

/**
 * After keys were destroyed: leaves no copy of them in the database's files that the engine can
 * still hand out — SQLite (with secure_delete on) empties its WAL; PostgreSQL rewrites the table
 * so dead rows do not linger in its pages. Best effort: a reader in another process can keep
 * SQLite's WAL from being emptied this time (the next checkpoint does it).
 */
export async function scrubDataKeys(db: Kysely<CellDatabase>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  } else {
    await sql`vacuum full data_key`.execute(db);
  }
}
