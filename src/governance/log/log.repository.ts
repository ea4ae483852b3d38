// SQL of a cell's access log: entries, hash tiles, subject openings and the subject index built
// from them, checkpoints and the log's pinned identity in cell_meta. The same queries run on SQLite and PostgreSQL.
import { SqliteAdapter, sql, type Kysely, type Transaction } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';

type Db = Kysely<CellDatabase> | Transaction<CellDatabase>;

export interface StoredEntry {
  idx: number;
  entry: string;
}

/** An entry row as written: the leaf text and the opening of its operator commitment. */
export interface EntryRow extends StoredEntry {
  actor_id: string | null;
  actor_salt: string | null;
}

export interface SubjectRow {
  subject_id: string;
  idx: number;
  /** Opens the subject's commitment in the entry; null when the entry names the id in clear. */
  salt: string | null;
}

export interface StoredTile {
  level: number;
  idx: number;
  width: number;
  /** The packed tile (see TileTree): its hashes and the tree levels inside it. */
  nodes: Buffer;
}

export interface StoredCheckpoint {
  size: number;
  note: string;
  created_at: string;
}

export interface LogBatchRows {
  entries: EntryRow[];
  /** Every tile the batch touched, at its new width. */
  tiles: StoredTile[];
  /** One row per entry that names subjects: its openings (SealedEntry.openings). */
  openings: { idx: number; subjects: string }[];
  /** Each new entry's event id and index (see heldEvents). */
  events: { event_id: string; idx: number }[];
}

// Rows per INSERT: a few thousand bound parameters stays far below SQLite's 32766 and
// PostgreSQL's 65535, while one statement still carries a whole group commit's worth.
const ROWS_PER_INSERT = 1000;

async function insertChunked<T extends 'log_entry' | 'log_opening' | 'log_event'>(
  trx: Transaction<CellDatabase>,
  table: T,
  rows: readonly CellDatabase[T][],
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    // The table/row pairing is checked by the caller's types; Kysely cannot follow the generic.
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + ROWS_PER_INSERT) as never)
      .execute();
  }
}

/** Writes one group commit's entries, tiles and subject openings inside `trx`. */
export async function insertLogBatch(trx: Transaction<CellDatabase>, rows: LogBatchRows): Promise<void> {
  await insertChunked(trx, 'log_entry', rows.entries);
  await insertChunked(trx, 'log_event', rows.events);
  await insertChunked(trx, 'log_opening', rows.openings);
  // A handful of rows per batch (16 KiB each), so one statement per tile is fine.
  for (const tile of rows.tiles) {
    await trx
      .insertInto('log_tile')
      .values(tile)
      .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet((eb) => ({ width: eb.ref('excluded.width'), nodes: eb.ref('excluded.nodes') })))
      .execute();
  }
}

/** Each pair of an opening row: the subject id and the salt of its commitment (null: named in clear). */
export type OpeningPair = [string, string | null];


const INDEXED_KEY = 'log_subject_indexed';

