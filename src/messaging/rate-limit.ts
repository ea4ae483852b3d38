// A fixed-window counter per key (an address, a user): sign-ups per address, messages and groups
// per user. `take` counts one event and says whether it was allowed.
export interface RateLimiter {
  /** Counts one event for `key`: 0 when allowed, else the milliseconds until the window lets it (not counted). */
  take(key: string, now?: number): number;
}

export function createRateLimiter(props: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, now = Date.now()) {
      let w = windows.get(key);
      if (w && now - w.start >= props.windowMs) {
        windows.delete(key);
        w = undefined;
      }
      if (!w) {
        windows.set(key, { start: now, count: 1 });
        // Bounded: the oldest key goes first.
        if (windows.size > 100_000) windows.delete(windows.keys().next().value as string);
        return 0;
      }
      if (w.count >= props.limit) return w.start + props.windowMs - now;
      w.count += 1;
      return 0;
    },
  };
}
