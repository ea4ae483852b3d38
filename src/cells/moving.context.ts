// What a region migration's fence needs to know about the writes of this process: whether the
// code running is the migration engine (the one writer a fence lets through, even when it runs
// inside a serving process beside ordinary writes), and which placement version each write in
// flight started under (the engine waits until no write of an older version can still land in a
// source before it catches up); and how to tell a source cell's seal refusing a write of a row
// that has moved.
import { AsyncLocalStorage } from 'node:async_hooks';

const engine = new AsyncLocalStorage<true>();

/** What the tracking reads of a cell registry: the placement version in force (structural, to keep the guard's imports acyclic). */
interface VersionedCells {
  readonly placement: { readonly version: number };
}

/** Runs `fn` as the migration engine: its writes pass a fence (the residency guard asks `isMigrationEngine`). */
export function asMigrationEngine<T>(fn: () => Promise<T>): Promise<T> {
  return engine.run(true, fn);
}

export function isMigrationEngine(): boolean {
  return engine.getStore() === true;
}

const inFlight = new WeakMap<VersionedCells, Map<symbol, number>>();

/** Counts `write` as in flight under the placement version in force when it starts. */
export async function trackWrite<T>(cells: VersionedCells, write: () => Promise<T>): Promise<T> {
  const writes = inFlight.get(cells) ?? new Map<symbol, number>();
  inFlight.set(cells, writes);
  const token = Symbol('write');
  writes.set(token, cells.placement.version);
  try {
    return await write();
  } finally {
    writes.delete(token);
  }
}

/**
 * The oldest placement version a write of this process may still act on: the version in force,
 * or older while a write that started under an older one is in flight.
 */
export function oldestWriteVersion(cells: VersionedCells): number {
  let oldest = cells.placement.version;
  for (const v of inFlight.get(cells)?.values() ?? []) oldest = Math.min(oldest, v);
  return oldest;
}

/** What a source cell's seal (a migration's triggers, migration.repository.ts `installSeal`) raises: the SQLite message's start… */
export const sealRefusalMessage = 'domicile:moved';
/** …and PostgreSQL's SQLSTATE. */
export const sealRefusalCode = 'DMV01';

/** Whether `err` is a database's refusal by a source cell's seal: a write of a row that has moved to another cell. */
export function isSealRefusal(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === sealRefusalCode || (typeof message === 'string' && message.startsWith(sealRefusalMessage));
}
