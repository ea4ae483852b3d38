// SQL of migration requests (the two-person rule for large moves): insert, read, list, and the
// conditional decision, each write in one directory transaction with the caller's journal event.
import type { Selectable, Transaction } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import type { MigrationRequestTable } from './approval.tables.js';
import type { MigrationDirectoryDb } from './migration.repository.js';

export type MigrationRequestRow = Selectable<MigrationRequestTable>;
type Trx = Transaction<DirectoryDatabase>;
/** A write that must commit with the change (a journal event). */
export type AlsoWrite = (trx: Trx) => Promise<unknown>;

const normal = (row: MigrationRequestRow): MigrationRequestRow => ({ ...row, subjects: Number(row.subjects), records: Number(row.records), bytes: Number(row.bytes), grace_seconds: Number(row.grace_seconds) });

export async function insertRequest(db: MigrationDirectoryDb, row: MigrationRequestRow, also: AlsoWrite): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('migration_request').values(row).execute();
    await also(trx);
  });
}

export async function readRequest(db: MigrationDirectoryDb, id: string): Promise<MigrationRequestRow | null> {
  const row = await db.selectFrom('migration_request').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? normal(row) : null;
}

export async function listRequests(db: MigrationDirectoryDb, limit: number): Promise<MigrationRequestRow[]> {
  return (await db.selectFrom('migration_request').selectAll().orderBy('requested_at', 'desc').orderBy('id').limit(limit).execute()).map(normal);
}

type Decision = { id: string; from: string; status: string; by: string | null; at: string | null; jobId: string | null };

/** Moves a request from `from` to its decision; false when it was no longer `from` (another decision won). */
export async function decideRequest(db: MigrationDirectoryDb, props: Decision, also: AlsoWrite | null): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await decideIn(trx, props))) return false;
    if (also) await also(trx);
    return true;
  });
}

/** The same decision inside the caller's transaction (an approval that commits with the job it starts). */
export async function decideIn(trx: Trx, props: Decision): Promise<boolean> {
  const result = await trx
    .updateTable('migration_request')
    .set({ status: props.status, decided_by: props.by, decided_at: props.at, job_id: props.jobId })
    .where('id', '=', props.id)
    .where('status', '=', props.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A journal event alone, in its own transaction (a start that needed no approval). */
export async function journalOnly(db: MigrationDirectoryDb, also: AlsoWrite): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await also(trx);
  });
}

/** Requests older code left approved without a job (it committed the decision before starting the job), oldest first. */
export async function approvedWithoutJob(db: MigrationDirectoryDb): Promise<MigrationRequestRow[]> {
  return (await db.selectFrom('migration_request').selectAll().where('status', '=', 'approved').where('job_id', 'is', null).orderBy('requested_at').orderBy('id').execute()).map(normal);
}

/** Links the job started for such a request, in the job's transaction; false when another process linked one first. */
export async function linkJobIn(trx: Trx, props: { id: string; jobId: string }): Promise<boolean> {
  const result = await trx.updateTable('migration_request').set({ job_id: props.jobId }).where('id', '=', props.id).where('status', '=', 'approved').where('job_id', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Puts such a request back to pending, for a second admin to approve again, with `also` (its journal event); false when it has a job by now. */
export async function reopenUnstarted(db: MigrationDirectoryDb, id: string, also: AlsoWrite): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('migration_request')
      .set({ status: 'pending', decided_by: null, decided_at: null })
      .where('id', '=', id)
      .where('status', '=', 'approved')
      .where('job_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await also(trx);
    return true;
  });
}
