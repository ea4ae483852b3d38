// Test databases on both dialects: every storage test loops over these, so the same SQL-backed
// code is proven on SQLite and on a real PostgreSQL cluster.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { dialectOf, type Dialect } from '../../src/db/connect.js';

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * The dialect DOMICILE_TEST_DB asks the end-to-end and browser tests to run their servers on
 * (the PostgreSQL pass in vitest.config.ts sets it). A value this harness does not know is an
 * error, so a typo cannot quietly run the pass on SQLite.
 */
export function requestedTestDialect(): Dialect {
  const asked = process.env.DOMICILE_TEST_DB;
  if (asked === undefined || asked === '' || asked === 'sqlite') return 'sqlite';
  if (asked === 'postgres') return 'postgres';
  throw new Error(`DOMICILE_TEST_DB=${asked} is not a dialect the tests know: use postgres or sqlite`);
}

/**
 * Fails loudly when DOMICILE_TEST_DB=postgres asks for PostgreSQL and a server (in-process or
 * spawned) would store anything in SQLite: a file in the PostgreSQL pass that quietly ran on
 * SQLite would prove nothing about PostgreSQL.
 */
export function assertRequestedDialect(config: { cells: readonly { id: string; database: string }[]; directoryDatabase: string }, what: string): void {
  if (requestedTestDialect() !== 'postgres') return;
  const stores = [...config.cells.map((c) => ({ name: `cell ${c.id}`, url: c.database })), { name: 'the directory', url: config.directoryDatabase }];
  const onSqlite = stores.filter((s) => dialectOf(s.url) !== 'postgres').map((s) => s.name);
  if (onSqlite.length > 0) {
    throw new Error(`DOMICILE_TEST_DB=postgres, but ${what} keeps ${onSqlite.join(', ')} in SQLite: give it PostgreSQL databases or take the file out of the PostgreSQL pass (vitest.config.ts)`);
  }
}

/** A fresh, empty database URL of the given dialect. */
export async function freshDatabaseUrl(dialect: Dialect, label = 'db'): Promise<string> {
  const name = `${label}_${crypto.randomBytes(5).toString('hex')}`;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-sqlite-'));
    return `sqlite:${path.join(dir, `${name}.sqlite`)}`;
  }
  const base = inject('pgBaseUrl');
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `${base}/${name}`;
}

export function tempDir(label = 'domicile'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}
