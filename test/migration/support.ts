// Shared by the migration tests that write a configuration file (for a spawned server or process).
import type { Dialect } from '../../src/db/connect.js';
import { freshMigratedPostgresUrl } from '../support/pg-template.js';

/** The cells jp and kr and the directory on `dialect`: nothing to add for SQLite files in the data folder, or fresh PostgreSQL databases. */
export async function storesOn(dialect: Dialect) {
  if (dialect === 'sqlite') return {};
  return {
    cells: [
      { id: 'jp', jurisdiction: 'JP', database: await freshMigratedPostgresUrl({ cell: 'jp' }, 'jp') },
      { id: 'kr', jurisdiction: 'KR', database: await freshMigratedPostgresUrl({ cell: 'kr' }, 'kr') },
    ],
    directory: { database: await freshMigratedPostgresUrl('directory', 'directory') },
  };
}