/** The subject index covers every entry below this index (the watermark in cell_meta). */
export async function subjectIndexWatermark(db: Db): Promise<number> {
  const row = await db.selectFrom('cell_meta').select('value').where('key', '=', INDEXED_KEY).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

// Opening text per index pass: about 25,000 subjects, so one pass holds the cell's write lock
// (SQLite) for tens of milliseconds at most.
const INDEX_PASS_TEXT = 1 << 20;

/**
 * Builds the subject index for entries from the watermark on, one bounded pass inside `trx`
 * (which should be a transaction of its own), and moves the watermark; returns whether entries
 * remain. Another indexer (a second node on PostgreSQL) may build the same rows: they conflict
 * into nothing, and the watermark only moves forward.
 */
export async function indexSubjectsPass(trx: Transaction<CellDatabase>): Promise<boolean> {
  const postgres = !(trx.getExecutor().adapter instanceof SqliteAdapter);
  const from = await subjectIndexWatermark(trx);
  // The committed size first: appends commit in index order, so every opening below it is
  // visible to the reads after it.
  const size = (await entryExtent(trx)).maxIdx;
  const end = size === null ? 0 : size + 1;
  if (end <= from) return false;
  const tail = await sql<{ idx: number; length: number }>`select idx, length(subjects) as length from log_opening
    where idx >= ${from} and idx < ${end} order by idx limit 5000`.execute(trx);
  let to = end;
  let text = 0;
  for (const row of tail.rows) {
    if (text > 0 && text + Number(row.length) > INDEX_PASS_TEXT) {
      to = Number(row.idx);
      break;
    }
    text += Number(row.length);
  }
  if (tail.rows.length === 5000 && to === end) to = Number(tail.rows[4999]?.idx) + 1;
  // Sorted by key, so the index B-tree is filled in order.
  await (postgres
    ? sql`insert into log_subject (subject_id, idx, salt)
        select pair ->> 0, o.idx, pair ->> 1 from log_opening as o, jsonb_array_elements(cast(o.subjects as jsonb)) as pair
        where o.idx >= ${from} and o.idx < ${to} order by 1, 2 on conflict do nothing`
    : sql`insert into log_subject (subject_id, idx, salt)
        select pair.value ->> 0, o.idx, pair.value ->> 1 from log_opening as o, json_each(o.subjects) as pair
        where o.idx >= ${from} and o.idx < ${to} order by 1, 2 on conflict do nothing`
  ).execute(trx);
  const cast = postgres ? sql`bigint` : sql`integer`;
  await sql`insert into cell_meta (key, value) values (${INDEXED_KEY}, ${String(to)})
    on conflict (key) do update set value = excluded.value where cast(cell_meta.value as ${cast}) < cast(excluded.value as ${cast})`.execute(trx);
  return to < end;
}

/**
 * Takes the cell's log-writer lock for the rest of the transaction: one writer appends at a time,
 * and a writer that dies (kill -9, lost connection) releases it with its transaction. On
 * PostgreSQL (several nodes share a cell) an advisory lock; on SQLite (a serving process and the
 * CLI beside it, e.g. a migration) the write lock every transaction takes when it begins
 * (db/connect.ts), so only the highest index is read (an index search, not a count). Returns the
 * entry count seen under the lock.
 */
export async function lockLogForAppend(trx: Transaction<CellDatabase>, dialect: 'postgres' | 'sqlite'): Promise<number> {
  if (dialect === 'sqlite') {
    const row = await trx.selectFrom('log_entry').select((eb) => eb.fn.max<number | null>('idx').as('max')).executeTakeFirstOrThrow();
    return row.max === null ? 0 : Number(row.max) + 1;
  }
  await sql`select pg_advisory_xact_lock(hashtext('domicile.access_log'))`.execute(trx);
  return (await entryExtent(trx)).count;
}

/** The indices of the entries that already carry any of these event ids. */
export async function heldEvents(db: Db, eventIds: readonly string[]): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  for (let i = 0; i < eventIds.length; i += ROWS_PER_INSERT) {
    const rows = await db
      .selectFrom('log_event')
      .select(['event_id', 'idx'])
      .where('event_id', 'in', eventIds.slice(i, i + ROWS_PER_INSERT))
      .execute();
    for (const row of rows) held.set(row.event_id, Number(row.idx));
  }
  return held;
}

/** Number of entries and the highest index; equal-plus-one when the log has no hole. */
export async function entryExtent(db: Db): Promise<{ count: number; maxIdx: number | null }> {
  const row = await db
    .selectFrom('log_entry')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max<number | null>('idx').as('max')])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), maxIdx: row.max === null ? null : Number(row.max) };
}

function toTile(row: { level: number; idx: number; width: number; nodes: Uint8Array }): StoredTile {
  return { level: Number(row.level), idx: Number(row.idx), width: Number(row.width), nodes: Buffer.from(row.nodes) };
}

