// Realtime client for /v1/ws: owns the socket's lifecycle (hello → ready → caught-up), reconnection with
// backoff, the per-conversation cursors that let a reconnect resume where it stopped, and de-duplication
// of messages by id so replay, acks and live pushes can overlap without the UI seeing a message twice.
import type { ClientFrame, Conversation, Message, ServerFrame, User } from './types.js';

/** The subset of the WebSocket API we use; lets tests drive the client with the `ws` package. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export type ConnectionStatus = 'connecting' | 'open' | 'offline' | 'stopped';

export interface RealtimeEvents {
  ready: User;
  message: Message;
  receipt: { conversationId: string; userId: string; seq: number };
  membership: {
    conversationId: string;
    userId: string;
    change: 'added' | 'removed';
    conversation: Conversation | null;
  };
  caughtUp: undefined;
  status: ConnectionStatus;
  /** The server refused our token (close 4401): retrying cannot help. */
  authFailed: { code: number; reason: string };
  serverError: { code: string; message: string; clientId?: string };
}

type Listener<K extends keyof RealtimeEvents> = (payload: RealtimeEvents[K]) => void;

export interface RealtimeOptions {
  url: string;
  getToken: () => string | null;
  socketFactory?: SocketFactory;
  /** First retry delay; doubles per failed attempt up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How often to ping; a socket silent for two intervals is presumed dead and replaced. */
  pingIntervalMs?: number;
  /** How long a `send` waits for its ack before the caller should fall back to HTTP. */
  ackTimeoutMs?: number;
  random?: () => number;
}

const OPEN = 1;
const AUTH_CLOSE = 4401;
const SEEN_LIMIT = 5000;

interface PendingSend {
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RealtimeError extends Error {
  readonly code: string;
  /** The server's `details` on an error frame, e.g. the notice to show for TRANSFER_CONSENT_REQUIRED. */
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
    this.details = details;
  }
}

