// Test databases on both dialects: every storage test loops over these, so the same SQL-backed
// code is proven on SQLite and on a real PostgreSQL cluster.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

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