export async function readTile(db: Db, level: number, idx: number): Promise<StoredTile | null> {
  const row = await db.selectFrom('log_tile').selectAll().where('level', '=', level).where('idx', '=', idx).executeTakeFirst();
  return row ? toTile(row) : null;
}

/** Stored tiles of one tile level with from ≤ idx < to, in order. */
export async function readTiles(db: Db, level: number, from: number, to: number): Promise<StoredTile[]> {
  const rows = await db.selectFrom('log_tile').selectAll().where('level', '=', level).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute();
  return rows.map(toTile);
}

/** The stored tile of `level` with the highest index, if any. */
export async function lastTile(db: Db, level: number): Promise<StoredTile | null> {
  const row = await db.selectFrom('log_tile').selectAll().where('level', '=', level).orderBy('idx', 'desc').limit(1).executeTakeFirst();
  return row ? toTile(row) : null;
}

/** Stored tiles above level 0 (one per 65,536 entries or fewer), for verification. */
export async function upperTiles(db: Db): Promise<StoredTile[]> {
  const rows = await db.selectFrom('log_tile').selectAll().where('level', '>', 0).orderBy('level').orderBy('idx').execute();
  return rows.map(toTile);
}

/** Stored entries with from ≤ idx < to, in order (possibly fewer if some are missing). */
export async function readEntries(db: Db, from: number, to: number): Promise<StoredEntry[]> {
  // Rows as the driver returns them (idx is a number on both dialects: connect.ts parses int8);
  // verification reads a million of these, so no copy per row.
  return db.selectFrom('log_entry').select(['idx', 'entry']).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute();
}

export async function readEntriesAt(db: Db, indices: readonly number[]): Promise<StoredEntry[]> {
  if (indices.length === 0) return [];
  const rows = await db.selectFrom('log_entry').select(['idx', 'entry']).where('idx', 'in', [...indices]).orderBy('idx', 'desc').execute();
  return rows.map((r) => ({ idx: Number(r.idx), entry: r.entry }));
}

/**
 * Entries naming `subjectId` with the salt of its commitment there, newest first, below `before`
 * when given: the subject index below its watermark merged with the openings of the entries
 * above it (not yet indexed), so an entry is found from the moment its append committed.
 */
export async function subjectIndices(db: Db, props: { subjectId: string; before: number | null; limit: number }): Promise<{ idx: number; salt: string | null }[]> {
  const postgres = !(db.getExecutor().adapter instanceof SqliteAdapter);
  const { subjectId, before, limit } = props;
  // The watermark first: whatever it covers is in the index, whatever came after is in the tail.
  const watermark = await subjectIndexWatermark(db);
  const below = before === null ? sql`` : sql` and o.idx < ${before}`;
  const tail = await (postgres
    ? sql<{ idx: number; salt: string | null }>`select o.idx, pair ->> 1 as salt from log_opening as o, jsonb_array_elements(cast(o.subjects as jsonb)) as pair
        where o.idx >= ${watermark}${below} and pair ->> 0 = ${subjectId} order by o.idx desc limit ${limit}`
    : sql<{ idx: number; salt: string | null }>`select o.idx, pair.value ->> 1 as salt from log_opening as o, json_each(o.subjects) as pair
        where o.idx >= ${watermark}${below} and pair.value ->> 0 = ${subjectId} order by o.idx desc limit ${limit}`
  ).execute(db);
  const found = tail.rows.map((r) => ({ idx: Number(r.idx), salt: r.salt }));
  if (found.length >= limit) return found;
  // Below the watermark only, so nothing the tail found is counted twice should the index grow meanwhile.
  const rows = await db
    .selectFrom('log_subject')
    .select(['idx', 'salt'])
    .where('subject_id', '=', subjectId)
    .where('idx', '<', before === null ? watermark : Math.min(watermark, before))
    .orderBy('idx', 'desc')
    .limit(limit - found.length)
    .execute();
  return [...found, ...rows.map((r) => ({ idx: Number(r.idx), salt: r.salt }))];
}

