// Snapshots of every stored table (each cell and the directory) to prove that a refused request
// wrote nothing (invariant 8). Each table becomes a digest of its sorted rows, on either dialect.
import crypto from 'node:crypto';
import type { Runtime } from '../../src/app/runtime.js';

export type Snapshot = ReadonlyMap<string, string>;

interface Introspectable {
  introspection: { getTables(): Promise<{ name: string; schema?: string }[]> };
  selectFrom(table: never): { selectAll(): { execute(): Promise<unknown[]> } };
}

const plain = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value);

// Table names per database, read once (introspection is slow on PostgreSQL); a test that makes
// tables after its first snapshot takes a new runtime.
const tableNames = new WeakMap<object, Promise<string[]>>();

async function digestTables(label: string, db: Introspectable, out: Map<string, string>): Promise<void> {
  let names = tableNames.get(db);
  if (!names) tableNames.set(db, (names = db.introspection.getTables().then((tables) => tables.map((t) => t.name))));
  await Promise.all(
    (await names).map(async (name) => {
      const rows = await db.selectFrom(name as never).selectAll().execute();
      const lines = rows.map((r) => JSON.stringify(r, plain)).sort();
      out.set(`${label}.${name}`, crypto.createHash('sha256').update(lines.join('\n')).digest('hex'));
    }),
  );
}

/** A digest per table of every cell database and of the directory. */
export async function snapshotStores(runtime: Runtime): Promise<Snapshot> {
  const out = new Map<string, string>();
  for (const cell of runtime.cells.all()) await digestTables(cell.id, cell.db as unknown as Introspectable, out);
  await digestTables('directory', runtime.directory.db as unknown as Introspectable, out);
  return out;
}

/** Tables whose content differs between two snapshots (or exists in only one). */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}
