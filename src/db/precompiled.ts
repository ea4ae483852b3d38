// Queries built and compiled once, then run with new values: building and compiling a Kysely
// query cost more than running it on the message hot path. The query is built with a placeholder
// per slot, so plugins (the residency guard) see its shape once, at compile time; each run only
// puts the values in the placeholders' places. Values that decide a query's shape (how many rows,
// which columns) must be part of what the caller caches by, never a slot.
import type { Compilable, CompiledQuery } from 'kysely';

const slotTag = '\u0000slot:';

/** A placeholder for slot i, typed as the value it stands for (a string until then). */
export type Slot = <T = string>(i: number) => T;

/** Builds the query once with `slot(i)` placeholders; returns a function giving it with `values[i]` in slot i. */
export function precompile<R>(build: (slot: Slot) => Compilable<R>): (values: readonly unknown[]) => CompiledQuery<R> {
  const compiled = build(<T>(i: number) => `${slotTag}${i}` as T).compile();
  const slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(slotTag) ? Number(p.slice(slotTag.length)) : -1));
  return (values) => ({ ...compiled, parameters: slots.map((slot, k) => (slot < 0 ? compiled.parameters[k] : values[slot])) });
}

/** The smallest power of two ≥ n: precompiled shapes by size are few when sizes are rounded up to it. */
export function sizeClass(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}