export function defaultSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/ws`;
}

function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') {
      return value as ServerFrame;
    }
  } catch {
    /* ignore garbage frames rather than tearing the connection down */
  }
  return null;
}

export class RealtimeClient {
  private readonly opts: Required<Omit<RealtimeOptions, 'socketFactory'>> & { socketFactory: SocketFactory };
  private socket: SocketLike | null = null;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private ready = false;
  private statusValue: ConnectionStatus = 'stopped';
  private readonly cursors = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly pending = new Map<string, PendingSend>();
  // Keyed by event name; `on` and `emit` keep each set's payload type consistent with its key.
  private readonly listeners = new Map<keyof RealtimeEvents, Set<(payload: never) => void>>();

  constructor(options: RealtimeOptions) {
    this.opts = {
      initialDelayMs: 500,
      maxDelayMs: 15_000,
      pingIntervalMs: 25_000,
      ackTimeoutMs: 8_000,
      random: Math.random,
      socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
      ...options,
    };
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  get isReady(): boolean {
    return this.ready && this.socket?.readyState === OPEN;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = listener as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  private emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]): void {
    const set = this.listeners.get(event) as Set<Listener<K>> | undefined;
    set?.forEach((l) => l(payload));
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    this.emit('status', status);
  }

  /** Records that we hold everything up to `seq`; the next hello resumes after the highest one known. */
  setCursor(conversationId: string, seq: number): void {
    const current = this.cursors.get(conversationId);
    if (current === undefined || seq > current) this.cursors.set(conversationId, seq);
  }

  cursor(conversationId: string): number | undefined {
    return this.cursors.get(conversationId);
  }

  forget(conversationId: string): void {
    this.cursors.delete(conversationId);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.failPending(new RealtimeError('STOPPED', 'The connection was closed.'));
    const s = this.socket;
    this.socket = null;
    this.ready = false;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.onerror = null;
      s.onopen = null;
      s.close(1000, 'bye');
    }
    this.setStatus('stopped');
  }

  /** Reconnect now instead of waiting out the backoff (e.g. when the browser comes back online). */
  nudge(): void {
    if (this.stopped || this.socket) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempt = 0;
    this.connect();
  }

  /**
   * Sends a message over the socket; resolves with the durable message once the server acks it.
   * Rejects if the socket is not ready, the server refuses, or the ack does not come in time — the caller
   * can then retry over HTTP with the same clientId, which the server treats idempotently.
   */
  send(conversationId: string, clientId: string, content: { text: string } | { mediaId: string }): Promise<Message> {
    if (!this.isReady || !this.socket) {
      return Promise.reject(new RealtimeError('NOT_CONNECTED', 'Not connected.'));
    }
    const frame: ClientFrame =
      'text' in content
        ? { type: 'send', clientId, conversationId, text: content.text }
        : { type: 'send', clientId, conversationId, mediaId: content.mediaId };
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(clientId);
        reject(new RealtimeError('ACK_TIMEOUT', 'The server did not confirm the message in time.'));
      }, this.opts.ackTimeoutMs);
      this.pending.set(clientId, { resolve, reject, timer });
      this.write(frame);
    });
  }

  /** Returns false when the socket cannot carry it, so the caller can use HTTP instead. */
  read(conversationId: string, seq: number): boolean {
    if (!this.isReady) return false;
    this.write({ type: 'read', conversationId, seq });
    return true;
  }

  private write(frame: ClientFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private connect(): void {
    const token = this.opts.getToken();
    if (!token) {
      this.stopped = true;
      this.setStatus('stopped');
      this.emit('authFailed', { code: AUTH_CLOSE, reason: 'No session token.' });
      return;
    }
    this.setStatus(this.attempt === 0 ? 'connecting' : 'offline');
    let socket: SocketLike;
    try {
      socket = this.opts.socketFactory(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.ready = false;

    socket.onopen = () => {
      this.lastFrameAt = Date.now();
      this.write({ type: 'hello', token, cursors: Object.fromEntries(this.cursors) });
    };
    socket.onmessage = (ev) => {
      this.lastFrameAt = Date.now();
      const frame = parseFrame(ev.data);
      if (frame) this.handle(frame);
    };
    socket.onerror = () => {
      /* onclose follows and owns the retry */
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.ready = false;
      this.clearPing();
      this.failPending(new RealtimeError('DISCONNECTED', 'The connection dropped before the server confirmed.'));
      if (this.stopped) return;
      if (ev.code === AUTH_CLOSE) {
        this.stopped = true;
        this.setStatus('stopped');
        this.emit('authFailed', { code: ev.code, reason: ev.reason });
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.setStatus('offline');
    const base = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** this.attempt);
    // Jitter spreads reconnects out so a server restart is not met by every client at once.
    const delay = Math.round(base / 2 + (base / 2) * this.opts.random());
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.ready = true;
        this.attempt = 0;
        this.startPing();
        this.setStatus('open');
        this.emit('ready', frame.user);
        return;
      case 'message':
        this.deliver(frame.message);
        return;
      case 'ack': {
        this.deliver(frame.message);
        const p = this.pending.get(frame.clientId);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(frame.clientId);
          p.resolve(frame.message);
        }
        return;
      }
      case 'receipt':
        this.emit('receipt', { conversationId: frame.conversationId, userId: frame.userId, seq: frame.seq });
        return;
      case 'membership':
        if (frame.change === 'removed') this.cursors.delete(frame.conversationId);
        else if (frame.conversation) this.setCursor(frame.conversationId, frame.conversation.lastSeq);
        this.emit('membership', {
          conversationId: frame.conversationId,
          userId: frame.userId,
          change: frame.change,
          conversation: frame.conversation,
        });
        return;
      case 'caught-up':
        this.emit('caughtUp', undefined);
        return;
      case 'error': {
        const p = frame.clientId ? this.pending.get(frame.clientId) : undefined;
        if (p && frame.clientId) {
          clearTimeout(p.timer);
          this.pending.delete(frame.clientId);
          p.reject(new RealtimeError(frame.code, frame.message, frame.details));
        }
        this.emit(
          'serverError',
          frame.clientId
            ? { code: frame.code, message: frame.message, clientId: frame.clientId }
            : { code: frame.code, message: frame.message },
        );
        return;
      }
      case 'pong':
        return;
    }
  }

  private deliver(message: Message): void {
    this.setCursor(message.conversationId, message.seq);
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    if (this.seen.size > SEEN_LIMIT) {
      // Sets iterate in insertion order, so this drops the oldest ids; those are far below every cursor.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.emit('message', message);
  }

  /** Lets the app mark ids it already has from HTTP, so a later replay of them is not re-announced. */
  markSeen(message: Message): void {
    this.seen.add(message.id);
    this.setCursor(message.conversationId, message.seq);
  }

  private startPing(): void {
    this.clearPing();
    this.pingTimer = setInterval(() => {
      if (!this.socket) return;
      if (Date.now() - this.lastFrameAt > this.opts.pingIntervalMs * 2) {
        // Half-open TCP connections never fire onclose by themselves; replace the socket.
        const dead = this.socket;
        dead.close(4000, 'heartbeat timeout');
        dead.onclose?.({ code: 4000, reason: 'heartbeat timeout' });
        return;
      }
      this.write({ type: 'ping' });
    }, this.opts.pingIntervalMs);
  }

  private clearPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    this.clearPing();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