/** Operator-side: entries with from ≤ idx < to with the openings of their operator commitments. */
export async function readEntryRows(db: Db, from: number, to: number): Promise<EntryRow[]> {
  // As the driver returns them (idx is a number on both dialects): verification reads millions.
  return db.selectFrom('log_entry').select(['idx', 'entry', 'actor_id', 'actor_salt']).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute();
}

/** Operator-side: the subject openings of entries with from ≤ idx < to, by entry index. */
export async function openingsOf(db: Db, from: number, to: number): Promise<Map<number, OpeningPair[]>> {
  const rows = await db.selectFrom('log_opening').select(['idx', 'subjects']).where('idx', '>=', from).where('idx', '<', to).execute();
  return new Map(rows.map((r) => [Number(r.idx), JSON.parse(r.subjects) as OpeningPair[]]));
}

/** Subject index rows in primary-key order, a page at a time (for verification). */
export async function subjectIndexPage(
  db: Db,
  after: { subjectId: string; idx: number } | null,
  limit: number,
): Promise<SubjectRow[]> {
  let query = db.selectFrom('log_subject').select(['subject_id', 'idx', 'salt']);
  // A row-value comparison, which both databases answer from the primary key; the equivalent
  // OR of two conditions makes SQLite scan from the start for every page.
  if (after) query = query.where((eb) => eb(eb.refTuple('subject_id', 'idx'), '>', eb.tuple(after.subjectId, after.idx)));
  const rows = await query.orderBy('subject_id').orderBy('idx').limit(limit).execute();
  return rows.map((r) => ({ subject_id: r.subject_id, idx: Number(r.idx), salt: r.salt }));
}

export async function latestCheckpointRow(db: Db): Promise<StoredCheckpoint | null> {
  const row = await db.selectFrom('log_checkpoint').select(['size', 'note', 'created_at']).orderBy('size', 'desc').limit(1).executeTakeFirst();
  return row ? { size: Number(row.size), note: row.note, created_at: row.created_at } : null;
}

/** Checkpoints in size order after `afterSize` (−1 for all), a page at a time. */
export async function checkpointPage(db: Db, afterSize: number, limit: number): Promise<StoredCheckpoint[]> {
  const rows = await db.selectFrom('log_checkpoint').select(['size', 'note', 'created_at']).where('size', '>', afterSize).orderBy('size').limit(limit).execute();
  return rows.map((r) => ({ size: Number(r.size), note: r.note, created_at: r.created_at }));
}

export async function insertCheckpoint(db: Db, row: StoredCheckpoint): Promise<void> {
  // Ed25519 signatures are deterministic, so a second writer signing the same size writes the
  // same note; the conflict is harmless.
  await db
    .insertInto('log_checkpoint')
    .values(row)
    .onConflict((oc) => oc.column('size').doNothing())
    .execute();
}

export interface LogIdentity {
  origin: string;
  verifierKey: string;
}

const ORIGIN_KEY = 'log_origin';
const VERIFIER_KEY = 'log_verifier_key';

/** The log's origin and verifier key as first pinned in this cell's database, if any. */
export async function readLogIdentity(db: Db): Promise<LogIdentity | null> {
  const rows = await db.selectFrom('cell_meta').select(['key', 'value']).where('key', 'in', [ORIGIN_KEY, VERIFIER_KEY]).execute();
  const origin = rows.find((r) => r.key === ORIGIN_KEY)?.value;
  const verifierKey = rows.find((r) => r.key === VERIFIER_KEY)?.value;
  return origin && verifierKey ? { origin, verifierKey } : null;
}

export async function pinLogIdentity(db: Db, identity: LogIdentity): Promise<void> {
  await db
    .insertInto('cell_meta')
    .values([
      { key: ORIGIN_KEY, value: identity.origin },
      { key: VERIFIER_KEY, value: identity.verifierKey },
    ])
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}
