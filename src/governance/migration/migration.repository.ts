// SQL of region migrations: the job document and its items in the directory, and the generic row
// operations the engine runs on any personal table of a cell (select the rows that move, read one
// by its key, insert a copy, delete the source), and the change capture on a source cell's moving
// tables. Personal rows never reach the directory: items hold ids, digests and sizes only.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CellDatabase, DirectoryDatabase } from '../../cells/cell.database.js';
import type { AnyDb, PersonalTable } from '../../cells/cell.schema.js';
import type { PlacementRule } from '../../cells/placement.js';
import { appendPlacementVersion } from '../../cells/placement-version.repository.js';
import type { ResidencyGuardPlugin } from '../../cells/residency.plugin.js';
import { sqliteTransactionsOf } from '../../db/sqlite-transaction.js';
import { retryTransient } from '../../db/transient.js';
import { sealRefusalCode, sealRefusalMessage } from '../../cells/moving.context.js';
import type { MigrationItemRow } from './migration.tables.js';

type Directory = Kysely<DirectoryDatabase>;
/** The directory database, as the migration service passes it around. */
export type MigrationDirectoryDb = Directory;
/** A directory transaction a migration's job is created in. */
export type MigrationDirectoryTrx = Transaction<DirectoryDatabase>;
export type Row = Record<string, unknown>;

export interface NewItem {
  readonly id: string;
  readonly table: string;
  readonly rowKey: readonly unknown[];
  readonly category: string;
  readonly subjectId: string;
  readonly sourceCell: string;
  readonly batch: number;
}

/** Inserts a job, its lease held by `lease` when given (a start claims its job until the job's items are listed). */
export async function insertJob(db: Directory | Transaction<DirectoryDatabase>, props: { id: string; phase: string; state: unknown; lease?: { owner: string; untilMs: number } }): Promise<void> {
  const lease = props.lease ? { lease_owner: props.lease.owner, lease_until: new Date(props.lease.untilMs).toISOString() } : { lease_owner: null, lease_until: null };
  await db.insertInto('migration_job').values({ id: props.id, phase: props.phase, state: JSON.stringify(props.state), ...lease, updated_at: new Date().toISOString() }).execute();
}

export async function readJobRow(db: Directory, id: string): Promise<{ state: string; phase: string; lease_owner: string | null; lease_until: string | null } | undefined> {
  return db.selectFrom('migration_job').select(['state', 'phase', 'lease_owner', 'lease_until']).where('id', '=', id).executeTakeFirst();
}

export async function listJobRows(db: Directory): Promise<{ id: string; state: string }[]> {
  return db.selectFrom('migration_job').select(['id', 'state']).orderBy('updated_at', 'desc').execute();
}

