// What a region migration's fence needs to know about the writes of this process: whether the
// code running is the migration engine (the one writer a fence lets through, even when it runs
// inside a serving process beside ordinary writes), and which placement version each write in
// flight started under (the engine waits until no write of an older version can still land in a
// source before it catches up).
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
