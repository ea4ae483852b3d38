// The one HTTP client of the browser apps (chat, privacy centre, operator console): sends the bearer
// token and any extra headers its owner supplies, encodes JSON and raw bodies, and turns every
// failure into an ApiError carrying the server's `{ error: { code, message, details } }`, so each
// screen can show the server's own message and branch on its stable code.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The server's `error.details`, e.g. the notice for TRANSFER_CONSENT_REQUIRED or a broker refusal's decisions. */
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** What a person reads when something failed: the server's message, else a generic one. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return 'Something went wrong. Please try again.';
}

/** Staff also see the stable code, which is what runbooks and the error catalogue are keyed by. */
export function errorMessageWithCode(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return errorMessage(err);
}

export type RequestBody = { json: unknown } | { raw: Blob; contentType: string };

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: RequestBody;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  baseUrl?: string;
  /** The bearer token to send, read on every request so a sign-in or sign-out takes effect at once. */
  getToken: () => string | null;
  /** Further headers per request (the operator console's simulated source address in demo mode). */
  extraHeaders?: () => Record<string, string>;
}

type ErrorEnvelope = { code: string; message: string; details?: Record<string, unknown> };

/** The server's error envelope, or null when the body is something else (a proxy's HTML page, say). */
export function errorEnvelopeOf(value: unknown): ErrorEnvelope | null {
  if (typeof value !== 'object' || value === null || !('error' in value)) return null;
  const inner = (value as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const { code, message, details } = inner as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return typeof details === 'object' && details !== null
    ? { code, message, details: details as Record<string, unknown> }
    : { code, message };
}

export class HttpClient {
  private readonly opts: HttpClientOptions;
  private unauthorizedListener: (() => void) | null = null;

  constructor(options: HttpClientOptions) {
    this.opts = options;
  }

  /** Called when the server refuses the token we sent (401), so the app can return to sign-in. */
  onUnauthorized(listener: (() => void) | null): void {
    this.unauthorizedListener = listener;
  }

  async request(path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers = new Headers(this.opts.extraHeaders?.());
    const token = this.opts.getToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    let body: BodyInit | null = null;
    if (opts.body && 'json' in opts.body) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(opts.body.json);
    } else if (opts.body) {
      headers.set('Content-Type', opts.body.contentType);
      body = opts.body.raw;
    }
    let res: Response;
    try {
      res = await fetch((this.opts.baseUrl ?? '') + path, {
        method: opts.method ?? 'GET',
        headers,
        body,
        signal: opts.signal ?? null,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', 'Cannot reach Domicile. Check your connection and try again.');
    }
    if (res.ok) return res;

    const envelope = errorEnvelopeOf(await res.json().catch(() => null));
    if (res.status === 401 && token) this.unauthorizedListener?.();
    throw new ApiError(
      res.status,
      envelope?.code ?? `HTTP_${res.status}`,
      envelope?.message ?? `The request failed (${res.status}). Please try again.`,
      envelope?.details,
    );
  }

  /** A JSON answer, typed by the caller after the route's response schema. */
  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    return (await res.json()) as T;
  }

  /** A call whose answer has no body (204). */
  async empty(path: string, opts: RequestOptions = {}): Promise<void> {
    await this.request(path, opts);
  }

  /** Bytes that need the auth header (an <img> cannot send it). */
  async blob(path: string, signal?: AbortSignal): Promise<Blob> {
    const res = await this.request(path, signal ? { signal } : {});
    return res.blob();
  }
}
