// Opens a Kysely instance for a database URL: `sqlite:<file>` (better-sqlite3, WAL, durable
// commits) or `postgres://…` (pg pool). The only place that knows which driver backs a URL.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { cachingStatements } from './statement-cache.js';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection, type Dialect as KyselyDialect, type Driver, type KyselyPlugin, type RootOperationNode } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

const loadPackage = createRequire(import.meta.url);
/**
 * The PostgreSQL driver, loaded when a `postgres://` URL is first opened: a process on SQLite cells
 * (the embedded default, every CLI word) does not pay for loading it. `pg` is CommonJS, so it loads
 * synchronously.
 */
export function loadPg(): typeof pg {
  return loadPackage('pg') as typeof pg;
}

/**
 * SQLite transactions that take the write lock when they begin (`begin immediate`). A deferred
 * transaction that reads, then writes, while another process (a CLI migration, shred or key
 * rotation on the same file) has committed in between fails at once with SQLITE_BUSY — the busy
 * timeout does not apply to that upgrade — and the request answered 500. Taking the lock first
 * makes the second writer wait up to the busy timeout instead.
 */
class WriteLockingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * A plugin with checks whose answer can change after a query was compiled (the residency guard's
 * placement and a migration's fence): asked again just before every statement runs, also one
 * compiled once and run many times (src/db/precompiled.ts), where `transformQuery` ran only once.
 */
export interface ExecutionCheck {
  checkExecution(query: RootOperationNode): void;
  /** A database error that is this check's refusal raised by the database itself (a trigger), as the error callers should see; else null. */
  refusalOf?(err: unknown): Error | null;
}

const isExecutionCheck = (plugin: KyselyPlugin): plugin is KyselyPlugin & ExecutionCheck =>
  typeof (plugin as Partial<ExecutionCheck>).checkExecution === 'function';

/**
 * `dialect` whose connections ask the checks before each statement they run (the query kept in its
 * compiled form), and let them name a refusal the database raised for them.
 */
function checkedDialect(dialect: KyselyDialect, checks: readonly ExecutionCheck[]): KyselyDialect {
  const check = (query: RootOperationNode): void => checks.forEach((c) => c.checkExecution(query));
  const refusal = (err: unknown): unknown => {
    for (const c of checks) {
      const named = c.refusalOf?.(err);
      if (named) return named;
    }
    return err;
  };
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver() {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      const checked = new WeakSet<DatabaseConnection>();
      driver.acquireConnection = async () => {
        const connection = await acquire();
        if (!checked.has(connection)) {
          checked.add(connection);
          const execute = connection.executeQuery.bind(connection);
          const stream = connection.streamQuery.bind(connection);
          connection.executeQuery = <R>(query: CompiledQuery) => {
            try {
              check(query.query);
            } catch (err) {
              return Promise.reject(err);
            }
            return execute<R>(query).catch((err: unknown) => {
              throw refusal(err);
            });
          };
          connection.streamQuery = (query, chunkSize) => {
            check(query.query);
            return stream(query, chunkSize);
          };
        }
        return connection;
      };
      return driver;
    },
  };
}

/** The file behind each SQLite database opened here (`:memory:` for an in-memory one). */
const sqliteFiles = new WeakMap<object, string>();

/** The file of a SQLite database opened by `openDatabase`; null for PostgreSQL. */
export function sqliteFileOf(db: object): string | null {
  return sqliteFiles.get(db) ?? null;
}

/** The better-sqlite3 handle behind each SQLite database opened here. */
const sqliteHandles = new WeakMap<object, Database.Database>();

/**
 * The better-sqlite3 handle of a SQLite database opened by `openDatabase`; null for PostgreSQL.
 * Use it only through `sqliteTransaction` (db/sqlite-transaction.ts), which holds Kysely's
 * connection meanwhile: statements run on it pass no Kysely plugin, so their caller checks rows itself.
 */
export function sqliteHandleOf(db: object): Database.Database | null {
  return sqliteHandles.get(db) ?? null;
}

export function dialectOf(url: string): Dialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

/**
 * Pages of WAL past which a commit checkpoints it (SQLite's default: 1,000), on every connection to a
 * file, the message writer's worker included (its options): fewer, larger checkpoints copy a page
 * that many commits rewrote (a conversation's row, its index pages) once, and each syncs twice.
 */
export const walAutoCheckpointPages = 4000;

export interface OpenDatabaseProps {
  url: string;
  plugins?: KyselyPlugin[];
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export function openDatabase<DB>(props: OpenDatabaseProps): Kysely<DB> {
  const plugins = props.plugins ?? [];
  const checks = plugins.filter(isExecutionCheck);
  const checking = (dialect: KyselyDialect): KyselyDialect =>
    checks.length === 0 ? dialect : checkedDialect(dialect, checks);
  if (dialectOf(props.url) === 'sqlite') {
    const file = props.url.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // FULL makes every acknowledged commit survive power loss and kill -9 (invariant 7).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Deleted content is overwritten, not left in free pages: a shredded key leaves no copy.
    db.pragma('secure_delete = ON');
    // As the message writer's worker connection (message.writer.worker.ts): a longer WAL between
    // checkpoints, copying a page many commits rewrote once; the same on both connections, so a
    // commit here does not checkpoint (two syncs on the event loop) while the WAL is between them.
    db.pragma(`wal_autocheckpoint = ${walAutoCheckpointPages}`);
    const kysely = new Kysely<DB>({ dialect: checking(new WriteLockingSqliteDialect({ database: cachingStatements(db) })), plugins });
    sqliteFiles.set(kysely, file === ':memory:' ? file : path.resolve(file));
    sqliteHandles.set(kysely, db);
    return kysely;
  }
  const { Pool, types } = loadPg();
  const pool = new Pool({
    connectionString: props.url,
    max: props.poolSize ?? 10,
    // int8 counts come back as strings by default; our counts fit in a double.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : types.getTypeParser(oid, format),
    } as pg.CustomTypesConfig,
  });
  return new Kysely<DB>({ dialect: checking(new PostgresDialect({ pool })), plugins });
}
