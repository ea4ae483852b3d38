// The console panels' one way to load what they show and run what they do. `useOpsAction`: the
// last error with its stable code, which action is running (`busy`, to disable buttons), and
// `run` for an action that clears the error, marks itself busy and reports its failure instead of
// throwing. `useOpsData` adds the data, loaded on mount and whenever `deps` change (only when
// `enabled`); a load that answers after a newer one started, or after the panel went away, is
// ignored.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { errorMessageWithCode } from '../http.js';

export interface OpsAction {
  error: string | null;
  setError: (message: string | null) => void;
  /** The label of the action running, or null. */
  busy: string | null;
  /** Runs an action; true when it succeeded, false when it failed (its error is shown). */
  run: (label: string, action: () => Promise<void>) => Promise<boolean>;
}

export interface OpsData<T> extends OpsAction {
  data: T | null;
  setData: (update: (current: T | null) => T | null) => void;
  reload: () => Promise<void>;
}

function useMounted(): { readonly current: boolean } {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}

export function useOpsAction(): OpsAction {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const mounted = useMounted();
  const run = useCallback(
    async (label: string, action: () => Promise<void>) => {
      setBusy(label);
      setError(null);
      try {
        await action();
        return true;
      } catch (err) {
        if (mounted.current) setError(errorMessageWithCode(err));
        return false;
      } finally {
        if (mounted.current) setBusy(null);
      }
    },
    [mounted],
  );
  return { error, setError, busy, run };
}

export function useOpsData<T>(load: () => Promise<T>, deps: DependencyList, enabled = true): OpsData<T> {
  const [data, setDataState] = useState<T | null>(null);
  const action = useOpsAction();
  const { setError } = action;
  const round = useRef(0);
  const mounted = useMounted();

  // `load` closes over `deps`: a new function each render, a new load only when they change.
  const reload = useCallback(async () => {
    const mine = ++round.current;
    try {
      const loaded = await load();
      if (mounted.current && mine === round.current) {
        setDataState(loaded);
        setError(null);
      }
    } catch (err) {
      if (mounted.current && mine === round.current) setError(errorMessageWithCode(err));
    }
  }, deps);

  useEffect(() => {
    if (enabled) void reload();
  }, [enabled, reload]);

  const setData = useCallback((update: (current: T | null) => T | null) => setDataState(update), []);
  return { ...action, data, setData, reload };
}
