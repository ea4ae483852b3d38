// SQL of a cell's access log: entries, hash tiles, the subject index, checkpoints and the log's
// pinned identity in cell_meta. The same queries run on SQLite and PostgreSQL.
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
  subjects: SubjectRow[];
  /** Each new entry's event id and index (see heldEvents). */
  events: { event_id: string; idx: number }[];
}

// Rows per INSERT: a few thousand bound parameters stays far below SQLite's 32766 and
// PostgreSQL's 65535, while one statement still carries a whole group commit's worth.
const ROWS_PER_INSERT = 1000;

async function insertChunked<T extends 'log_entry' | 'log_subject' | 'log_event'>(
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

/**
 * The subject index rows. An entry can name thousands of subjects, and building and compiling
 * 1,000-row Kysely inserts (2,000–3,000 bound values, prepared afresh each time) cost more than
 * the database's own work; so the whole batch goes in one short statement: on SQLite one JSON
 * object of entry index → [subject id, salt] pairs expanded by `json_each`, each list sorted so
 * the WITHOUT ROWID B-tree is filled in key order; on PostgreSQL three array parameters zipped by
 * `unnest`.
 */
async function insertSubjects(trx: Transaction<CellDatabase>, subjects: LogBatchRows['subjects']): Promise<void> {
  if (subjects.length === 0) return;
  if (!(trx.getExecutor().adapter instanceof SqliteAdapter)) {
    const ids: string[] = [];
    const indices: number[] = [];
    const salts: (string | null)[] = [];
    for (const row of subjects) {
      ids.push(row.subject_id);
      indices.push(row.idx);
      salts.push(row.salt);
    }
    await sql`insert into log_subject (subject_id, idx, salt)
      select * from unnest(cast(${ids} as text[]), cast(${indices} as bigint[]), cast(${salts} as text[]))`.execute(trx);
    return;
  }
  const byEntry = new Map<number, [string, string | null][]>();
  for (const { subject_id, idx, salt } of subjects) {
    const ids = byEntry.get(idx);
    if (ids) ids.push([subject_id, salt]);
    else byEntry.set(idx, [[subject_id, salt]]);
  }
  const payload: Record<string, [string, string | null][]> = {};
  for (const [idx, ids] of byEntry) payload[String(idx)] = ids.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  await sql`insert into log_subject (subject_id, idx, salt)
    select subject.value ->> 0, cast(entry.key as integer), subject.value ->> 1
    from json_each(${JSON.stringify(payload)}) as entry, json_each(entry.value) as subject`.execute(trx);
}

/** Writes one group commit's entries, tiles and subject index rows inside `trx`. */
export async function insertLogBatch(trx: Transaction<CellDatabase>, rows: LogBatchRows): Promise<void> {
  await insertChunked(trx, 'log_entry', rows.entries);
  await insertChunked(trx, 'log_event', rows.events);
  await insertSubjects(trx, rows.subjects);
  // A handful of rows per batch (16 KiB each), so one statement per tile is fine.
  for (const tile of rows.tiles) {
    await trx
      .insertInto('log_tile')
      .values(tile)
      .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet((eb) => ({ width: eb.ref('excluded.width'), nodes: eb.ref('excluded.nodes') })))
      .execute();
  }
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

/** Entries naming `subjectId` with the salt of its commitment there, newest first, below `before` when given. */
export async function subjectIndices(db: Db, props: { subjectId: string; before: number | null; limit: number }): Promise<{ idx: number; salt: string | null }[]> {
  let query = db.selectFrom('log_subject').select(['idx', 'salt']).where('subject_id', '=', props.subjectId);
  if (props.before !== null) query = query.where('idx', '<', props.before);
  const rows = await query.orderBy('idx', 'desc').limit(props.limit).execute();
  return rows.map((r) => ({ idx: Number(r.idx), salt: r.salt }));
}

/** Operator-side: entries with from ≤ idx < to with the openings of their operator commitments. */
export async function readEntryRows(db: Db, from: number, to: number): Promise<EntryRow[]> {
  // As the driver returns them (idx is a number on both dialects): verification reads millions.
  return db.selectFrom('log_entry').select(['idx', 'entry', 'actor_id', 'actor_salt']).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute();
}

/** Operator-side: the subject index rows of entries with from ≤ idx < to. */
export async function subjectRowsOf(db: Db, from: number, to: number): Promise<SubjectRow[]> {
  const rows = await db.selectFrom('log_subject').select(['subject_id', 'idx', 'salt']).where('idx', '>=', from).where('idx', '<', to).execute();
  return rows.map((r) => ({ ...r, idx: Number(r.idx) }));
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
