// A fixed offered rate, paced in ~1 ms slots so it stays fixed whatever the latency, with a
// warm-up that is offered but not measured; latency is from send to the receiver's socket, both
// clocks in this process. Shared by bench/messaging and bench/peers.

export interface LoadResult {
  offeredRate: number;
  measuredSent: number;
  delivered: number;
  lost: number;
  deliveredPerSecond: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
  maxms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const round = (n: number): number => Number(n.toFixed(2));

/** Records deliveries of messages sent inside the measured window. */
export class LatencyWindow {
  from = Infinity;
  to = Infinity;
  sent = 0;
  readonly latencies: number[] = [];

  /** A message sent at `sentAt` (performance.now() of this process) reached its receiver now. */
  delivered(sentAt: number): void {
    if (sentAt >= this.from && sentAt < this.to) this.latencies.push(performance.now() - sentAt);
  }

  result(rate: number, seconds: number): LoadResult {
    const sorted = [...this.latencies].sort((x, y) => x - y);
    return {
      offeredRate: rate,
      measuredSent: this.sent,
      delivered: sorted.length,
      lost: this.sent - sorted.length,
      deliveredPerSecond: Math.round(sorted.length / seconds),
      p50ms: round(percentile(sorted, 50)),
      p99ms: round(percentile(sorted, 99)),
      p999ms: round(percentile(sorted, 99.9)),
      maxms: round(sorted.at(-1) ?? NaN),
    };
  }
}

/**
 * Offers `rate` messages a second for `warmup` + `seconds` seconds through `send(i, now)`, then
 * waits up to `drainMs` for the measured ones to arrive. `onMeasureStart`/`onMeasureEnd` mark the
 * measured window (e.g. to read the server's CPU time).
 */
export async function offerLoad(props: {
  rate: number;
  warmup: number;
  seconds: number;
  drainMs: number;
  window: LatencyWindow;
  send: (i: number, now: number) => void;
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}): Promise<LoadResult> {
  const { rate, warmup, seconds, window } = props;
  const total = Math.round(rate * (warmup + seconds));
  const started = performance.now();
  window.from = started + warmup * 1000;
  window.to = started + (warmup + seconds) * 1000;
  window.sent = 0;
  window.latencies.length = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const now = performance.now();
        if (now >= window.from && now < window.to) {
          if (window.sent === 0) props.onMeasureStart?.();
          window.sent += 1;
        }
        props.send(sent, now);
        sent += 1;
      }
      if (sent >= total) {
        props.onMeasureEnd?.();
        resolve();
        return;
      }
      // Sleep until the next send is due instead of spinning (a spinning generator took a whole core at
      // every rate and competed with the servers). Timers have a millisecond's grain, so above 1,000/s
      // the sends due within a millisecond leave together; each is timed from its own send.
      const wait = started + ((sent + 1) / rate) * 1000 - performance.now();
      if (wait > 0) setTimeout(tick, Math.max(1, Math.floor(wait)));
      else setImmediate(tick);
    };
    tick();
  });
  const deadline = performance.now() + props.drainMs;
  while (window.latencies.length < window.sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return window.result(rate, seconds);
}
