// A fixed-window failure counter for sign-in: after too many failures for one login or one
// address, further attempts are refused until the window passes.
export interface RateLimiter {
  /** Milliseconds until the key may try again, or 0 when allowed. */
  retryAfter(key: string, now?: number): number;
  fail(key: string, now?: number): void;
  reset(key: string): void;
}

export function createRateLimiter(props: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  function current(key: string, now: number): { start: number; count: number } | undefined {
    const w = windows.get(key);
    if (w && now - w.start >= props.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return w;
  }
  return {
    retryAfter(key, now = Date.now()) {
      const w = current(key, now);
      return w && w.count >= props.limit ? w.start + props.windowMs - now : 0;
    },
    fail(key, now = Date.now()) {
      const w = current(key, now);
      if (w) w.count += 1;
      else windows.set(key, { start: now, count: 1 });
      if (windows.size > 100_000) windows.delete(windows.keys().next().value as string);
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
