// Transient conflicts of PostgreSQL: of two transactions that wait on each other (a deadlock) or
// that serializable isolation cannot order, the server aborts one. The aborted one changed
// nothing and succeeds when run again, so the writers that share a cell with the migration
// engine (which puts triggers on the tables people write) run it again instead of failing the
// request with a 500.
const transientCodes = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
]);

export function isTransientConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && transientCodes.has(String((err as { code?: unknown }).code));
}

/** How many times a transaction aborted by a transient conflict is run, in all. */
export const transientAttempts = 5;

/** Runs `attempt` again (after a short random pause, so the two sides do not meet again) while it fails with a transient conflict. */
export async function retryTransient<T>(attempt: () => Promise<T>, attempts = transientAttempts): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= attempts || !isTransientConflict(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * n));
    }
  }
}
