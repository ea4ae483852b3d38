// Reads a SQLite cell file directly, as someone holding the disk would: for tests that check what
// is (or is no longer) stored, below every API.
import Database from 'better-sqlite3';

export function rawRows<T>(file: string, query: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}