/** Writes the job's new state when its phase is still `from`; false when another process moved it. */
export async function updateJob(db: Directory | Transaction<DirectoryDatabase>, props: { id: string; from: string; phase: string; state: unknown }): Promise<boolean> {
  const result = await db
    .updateTable('migration_job')
    .set({ phase: props.phase, state: JSON.stringify(props.state), updated_at: new Date().toISOString() })
    .where('id', '=', props.id)
    .where('phase', '=', props.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Takes the job's lease for `owner` when it is free, expired, or already `owner`'s (or `stale` says its holder is gone). */
export async function claimLease(db: Directory, props: { id: string; owner: string; untilMs: number; stale: (owner: string) => boolean }): Promise<boolean> {
  const row = await readJobRow(db, props.id);
  if (!row) return false;
  const free = row.lease_owner === null || row.lease_owner === props.owner || (row.lease_until !== null && row.lease_until < new Date().toISOString()) || props.stale(row.lease_owner);
  if (!free) return false;
  let update = db.updateTable('migration_job').set({ lease_owner: props.owner, lease_until: new Date(props.untilMs).toISOString() }).where('id', '=', props.id);
  update = row.lease_owner === null ? update.where('lease_owner', 'is', null) : update.where('lease_owner', '=', row.lease_owner);
  return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
}

/** Extends a lease its holder still holds; false when it is held by another now (or the job is gone). */
export async function renewLease(db: Directory, props: { id: string; owner: string; untilMs: number }): Promise<boolean> {
  const result = await db.updateTable('migration_job').set({ lease_until: new Date(props.untilMs).toISOString() }).where('id', '=', props.id).where('lease_owner', '=', props.owner).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseLease(db: Directory, props: { id: string; owner: string }): Promise<void> {
  await db.updateTable('migration_job').set({ lease_owner: null, lease_until: null }).where('id', '=', props.id).where('lease_owner', '=', props.owner).execute();
}

export async function insertItems(db: Directory | Transaction<DirectoryDatabase>, jobId: string, items: readonly NewItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 200) {
    const values = items.slice(i, i + 200).map((it) => ({
      job_id: jobId,
      id: it.id,
      table_name: it.table,
      row_key: JSON.stringify(it.rowKey),
      category: it.category,
      subject_id: it.subjectId,
      source_cell: it.sourceCell,
      batch: it.batch,
      step: 'pending',
      sha256: null,
      row_sha256: null,
      bytes: 0,
    }));
    await db.insertInto('migration_item').values(values).onConflict((oc) => oc.columns(['job_id', 'id']).doNothing()).execute();
  }
}

export async function itemsOf(db: Directory, props: { jobId: string; batch?: number; steps?: readonly string[] }): Promise<MigrationItemRow[]> {
  let query = db.selectFrom('migration_item').selectAll().where('job_id', '=', props.jobId);
  if (props.batch !== undefined) query = query.where('batch', '=', props.batch);
  if (props.steps) query = query.where('step', 'in', props.steps);
  return query.orderBy('id').execute();
}

/** Sets the step (and digests) of many items in one directory transaction: one commit for a batch. */
export async function setItems(db: Directory, props: { jobId: string; items: readonly { id: string; step: string; sha256?: string | null; rowSha256?: string | null; bytes?: number }[] }): Promise<void> {
  if (props.items.length === 0) return;
  // Steps alone (verified, shredded, pending, gone) in one statement per 500 items per step; steps
  // with their digests (a copy) in one `update … from (values …)` per 200 items (both dialects
  // name a VALUES list's columns column1, column2, …).
  const plain = new Map<string, string[]>();
  const withDigests: { id: string; step: string; sha256: string | null; rowSha256: string | null; bytes: number }[] = [];
  for (const item of props.items) {
    if (item.sha256 !== undefined) withDigests.push({ id: item.id, step: item.step, sha256: item.sha256, rowSha256: item.rowSha256 ?? null, bytes: item.bytes ?? 0 });
    else plain.set(item.step, [...(plain.get(item.step) ?? []), item.id]);
  }
  await db.transaction().execute(async (trx) => {
    for (const [step, ids] of plain) {
      for (let i = 0; i < ids.length; i += 500) {
        await trx.updateTable('migration_item').set({ step }).where('job_id', '=', props.jobId).where('id', 'in', ids.slice(i, i + 500)).execute();
      }
    }
    for (let i = 0; i < withDigests.length; i += 200) {
      const values = sql.join(withDigests.slice(i, i + 200).map((d) => sql`(${d.id}, ${d.step}, ${d.sha256}, ${d.rowSha256}, ${String(d.bytes)})`));
      await sql`update migration_item set step = v.column2, sha256 = v.column3, row_sha256 = v.column4, bytes = cast(v.column5 as integer)
        from (values ${values}) as v where migration_item.job_id = ${props.jobId} and migration_item.id = v.column1`.execute(trx);
    }
  });
}

export async function deleteItems(db: Directory, jobId: string): Promise<void> {
  await db.deleteFrom('migration_item').where('job_id', '=', jobId).execute();
}

/**
 * The switch, in one directory transaction: the next placement version (the moved rules, fenced
 * until the catch-up is done), the job's new phase, and the record locations of the moved
 * records. Either all of it holds after a crash or none.
 */
export async function switchPlacement(db: Directory, props: {
  after: number;
  rules: readonly PlacementRule[];
  fence: readonly PlacementRule[];
  reason: string;
  job: { id: string; from: string; phase: string; state: unknown };
  locations: readonly { kind: string; id: string }[];
  cellId: string;
}): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await appendPlacementVersion(trx, { after: props.after, rules: props.rules, staging: [], fence: props.fence, reason: props.reason }))) return false;
    if (!(await updateJob(trx, props.job))) throw new Error(`migration ${props.job.id} left phase ${props.job.from} during its switch`);
    const byKind = new Map<string, string[]>();
    for (const loc of props.locations) {
      const ids = byKind.get(loc.kind);
      if (ids) ids.push(loc.id);
      else byKind.set(loc.kind, [loc.id]);
    }
    // One statement per 500 records: the switch's transaction is what the fence waits on first.
    for (const [kind, ids] of byKind) {
      for (let i = 0; i < ids.length; i += 500) {
        await trx.updateTable('record_location').set({ cell_id: props.cellId }).where('kind', '=', kind).where('id', 'in', ids.slice(i, i + 500)).execute();
      }
    }
    return true;
  });
}

