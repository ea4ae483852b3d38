// The one migration runner: runs the migrations the domains' schema parts collected, in the
// order of their names, at start; a failed migration stops the process rather than serve a half
// schema. A part added later may bring a migration whose name sorts before ones already run
// (cells' `0000_cell_meta`), so unordered migrations are allowed and must be idempotent.
import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

export async function migrateToLatest<DB>(db: Kysely<DB>, migrations: Record<string, Migration>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
