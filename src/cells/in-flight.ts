// Bounded concurrency for bulk file and row work (the blob store's bulk writes, a migration's
// copy): `fn` over a list with at most `width` calls in flight, each started as soon as one ends
// (not in lockstep groups: one slow call does not hold the others back).

/**
 * Runs `fn` over `list`, `width` calls in flight. With `yieldEveryMs`, each lane gives the event
 * loop a turn after that much time, so synchronous work between awaits (sealing, SQLite) does not
 * hold the serving process's other work back.
 */
export async function inFlight<T>(list: readonly T[], width: number, fn: (t: T) => Promise<void>, options: { yieldEveryMs?: number } = {}): Promise<void> {
  const { yieldEveryMs } = options;
  let next = 0;
  let since = performance.now();
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      await fn(list[next++] as T);
      if (yieldEveryMs !== undefined && performance.now() - since > yieldEveryMs) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, list.length) }, lane));
}
