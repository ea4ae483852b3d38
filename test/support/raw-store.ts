// Reads a cell's or the directory's stored rows below every API, on either dialect: a SQLite file
// opened read-only for each look (as someone holding the disk would), or a PostgreSQL database over
// a connection of its own. For tests that check what is (or is no longer) stored while a server
// they kill writes the same database.
import pg from 'pg';
import { dialectOf } from '../../src/db/connect.js';
import { rawRows } from './raw-file.js';

export interface RawStore {
  rows<T>(query: string): Promise<T[]>;
  close(): Promise<void>;
}

export function rawStore(url: string): RawStore {
  if (dialectOf(url) === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    return { rows: async <T>(query: string) => rawRows<T>(file, query), close: async () => undefined };
  }
  // One connection, opened at the first look: a server killed with -9 does not take it down.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    rows: async <T>(query: string) => (await pool.query(query)).rows as T[],
    close: () => pool.end(),
  };
}
