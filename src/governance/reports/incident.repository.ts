// SQL of the incidents table in the directory; the same queries run on SQLite and PostgreSQL.
import type { Kysely, Selectable } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import type { DirectoryIncidentTable } from './incident.tables.js';

export type IncidentRow = Selectable<DirectoryIncidentTable>;

export async function insertIncident(db: Kysely<DirectoryDatabase>, row: IncidentRow): Promise<void> {
  await db.insertInto('incident').values(row).execute();
}

export async function findIncidentRow(db: Kysely<DirectoryDatabase>, id: string): Promise<IncidentRow | null> {
  return (await db.selectFrom('incident').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Newest known first. */
export async function listIncidentRows(db: Kysely<DirectoryDatabase>, limit: number): Promise<IncidentRow[]> {
  return db.selectFrom('incident').selectAll().orderBy('known_at', 'desc').orderBy('id').limit(limit).execute();
}
