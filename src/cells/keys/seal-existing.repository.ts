// The start-up data migration that seals what was stored before encryption at rest: every
// sealed text column of the composed schema and every blob file, in batches of rows ordered by
// their key. Each batch commits its rows and its progress mark together, so a kill -9 resumes
// where it stopped and nothing is sealed twice; a second process running it at the same time
// finds the mark moved and starts its batch again.
import { sql, type Kysely } from 'kysely';
import type { CellDatabase } from '../cell.database.js';
import type { AnyDb, SealedColumn } from '../cell.schema.js';
import type { BlobStore } from '../blob.store.js';
import type { DataKeyHandle, KeyRing } from './key-ring.js';
import { isSealedBytes, isSealedText, recordIdOf } from './sealing.js';

const done = 'done';
const batchSize = 500;

type Row = Record<string, unknown>;

async function mark(db: AnyDb, key: string): Promise<string | null> {
  const row = (await db.selectFrom('cell_meta').select('value').where('key', '=', key).executeTakeFirst()) as { value: string } | undefined;
  return row?.value ?? null;
}

/** Moves the mark from `from` to `to`; false when another process moved it first. */
async function moveMark(db: AnyDb, key: string, from: string | null, to: string): Promise<boolean> {
  if (from === null) {
    const result = await db.insertInto('cell_meta').values({ key, value: to }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const result = await db.updateTable('cell_meta').set({ value: to }).where('key', '=', key).where('value', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function afterKey(rowKey: readonly string[], last: unknown[] | null) {
  if (!last) return sql<boolean>`1 = 1`;
  return sql<boolean>`(${sql.join(rowKey.map((c) => sql.ref(c)))}) > (${sql.join(last)})`;
}

/** Handles for every (subject, category) of `rows`, made before any transaction opens. */
async function handlesFor(keys: KeyRing, rows: readonly Row[]): Promise<Map<string, DataKeyHandle>> {
  const pairs = new Map(rows.map((row) => [`${String(row.subject_id)}\u0000${String(row.category)}`, { subjectId: String(row.subject_id), category: String(row.category) }]));
  const handles = await Promise.all([...pairs.values()].map((p) => keys.dataKey(p.subjectId, p.category)));
  return new Map([...pairs.keys()].map((pair, i) => [pair, handles[i] as DataKeyHandle]));
}

export async function sealExistingColumn(props: { db: Kysely<CellDatabase>; keys: KeyRing; column: SealedColumn }): Promise<number> {
  const db = props.db as AnyDb;
  const { table, column, rowKey } = props.column;
  const markKey = `sealed:${table}.${column}`;
  let sealed = 0;
  for (;;) {
    const before = await mark(db, markKey);
    if (before === done) return sealed;
    const last = before === null ? null : (JSON.parse(before) as unknown[]);
    let query = db.selectFrom(table).select([...rowKey, column, 'subject_id', 'category']).where(afterKey(rowKey, last)).limit(batchSize);
    for (const c of rowKey) query = query.orderBy(c);
    const rows = (await query.execute()) as Row[];
    const plain = rows.filter((r) => typeof r[column] === 'string' && !isSealedText(r[column]));
    const handles = await handlesFor(props.keys, plain);
    const lastRow = rows.at(-1);
    const next = rows.length < batchSize || !lastRow ? done : JSON.stringify(rowKey.map((c) => lastRow[c]));
    const moved = await db.transaction().execute(async (trx) => {
      if ((await mark(trx, markKey)) !== before) return false;
      for (const row of plain) {
        const handle = handles.get(`${String(row.subject_id)}\u0000${String(row.category)}`) as DataKeyHandle;
        let update = trx.updateTable(table).set({ [column]: handle.sealText(recordIdOf(rowKey.map((c) => row[c])), row[column] as string) });
        for (const c of rowKey) update = update.where(c, '=', row[c]);
        await update.where(column, '=', row[column]).execute();
      }
      return moveMark(trx, markKey, before, next);
    });
    if (moved) sealed += plain.length;
  }
}

/** Seals every blob file that is still plaintext, naming its owner and category from its row. */
export async function sealExistingBlobs(props: { db: Kysely<CellDatabase>; keys: KeyRing; blobs: BlobStore; table: SealedColumn['table'] }): Promise<number> {
  const db = props.db as AnyDb;
  const markKey = `sealed:blobs`;
  let sealed = 0;
  for (;;) {
    const before = await mark(db, markKey);
    if (before === done) return sealed;
    let query = db.selectFrom(props.table).select(['id', 'subject_id', 'category']).orderBy('id').limit(batchSize);
    if (before !== null) query = query.where('id', '>', before);
    const rows = (await query.execute()) as { id: string; subject_id: string; category: string }[];
    const handles = await handlesFor(props.keys, rows);
    for (const row of rows) {
      const bytes = await props.blobs.get(row.id);
      // Already sealed when a crash came after the file and before the mark: sealing is per file.
      if (!bytes || isSealedBytes(bytes)) continue;
      const handle = handles.get(`${row.subject_id}\u0000${row.category}`) as DataKeyHandle;
      await props.blobs.put(row.id, handle.seal(row.id, bytes));
      sealed++;
    }
    const lastRow = rows.at(-1);
    await moveMark(db, markKey, before, rows.length < batchSize || !lastRow ? done : lastRow.id);
  }
}
