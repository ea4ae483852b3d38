// A V8 CPU profile of another process over its inspector (started with `--inspect=HOST:PORT`):
// started and stopped by the bench around its measured window, so a server's start-up and the
// generator's sign-ups stay out of it (`--cpu-prof` would profile the whole process life).
import WebSocket from 'ws';

export interface RemoteProfiler {
  start(): Promise<void>;
  /** Stops sampling; the `.cpuprofile` JSON text. */
  stop(): Promise<string>;
  close(): void;
}

/** Connects to the inspector on `port` (the process's first target) and enables its profiler. */
export async function connectProfiler(port: number, samplingIntervalUs = 200): Promise<RemoteProfiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve) => {
      next += 1;
      waiting.set(next, resolve);
      socket.send(JSON.stringify({ id: next, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  return {
    start: async () => {
      await call('Profiler.start');
    },
    stop: async () => JSON.stringify(((await call('Profiler.stop')) as { profile: unknown }).profile),
    close: () => socket.close(),
  };
}
