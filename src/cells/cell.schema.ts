// How domains add to the schema of every cell and of the directory. Each domain owns its tables
// (`*.tables.ts`) and its migrations folder, and describes them as a schema part; the app
// composes the parts (src/app/schema.ts) and the one migration runner (src/db/migrate.ts) runs
// them in the order of their names. The personal tables listed here are exactly what the
// residency guard and the residency scan cover.
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { CellDatabase, PersonalColumns } from './cell.database.js';

// Migrations take Kysely<any> by design (Kysely's guidance): they describe the schema as it was.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;

/** The cell tables whose rows are personal data (they carry the personal columns). */
export type PersonalTable = { [K in keyof CellDatabase]: CellDatabase[K] extends PersonalColumns ? K : never }[keyof CellDatabase];

export interface CellSchemaPart {
  readonly name: string;
  /** Migrations by name; names sort globally across parts (`0005_pay`), so pick the next number. */
  readonly migrations: (cellId: string) => Readonly<Record<string, Migration>>;
  /** Personal-data tables of the part, each with the columns that name one row. */
  readonly personalTables?: Readonly<Partial<Record<PersonalTable, readonly string[]>>>;
  /**
   * The data categories each personal table holds (every one of the part's personal tables):
   * the residency guard refuses a row of another category, so a migration's fence can hold only
   * the tables that hold the categories it moves.
   */
  readonly tableCategories?: Readonly<Partial<Record<PersonalTable, readonly string[]>>>;
  /** Text columns stored sealed by the cell's key ring (the part's own personal tables). */
  readonly sealedColumns?: Readonly<Partial<Record<PersonalTable, readonly string[]>>>;
  /** The personal table whose rows own the blob store's files (sealed too), keyed by its `id`. */
  readonly blobTable?: PersonalTable;
}

/** A text column stored sealed: the row's key columns, joined by `/`, are its record id. */
export interface SealedColumn {
  readonly table: PersonalTable;
  readonly column: string;
  readonly rowKey: readonly string[];
}

export interface DirectorySchemaPart {
  readonly name: string;
  readonly migrations: Readonly<Record<string, Migration>>;
}

export interface CellSchema {
  migrations(cellId: string): Record<string, Migration>;
  readonly personalTables: readonly PersonalTable[];
  /** The columns that name one row of a personal table (for reports of violations). */
  rowKey(table: PersonalTable): readonly string[];
  /** The data categories a personal table holds (exact names; empty for a table that is not personal). */
  categoriesOf(table: string): readonly string[];
  readonly sealedColumns: readonly SealedColumn[];
  /** The personal table that owns the blob files, or null when no part has blobs. */
  readonly blobTable: PersonalTable | null;
}

function mergeMigrations(parts: readonly { name: string; migrations: Readonly<Record<string, Migration>> }[]): Record<string, Migration> {
  const out: Record<string, Migration> = {};
  for (const part of parts) {
    for (const [name, migration] of Object.entries(part.migrations)) {
      if (name in out) throw new Error(`schema part ${part.name}: migration name ${name} is taken by another part`);
      out[name] = migration;
    }
  }
  return out;
}

export function composeCellSchema(parts: readonly CellSchemaPart[]): CellSchema {
  const keys = new Map<PersonalTable, readonly string[]>();
  for (const part of parts) {
    for (const [table, key] of Object.entries(part.personalTables ?? {}) as [PersonalTable, readonly string[]][]) {
      if (keys.has(table)) throw new Error(`schema part ${part.name}: table ${table} is declared by another part`);
      keys.set(table, key);
    }
  }
  const held = new Map<string, readonly string[]>();
  for (const part of parts) {
    for (const table of Object.keys(part.personalTables ?? {})) {
      const list = part.tableCategories?.[table as PersonalTable];
      if (!list || list.length === 0) throw new Error(`schema part ${part.name}: personal table ${table} names no categories (tableCategories)`);
      held.set(table, list);
    }
    for (const table of Object.keys(part.tableCategories ?? {})) {
      if (!(table in (part.personalTables ?? {}))) throw new Error(`schema part ${part.name}: tableCategories names ${table}, not one of its personal tables`);
    }
  }
  mergeMigrations(parts.map((p) => ({ name: p.name, migrations: p.migrations('check') })));
  const rowKey = (table: PersonalTable) => keys.get(table) ?? ['id'];
  const sealedColumns = parts.flatMap((part) =>
    Object.entries(part.sealedColumns ?? {}).flatMap(([table, columns]) => {
      if (!keys.has(table as PersonalTable)) throw new Error(`schema part ${part.name}: sealed table ${table} is not a personal table`);
      return (columns ?? []).map((column) => ({ table: table as PersonalTable, column, rowKey: rowKey(table as PersonalTable) }));
    }),
  );
  const blobTables = parts.flatMap((p) => (p.blobTable ? [p.blobTable] : []));
  if (blobTables.length > 1) throw new Error(`only one schema part may own the blob store (${blobTables.join(', ')})`);
  return {
    migrations: (cellId) => mergeMigrations(parts.map((p) => ({ name: p.name, migrations: p.migrations(cellId) }))),
    personalTables: [...keys.keys()],
    rowKey,
    categoriesOf: (table) => held.get(table) ?? [],
    sealedColumns,
    blobTable: blobTables[0] ?? null,
  };
}

export function composeDirectoryMigrations(parts: readonly DirectorySchemaPart[]): Record<string, Migration> {
  return mergeMigrations(parts);
}

/**
 * The personal columns on a new table. The CHECK on cell_id pins every row to the cell the
 * migration ran in, so even SQL that bypasses the repositories cannot write another cell's id.
 */
export function withPersonalColumns<T extends string>(table: CreateTableBuilder<T, never>, cellId: string): CreateTableBuilder<T, keyof PersonalColumns> {
  return table
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('subject_home', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('cell_id', 'text', (c) => c.notNull().check(sql`cell_id = ${sql.lit(cellId)}`))
    .addColumn('scope_home', 'text', (c) => c.notNull())
    .addColumn('scope_class', 'text', (c) => c.notNull());
}
