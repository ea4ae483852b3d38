// Template databases on the run's PostgreSQL cluster: the cell migrations (per cell id, as their
// checks name the cell) and the directory migrations are applied once per run, in the global
// setup, and each test server's database is a copy (`CREATE DATABASE … TEMPLATE …`). Running the
// ~20 migrations on every fresh PostgreSQL database cost more CPU than the test that used it.
// A copy carries the schema and the migration bookkeeping only: no cell identity, key or login
// secret, which each server still writes when it opens its copy.
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { cellSchema, directoryMigrations } from '../../src/app/schema.js';

/** The cell ids test servers and cell factories use; other ids get an empty database. */
export const templateCellIds = ['jp', 'kr'] as const;

export type TemplateKind = { cell: string } | 'directory';

function templateName(kind: TemplateKind): string {
  return kind === 'directory' ? 'template_directory' : `template_cell_${kind.cell}`;
}

export function hasTemplate(kind: TemplateKind): boolean {
  return kind === 'directory' || (templateCellIds as readonly string[]).includes(kind.cell);
}

async function adminQuery(baseUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${baseUrl}/postgres` });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Builds the templates (global setup); every connection to them is closed when it returns. */
export async function createTemplates(baseUrl: string): Promise<void> {
  const kinds: TemplateKind[] = ['directory', ...templateCellIds.map((cell) => ({ cell }))];
  await Promise.all(
    kinds.map(async (kind) => {
      const name = templateName(kind);
      await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
      const db = openDatabase({ url: `${baseUrl}/${name}`, poolSize: 1 });
      try {
        await migrateToLatest(db, kind === 'directory' ? directoryMigrations : cellSchema.migrations(kind.cell));
      } finally {
        await db.destroy();
      }
      await adminQuery(baseUrl, `ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    }),
  );
}

/** A fresh PostgreSQL database with the migrations of `kind` already applied. */
export async function freshMigratedPostgresUrl(kind: TemplateKind, label: string): Promise<string> {
  const base = inject('pgBaseUrl');
  const name = `${label}_${crypto.randomBytes(5).toString('hex')}`;
  // FILE_COPY copies the template's few files at once; the default (WAL_LOG) writes every block
  // through the WAL, several times the work for a database this small.
  await adminQuery(base, `CREATE DATABASE ${name} TEMPLATE ${templateName(kind)} STRATEGY FILE_COPY`);
  return `${base}/${name}`;
}
