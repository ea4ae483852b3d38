// The operator console's own HTTP client for /v1/ops/…: it holds the operator token for this tab
// only (sessionStorage, never shared with the chat app), sends the demo-mode simulated source
// address header when one was chosen, and turns every failure into an OpsError carrying the
// server's stable code, its message and its details (a broker refusal's decisions).
import type {
  AccessRequest,
  AccessResult,
  CaseSummary,
  Grant,
  GrantRequest,
  GrantStatus,
  MeResult,
  Operator,
  SignInResult,
  SupportReason,
} from './types.js';

export const SIMULATED_ADDRESS_HEADER = 'X-Domicile-Simulated-Address';
const SESSION_KEY = 'domicile.ops.session';

export class OpsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'OpsError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof OpsError) return `${err.message} (${err.code})`;
  if (err instanceof Error) return err.message;
  return 'Something went wrong. Please try again.';
}

/** The token and the simulated address survive a reload of this tab, nothing more. */
export interface StoredSession {
  token: string;
  simulatedAddress: string | null;
}

export function loadSession(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { token, simulatedAddress } = parsed as { token?: unknown; simulatedAddress?: unknown };
    if (typeof token !== 'string') return null;
    return { token, simulatedAddress: typeof simulatedAddress === 'string' ? simulatedAddress : null };
  } catch {
    return null;
  }
}

export function saveSession(session: StoredSession | null): void {
  try {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    /* storage disabled: the session lasts as long as the page */
  }
}

function errorEnvelope(value: unknown): { code: string; message: string; details?: Record<string, unknown> } | null {
  if (typeof value !== 'object' || value === null || !('error' in value)) return null;
  const inner = (value as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const { code, message, details } = inner as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, ...(typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {}) };
}

export class OpsClient {
  token: string | null = null;
  /** Demo mode only: the public address this console appears to come from. */
  simulatedAddress: string | null = null;

  constructor(private readonly baseUrl = '') {}

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers = new Headers();
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    if (this.simulatedAddress) headers.set(SIMULATED_ADDRESS_HEADER, this.simulatedAddress);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch {
      throw new OpsError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.');
    }
    if (res.status === 204) return undefined as T;
    const parsed: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const envelope = errorEnvelope(parsed);
      throw new OpsError(res.status, envelope?.code ?? `HTTP_${res.status}`, envelope?.message ?? `The server answered ${res.status}.`, envelope?.details);
    }
    return parsed as T;
  }

  signIn(input: { operatorId: string; password: string; code: string }): Promise<SignInResult> {
    return this.call('POST', '/v1/ops/auth/signin', input);
  }
  signOut(): Promise<void> {
    return this.call('POST', '/v1/ops/auth/signout');
  }
  me(): Promise<MeResult> {
    return this.call('GET', '/v1/ops/me');
  }
  access(input: AccessRequest): Promise<AccessResult> {
    return this.call('POST', '/v1/ops/access', input);
  }
  cases(filter: { kind?: CaseSummary['kind']; status?: CaseSummary['status'] } = {}): Promise<{ cases: CaseSummary[] }> {
    const q = new URLSearchParams();
    if (filter.kind) q.set('kind', filter.kind);
    if (filter.status) q.set('status', filter.status);
    const query = q.toString();
    return this.call('GET', `/v1/ops/cases${query ? `?${query}` : ''}`);
  }
  /** The case and its people through the broker (logged); a refusal is an OpsError ACCESS_DENIED. */
  caseDetail(ref: string): Promise<AccessResult> {
    return this.call('GET', `/v1/ops/cases/${encodeURIComponent(ref)}`);
  }
  openTicket(input: { subjects: string[]; reason: SupportReason }): Promise<CaseSummary> {
    return this.call('POST', '/v1/ops/cases', input);
  }
  closeCase(ref: string): Promise<CaseSummary> {
    return this.call('POST', `/v1/ops/cases/${encodeURIComponent(ref)}/close`);
  }
  moderationQueue(): Promise<{ reports: CaseSummary[] }> {
    return this.call('GET', '/v1/ops/moderation/queue');
  }
  reportedMessage(ref: string): Promise<AccessResult> {
    return this.call('GET', `/v1/ops/moderation/reports/${encodeURIComponent(ref)}/message`);
  }
  grants(filter: { status?: GrantStatus; mine?: boolean } = {}): Promise<{ grants: Grant[] }> {
    const q = new URLSearchParams();
    if (filter.status) q.set('status', filter.status);
    if (filter.mine) q.set('mine', 'true');
    const query = q.toString();
    return this.call('GET', `/v1/ops/grants${query ? `?${query}` : ''}`);
  }
  requestGrant(input: GrantRequest): Promise<Grant> {
    return this.call('POST', '/v1/ops/grants', input);
  }
  grantAction(id: string, action: 'approve' | 'deny' | 'revoke'): Promise<Grant> {
    return this.call('POST', `/v1/ops/grants/${encodeURIComponent(id)}/${action}`);
  }
  blocks(): Promise<{ blocked: string[] }> {
    return this.call('GET', '/v1/ops/blocks');
  }
  block(country: string): Promise<{ blocked: string[] }> {
    return this.call('POST', '/v1/ops/blocks', { country });
  }
  unblock(country: string): Promise<{ blocked: string[] }> {
    return this.call('DELETE', `/v1/ops/blocks/${encodeURIComponent(country)}`);
  }
  operators(): Promise<{ operators: Operator[] }> {
    return this.call('GET', '/v1/ops/operators');
  }
}

export const opsApi = new OpsClient();
