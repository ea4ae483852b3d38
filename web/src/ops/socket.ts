// The console's live operator WebSocket (/v1/ops/ws): signs in with hello, reports grant, report
// and block pushes, and says why it closed — 4403 is a jurisdiction cut-off, 4401 an ended session.
// Also the demo-mode probe: whether this server lets this browser simulate a source address.

export type SocketState = 'connecting' | 'open' | 'closed';

export type OpsPush =
  | { type: 'grant'; id: string; status: string; requesterId: string }
  | { type: 'report'; caseRef: string; reason: string }
  | { type: 'blocks'; blocked: string[] };

export interface SocketClosed {
  code: number;
  reason: string;
}

export interface OpsSocketHandlers {
  onState(state: SocketState): void;
  onPush(push: OpsPush): void;
  onClosed(closed: SocketClosed): void;
}

/** The close code the server uses when a jurisdiction is cut off. */
export const CUT_OFF_CLOSE = 4403;
/** The close code for a revoked or expired operator session. */
export const SESSION_ENDED_CLOSE = 4401;

function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/v1/ops/ws`;
}

function frameOf(data: unknown): Record<string, unknown> | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Opens the operator socket; returns a function that closes it (without reporting a close). */
export function connectOpsSocket(token: string, simulatedAddress: string | null, handlers: OpsSocketHandlers): () => void {
  const socket = new WebSocket(wsUrl());
  let closedByUs = false;
  handlers.onState('connecting');
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'hello', token, ...(simulatedAddress ? { simulatedAddress } : {}) }));
  });
  socket.addEventListener('message', (event) => {
    const frame = frameOf(event.data);
    if (!frame) return;
    if (frame.type === 'ready') handlers.onState('open');
    else if (frame.type === 'grant' || frame.type === 'report' || frame.type === 'blocks') handlers.onPush(frame as unknown as OpsPush);
  });
  const ping = setInterval(() => {
    if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
  }, 25_000);
  socket.addEventListener('close', (event) => {
    clearInterval(ping);
    handlers.onState('closed');
    if (!closedByUs) handlers.onClosed({ code: event.code, reason: event.reason });
  });
  return () => {
    closedByUs = true;
    clearInterval(ping);
    socket.close(1000, 'console closed');
  };
}

/**
 * Whether this server runs in demo mode and accepts a simulated source address from this browser.
 * The operator API has no public "demo" flag, so the console asks the operator socket: a hello with
 * a simulated address and no real token is refused either SIMULATION_NOT_ALLOWED (not demo mode,
 * or not on loopback) or, in demo mode, for the token. Nothing is signed in, read or logged.
 */
export function probeDemoMode(timeoutMs = 4000): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (demo: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(demo);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close();
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const socket = new WebSocket(wsUrl());
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'hello', token: 'ops-demo-probe', simulatedAddress: '133.242.0.1' })));
    socket.addEventListener('message', (event) => {
      const frame = frameOf(event.data);
      if (frame?.type === 'error') finish(frame.code !== 'SIMULATION_NOT_ALLOWED');
    });
    socket.addEventListener('error', () => finish(false));
    socket.addEventListener('close', () => finish(false));
  });
}
