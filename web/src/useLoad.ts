// Loading data for a screen: fetched once on mount, again on `reload`; a fetch that returns after
// the screen went away or reloaded is ignored.
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from './http.js';

/** Loads once on mount; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let cancelled = false;
    setError(null);
    load().then(
      (d) => {
        if (!cancelled) setData(d);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
    // `load` is a fixed call per screen; reloading is driven by `round` alone.
  }, [round]);
  return { data, error, reload: useCallback(() => setRound((r) => r + 1), []) };
}
