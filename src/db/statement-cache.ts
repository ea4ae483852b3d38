// Prepared statements kept per SQL text for a better-sqlite3 connection. Kysely's SQLite driver
// prepares every query it runs; on the message hot path that compile step cost more than running
// the statement (bench/RESULTS.md). Reusing a statement is what SQLite is built for: a schema
// change makes SQLite compile it again by itself. Only data statements and transaction control
// are kept (DDL runs once), at most `limit` texts, least recently used first out.
import type Database from 'better-sqlite3';

/** What Kysely's SqliteDialect needs of a database: `prepare` and `close`. */
export interface PreparingDatabase {
  prepare(sql: string): Database.Statement;
  close(): void;
}

const cacheable = /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release)\b/i;

export function cachingStatements(db: Database.Database, limit = 1000): PreparingDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      const hit = statements.get(sql);
      // A statement still iterating (a streamed select) cannot run again until it is done.
      if (hit && !hit.busy) {
        statements.delete(sql);
        statements.set(sql, hit);
        return hit;
      }
      const statement = db.prepare(sql);
      if (hit || !cacheable.test(sql)) return statement;
      statements.set(sql, statement);
      if (statements.size > limit) statements.delete(statements.keys().next().value as string);
      return statement;
    },
    close() {
      statements.clear();
      db.close();
    },
  };
}