/** Rows of `table` in a cell whose scope is `home` (not government class) and whose category is one of `categories` or below. */
export async function rowsToMove(db: Kysely<CellDatabase>, props: { table: PersonalTable; columns: readonly string[] | '*'; home: string; categories: readonly string[] }): Promise<Row[]> {
  const any = db as AnyDb;
  const from = any.selectFrom(props.table);
  return (await (props.columns === '*' ? from.selectAll() : from.select([...props.columns]))
    .where('scope_home', '=', props.home)
    .where('scope_class', '<>', 'government')
    .where((eb) => eb.or(props.categories.flatMap((c) => [eb('category', '=', c), eb('category', 'like', `${c}.%`)])))
    .execute()) as Row[];
}

function byKey<Q extends { where: (col: string, op: '=', value: unknown) => Q }>(query: Q, rowKey: readonly string[], values: readonly unknown[]): Q {
  let q = query;
  rowKey.forEach((c, i) => (q = q.where(c, '=', values[i])));
  return q;
}

/** The rows of `table` with these keys (any order; missing ones left out), in statements of at most 200 keys. */
export async function readRows(db: Kysely<CellDatabase>, props: { table: string; rowKey: readonly string[]; keys: readonly (readonly unknown[])[] }): Promise<Row[]> {
  const out: Row[] = [];
  for (let i = 0; i < props.keys.length; i += 200) {
    const chunk = props.keys.slice(i, i + 200);
    const query = (db as AnyDb).selectFrom(props.table).selectAll();
    const rows =
      props.rowKey.length === 1
        ? await query.where(props.rowKey[0] as string, 'in', chunk.map((k) => k[0])).execute()
        : await query.where((eb) => eb.or(chunk.map((k) => eb.and(props.rowKey.map((c, j) => eb(c, '=', k[j])))))).execute();
    out.push(...(rows as Row[]));
  }
  return out;
}

/** Lifts the switch's fence: the next placement version with the same rules, and the job's new phase, together. */
export async function liftFence(db: Directory, props: { after: number; rules: readonly PlacementRule[]; reason: string; job: { id: string; from: string; phase: string; state: unknown } }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await appendPlacementVersion(trx, { after: props.after, rules: props.rules, staging: [], reason: props.reason }))) return false;
    if (!(await updateJob(trx, props.job))) throw new Error(`migration ${props.job.id} left phase ${props.job.from} while its fence was lifted`);
    return true;
  });
}

/**
 * Writes many copies, of one table or several, in one transaction; a copy already there is
 * replaced. On SQLite, one statement per table prepared on the database's own handle and run per
 * row, synchronously (no Kysely query built, compiled and walked by the guard per 100 rows); the
 * statement passes no plugin, so each row is put to the residency guard's check here, inside the
 * transaction, as a Kysely insert's rows are when it runs. On PostgreSQL, one statement per 100 rows.
 */
export async function insertCopies(db: Kysely<CellDatabase>, props: { tables: readonly { table: string; rowKey: readonly string[]; rows: readonly Row[] }[]; placementColumns: readonly string[]; guard: Pick<ResidencyGuardPlugin, 'checkRow'> }): Promise<void> {
  const tables = props.tables.filter((t) => t.rows.length > 0);
  if (tables.length === 0) return;
  const updated = (columns: readonly string[], rowKey: readonly string[]) => columns.filter((c) => !rowKey.includes(c) && !props.placementColumns.includes(c));
  const sqlite = sqliteTransactionsOf(db);
  if (sqlite) {
    await sqlite.run(() => {
      for (const { table, rowKey, rows } of tables) {
        const columns = Object.keys(rows[0] as Row);
        const set = updated(columns, rowKey);
        const quote = (c: string) => `"${c}"`;
        const insert = sqlite.handle.prepare(
          `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict (${rowKey.map(quote).join(', ')}) do ${
            set.length > 0 ? `update set ${set.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'nothing'
          }`,
        );
        for (const row of rows) {
          props.guard.checkRow(table, (column) => row[column]);
          insert.run(columns.map((c) => row[c]));
        }
      }
    });
    return;
  }
  await retryTransient(() => (db as AnyDb).transaction().execute(async (trx) => {
    for (const { table, rowKey, rows } of tables) {
      const columns = updated(Object.keys(rows[0] as Row), rowKey);
      for (let i = 0; i < rows.length; i += 100) {
        await trx
          .insertInto(table)
          .values([...rows.slice(i, i + 100)])
          .onConflict((oc) =>
            columns.length > 0 ? oc.columns([...rowKey]).doUpdateSet((eb) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]))) : oc.columns([...rowKey]).doNothing(),
          )
          .execute();
      }
    }
  }));
}

export async function deleteRow(db: Kysely<CellDatabase>, props: { table: string; rowKey: readonly string[]; values: readonly unknown[] }): Promise<void> {
  await byKey((db as AnyDb).deleteFrom(props.table), props.rowKey, props.values).execute();
}

/**
 * Deletes the rows of `table` with these keys, in one transaction (a one-column key: one statement
 * per 500 rows). The engine's own deletes pass a source cell's seal (`installSeal`): the
 * transaction opens it first and closes it before it commits, so no other writer ever sees it open.
 */
export async function deleteRows(db: Kysely<CellDatabase>, props: { table: string; rowKey: readonly string[]; keys: readonly (readonly unknown[])[] }): Promise<void> {
  if (props.keys.length === 0) return;
  const [only, ...more] = props.rowKey;
  await retryTransient(() => (db as AnyDb).transaction().execute(async (trx) => {
    await sql`insert into migration_seal_open (opened_by) values ('migration engine')`.execute(trx);
    if (only !== undefined && more.length === 0) {
      for (let i = 0; i < props.keys.length; i += 500) await trx.deleteFrom(props.table).where(only, 'in', props.keys.slice(i, i + 500).map((k) => k[0])).execute();
    } else {
      for (const values of props.keys) await byKey(trx.deleteFrom(props.table), props.rowKey, values).execute();
    }
    await sql`delete from migration_seal_open`.execute(trx);
  }));
}

/** The subject and category pairs (`subject\u0000category`) among these subjects that still have rows in the cell that stay there (another scope). */
export async function pairsStaying(db: Kysely<CellDatabase>, props: { tables: readonly string[]; subjectIds: readonly string[]; home: string }): Promise<Set<string>> {
  const out = new Set<string>();
  for (const table of props.tables) {
    for (let i = 0; i < props.subjectIds.length; i += 500) {
      const rows = (await (db as AnyDb)
        .selectFrom(table)
        .select(['subject_id', 'category'])
        .distinct()
        .where('subject_id', 'in', props.subjectIds.slice(i, i + 500))
        .where((eb) => eb.or([eb('scope_home', '<>', props.home), eb('scope_class', '=', 'government')]))
        .execute()) as { subject_id: string; category: string }[];
      for (const r of rows) out.add(`${r.subject_id}\u0000${r.category}`);
    }
  }
  return out;
}

/** Writes a serving process's heartbeat and the oldest placement version its writes may act on. */
export async function beat(db: Directory, props: { id: string; placementVersion: number }): Promise<void> {
  const at = new Date().toISOString();
  await db
    .insertInto('serving_process')
    .values({ id: props.id, placement_version: props.placementVersion, heartbeat_at: at })
    .onConflict((oc) => oc.column('id').doUpdateSet({ placement_version: props.placementVersion, heartbeat_at: at }))
    .execute();
}

export async function forgetServing(db: Directory, id: string): Promise<void> {
  await db.deleteFrom('serving_process').where('id', '=', id).execute();
}

/** Serving processes whose heartbeat is newer than `sinceMs`. */
export async function servingProcesses(db: Directory, sinceMs: number): Promise<{ id: string; placementVersion: number }[]> {
  const rows = await db.selectFrom('serving_process').select(['id', 'placement_version']).where('heartbeat_at', '>', new Date(sinceMs).toISOString()).execute();
  return rows.map((r) => ({ id: r.id, placementVersion: Number(r.placement_version) }));
}

/** Jobs not finished, oldest first (their leases may be held: `claimLease` decides). */
export async function unfinishedJobIds(db: Directory | Transaction<DirectoryDatabase>): Promise<string[]> {
  const rows = await db.selectFrom('migration_job').select('id').where('phase', 'not in', ['done', 'aborted', 'failed']).orderBy('updated_at').execute();
  return rows.map((r) => r.id);
}

/** Counts and bytes of a job's items by step, for progress read from the directory. */
export async function itemProgress(db: Directory, jobId: string): Promise<{ step: string; n: number; bytes: number }[]> {
  const rows = await db
    .selectFrom('migration_item')
    .select(['step', sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(bytes), 0)`.as('bytes')])
    .where('job_id', '=', jobId)
    .groupBy('step')
    .execute();
  return rows.map((r) => ({ step: r.step, n: Number(r.n), bytes: Number(r.bytes) }));
}

/** A table a job's change capture watches: its name and the columns naming one row. */
export interface CapturedTable {
  readonly table: string;
  readonly rowKey: readonly string[];
}

const identifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
};

/**
 * Puts the change capture on a source cell's moving tables: every insert, update or delete of a row
 * of `home` adds its key to `migration_change` in the writer's own transaction (triggers, so the
 * raw message batch and any future writer are caught too). One transaction: triggers already there
 * (an older capture, one without delete triggers) are replaced with no moment a write goes
 * unrecorded. `fresh` also empties the change log (a new job lists its rows after this); without
 * it the changes recorded so far stay for the next catch-up (a running job's capture upgraded).
 */
export async function installChangeCapture(db: Kysely<CellDatabase>, props: { postgres: boolean; home: string; tables: readonly CapturedTable[]; fresh: boolean }): Promise<void> {
  if (!/^[A-Z]{2}$/.test(props.home)) throw new Error(`not a jurisdiction code: ${props.home}`);
  await retryTransient(() => db.transaction().execute(async (trx) => {
    await dropCaptureTriggers(trx, props);
    if (props.fresh) await sql`delete from migration_change`.execute(trx);
    if (props.postgres) {
      await sql`create or replace function migration_change_capture() returns trigger language plpgsql as $$
        declare r jsonb;
        begin
          if tg_op = 'DELETE' then r := to_jsonb(old); else r := to_jsonb(new); end if;
          insert into migration_change (table_name, row_key)
            select tg_table_name, jsonb_agg(r -> k order by i)::text from unnest(tg_argv) with ordinality as a(k, i);
          return null;
        end $$`.execute(trx);
    }
    for (const { table, rowKey } of props.tables) {
      const t = identifier(table);
      const keys = rowKey.map(identifier);
      const args = keys.map((k) => `'${k}'`).join(', ');
      if (props.postgres) {
        await sql
          .raw(`create trigger migration_change_${t} after insert or update on ${t} for each row when (new.scope_home = '${props.home}') execute function migration_change_capture(${args})`)
          .execute(trx);
        await sql
          .raw(`create trigger migration_change_${t}_delete after delete on ${t} for each row when (old.scope_home = '${props.home}') execute function migration_change_capture(${args})`)
          .execute(trx);
      } else {
        for (const on of ['insert', 'update', 'delete']) {
          const row = on === 'delete' ? 'old' : 'new';
          await sql
            .raw(`create trigger migration_change_${t}_${on} after ${on} on ${t} when ${row}.scope_home = '${props.home}' begin insert into migration_change (table_name, row_key) values ('${t}', json_array(${keys.map((k) => `${row}.${k}`).join(', ')})); end`)
            .execute(trx);
        }
      }
    }
  }));
}

async function dropCaptureTriggers(trx: Transaction<CellDatabase>, props: { postgres: boolean; tables: readonly CapturedTable[] }): Promise<void> {
  for (const { table } of props.tables) {
    const t = identifier(table);
    const names = props.postgres ? [`migration_change_${t} on ${t}`, `migration_change_${t}_delete on ${t}`] : ['insert', 'update', 'delete'].map((on) => `migration_change_${t}_${on}`);
    for (const name of names) await sql.raw(`drop trigger if exists ${name}`).execute(trx);
  }
}

/** Takes the change capture off the tables and empties the change log, in one transaction (idempotent). */
export async function removeChangeCapture(db: Kysely<CellDatabase>, props: { postgres: boolean; tables: readonly CapturedTable[] }): Promise<void> {
  await retryTransient(() => db.transaction().execute(async (trx) => {
    await dropCaptureTriggers(trx, props);
    await sql`delete from migration_change`.execute(trx);
  }));
}

/** The rows of one table a seal holds: of the moved home, in one of these (class, category) pairs. */
export interface SealedTable {
  readonly table: string;
  readonly keys: readonly { readonly scopeClass: string; readonly category: string }[];
}

const literal = (value: string): string => {
  if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`not a plain literal: ${value}`);
  return `'${value}'`;
};

/** The seal's triggers of one table, by name (PostgreSQL: `name on table`). */
const sealTriggers = (postgres: boolean, table: string): string[] => (postgres ? [`migration_seal_${table} on ${table}`] : [`migration_seal_${table}_update`, `migration_seal_${table}_delete`]);

/**
 * Seals a source cell after a migration's switch: an update or delete of a row that moved out
 * (`tables`' keys of `home`) is refused — SQLite `raise(abort)` with `sealRefusalMessage`,
 * PostgreSQL SQLSTATE `sealRefusalCode` — whoever runs it, in this process or another, also a
 * writer that still holds the row's old location. The residency guard sees inserts, but an update
 * names no row's scope: without the seal, such a write landing after the fenced catch-up read the
 * source would be lost (the move would not copy it again). Only the engine's own deletes pass
 * (`deleteRows`). Idempotent: a seal already there is replaced, in the same transaction.
 */
export async function installSeal(db: Kysely<CellDatabase>, props: { postgres: boolean; home: string; tables: readonly SealedTable[] }): Promise<void> {
  if (!/^[A-Z]{2}$/.test(props.home)) throw new Error(`not a jurisdiction code: ${props.home}`);
  await retryTransient(() => db.transaction().execute(async (trx) => {
    await dropSealTriggers(trx, props);
    if (props.postgres) {
      await sql`create or replace function migration_seal_refuse() returns trigger language plpgsql as $$
        begin
          if exists (select 1 from migration_seal_open) then
            if tg_op = 'DELETE' then return old; end if;
            return new;
          end if;
          raise exception '${sql.raw(sealRefusalMessage)}: % rows moved to another cell', tg_table_name using errcode = '${sql.raw(sealRefusalCode)}';
        end $$`.execute(trx);
    }
    for (const { table, keys } of props.tables) {
      if (keys.length === 0) continue;
      const t = identifier(table);
      const held = keys.map((k) => `(old.scope_class = ${literal(k.scopeClass)} and old.category = ${literal(k.category)})`).join(' or ');
      const moved = `old.scope_home = ${literal(props.home)} and (${held})`;
      if (props.postgres) {
        await sql.raw(`create trigger migration_seal_${t} before update or delete on ${t} for each row when (${moved}) execute function migration_seal_refuse()`).execute(trx);
      } else {
        for (const on of ['update', 'delete']) {
          await sql
            .raw(`create trigger migration_seal_${t}_${on} before ${on} on ${t} when ${moved} and not exists (select 1 from migration_seal_open) begin select raise(abort, '${sealRefusalMessage}: ${t} rows moved to another cell'); end`)
            .execute(trx);
        }
      }
    }
  }));
}

async function dropSealTriggers(trx: Transaction<CellDatabase>, props: { postgres: boolean; tables: readonly { table: string }[] }): Promise<void> {
  for (const { table } of props.tables) for (const name of sealTriggers(props.postgres, identifier(table))) await sql.raw(`drop trigger if exists ${name}`).execute(trx);
}

/** Takes a source cell's seal off (idempotent): once the moved rows are deleted it has nothing left to hold. */
export async function removeSeal(db: Kysely<CellDatabase>, props: { postgres: boolean; tables: readonly { table: string }[] }): Promise<void> {
  await retryTransient(() => db.transaction().execute((trx) => dropSealTriggers(trx, props)));
}

/** The changes captured and not yet taken, oldest first. */
export async function readChanges(db: Kysely<CellDatabase>): Promise<{ seq: number; table: string; rowKey: unknown[] }[]> {
  const rows = await (db as AnyDb).selectFrom('migration_change').select(['seq', 'table_name', 'row_key']).orderBy('seq').execute();
  return (rows as { seq: number | string; table_name: string; row_key: string }[]).map((r) => ({ seq: Number(r.seq), table: r.table_name, rowKey: JSON.parse(r.row_key) as unknown[] }));
}

/**
 * Forgets the changes a pass has copied, by their numbers (not "up to": on PostgreSQL a smaller
 * number may commit after a larger one was read, and is taken by the next pass).
 */
export async function forgetChanges(db: Kysely<CellDatabase>, seqs: readonly number[]): Promise<void> {
  for (let i = 0; i < seqs.length; i += 500) await (db as AnyDb).deleteFrom('migration_change').where('seq', 'in', seqs.slice(i, i + 500)).execute();
}

/** The job's items with these ids (any order; ids not listed are left out). */
export async function itemsWithIds(db: Directory, props: { jobId: string; ids: readonly string[] }): Promise<MigrationItemRow[]> {
  const out: MigrationItemRow[] = [];
  for (let i = 0; i < props.ids.length; i += 500) {
    out.push(...(await db.selectFrom('migration_item').selectAll().where('job_id', '=', props.jobId).where('id', 'in', props.ids.slice(i, i + 500)).execute()));
  }
  return out;
}
