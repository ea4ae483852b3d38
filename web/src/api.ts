// The chat app's and the privacy centre's calls to the Domicile v1 API, over the shared HTTP client
// (web/src/http.ts): owns the bearer token (kept in localStorage) and names every endpoint with its
// typed answer.
import { HttpClient, type RequestOptions } from './http.js';
import type {
  AcceptResult,
  AccessesPage,
  HistoryPage,
  Payment,
  PayRequest,
  Wallet,
  AuthResult,
  Consent,
  ConsentHistoryItem,
  Conversation,
  Disclosure,
  PersonIncidents,
  ForeignHandling,
  LogKeys,
  MediaRef,
  Member,
  Message,
  MessagePage,
  Notice,
  OfficialAccount,
  SessionInfo,
  TransferRecord,
  User,
} from './types.js';

const TOKEN_KEY = 'domicile.token';

export const tokenStore = {
  get(): string | null {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      // Storage can be disabled (privacy modes); the app then works for this tab only.
      return memoryToken;
    }
  },
  set(token: string | null): void {
    memoryToken = token;
    try {
      if (token === null) localStorage.removeItem(TOKEN_KEY);
      else localStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* see get() */
    }
  },
};
let memoryToken: string | null = null;

export interface SignupInput {
  handle: string;
  displayName: string;
  password: string;
  home: string;
  email?: string;
  phone?: string;
}

export class ApiClient {
  private readonly http: HttpClient;

  constructor(baseUrl = '') {
    this.http = new HttpClient({ baseUrl, getToken: () => tokenStore.get() });
  }

  /** Called when the server says our token is no longer good, so the app can return to sign-in. */
  onUnauthorized(listener: (() => void) | null): void {
    this.http.onUnauthorized(listener);
  }

  private json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.http.json<T>(path, opts);
  }

  private empty(path: string, opts: RequestOptions = {}): Promise<void> {
    return this.http.empty(path, opts);
  }

  // --- auth and sessions
  async signup(input: SignupInput): Promise<AuthResult> {
    const result = await this.json<AuthResult>('/v1/auth/signup', { method: 'POST', body: { json: input } });
    tokenStore.set(result.token);
    return result;
  }

  async signin(login: string, password: string): Promise<AuthResult> {
    const result = await this.json<AuthResult>('/v1/auth/signin', {
      method: 'POST',
      body: { json: { login, password } },
    });
    tokenStore.set(result.token);
    return result;
  }

  async signout(): Promise<void> {
    try {
      await this.empty('/v1/auth/signout', { method: 'POST' });
    } finally {
      // Forget the token even if the server is unreachable: the user asked to leave this device.
      tokenStore.set(null);
    }
  }

  /** Ends every session of this person, this one included. */
  async signoutEverywhere(): Promise<{ revokedSessions: number }> {
    try {
      return await this.json('/v1/auth/signout-everywhere', { method: 'POST' });
    } finally {
      tokenStore.set(null);
    }
  }

  /** Changes the password; every other session is signed out. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ revokedSessions: number }> {
    return this.json('/v1/auth/password', { method: 'POST', body: { json: { currentPassword, newPassword } } });
  }

  sessions(): Promise<{ sessions: SessionInfo[] }> {
    return this.json('/v1/sessions');
  }

  revokeSession(sessionId: string): Promise<void> {
    return this.empty(`/v1/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
  }

  // --- me, users, contacts
  me(): Promise<User> {
    return this.json('/v1/me');
  }

  updateMe(displayName: string): Promise<User> {
    return this.json('/v1/me', { method: 'PATCH', body: { json: { displayName } } });
  }

  uploadAvatar(file: Blob): Promise<User> {
    return this.json('/v1/me/avatar', { method: 'PUT', body: { raw: file, contentType: file.type } });
  }

  userByHandle(handle: string): Promise<User> {
    return this.json(`/v1/users/by-handle/${encodeURIComponent(normaliseHandle(handle))}`);
  }

  contacts(): Promise<{ contacts: User[] }> {
    return this.json('/v1/contacts');
  }

  addContact(handle: string): Promise<User> {
    return this.json('/v1/contacts', { method: 'POST', body: { json: { handle: normaliseHandle(handle) } } });
  }

  removeContact(userId: string): Promise<void> {
    return this.empty(`/v1/contacts/${encodeURIComponent(userId)}`, { method: 'DELETE' });
  }

  // --- conversations and messages
  /** Every conversation, page by page (the server sends at most 200 at a time). */
  async conversations(): Promise<{ conversations: Conversation[] }> {
    const all: Conversation[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
      const page: { conversations: Conversation[]; nextCursor: string | null } = await this.json(`/v1/conversations?${q.toString()}`);
      all.push(...page.conversations);
      cursor = page.nextCursor;
    } while (cursor);
    return { conversations: all };
  }

  conversation(id: string): Promise<Conversation> {
    return this.json(`/v1/conversations/${encodeURIComponent(id)}`);
  }

  createConversation(input: { kind: 'direct' | 'group'; memberIds: string[]; title?: string }): Promise<Conversation> {
    return this.json('/v1/conversations', { method: 'POST', body: { json: input } });
  }

  members(conversationId: string): Promise<{ members: Member[] }> {
    return this.json(`/v1/conversations/${encodeURIComponent(conversationId)}/members`);
  }

  addMember(conversationId: string, userId: string): Promise<void> {
    return this.empty(`/v1/conversations/${encodeURIComponent(conversationId)}/members`, {
      method: 'POST',
      body: { json: { userId } },
    });
  }

  /** Accepts (or declines, leaving the group) a message request. */
  answerRequest(conversationId: string, accept: boolean): Promise<void> {
    return this.empty(`/v1/conversations/${encodeURIComponent(conversationId)}/${accept ? 'accept' : 'decline'}`, { method: 'POST' });
  }

  removeMember(conversationId: string, userId: string): Promise<void> {
    return this.empty(
      `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`,
      { method: 'DELETE' },
    );
  }

  messages(conversationId: string, opts: { before?: number; limit?: number } = {}): Promise<MessagePage> {
    const q = new URLSearchParams();
    if (opts.before !== undefined) q.set('before', String(opts.before));
    q.set('limit', String(opts.limit ?? 50));
    return this.json(`/v1/conversations/${encodeURIComponent(conversationId)}/messages?${q.toString()}`);
  }

  sendText(conversationId: string, clientId: string, text: string): Promise<Message> {
    return this.json(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      method: 'POST',
      body: { json: { clientId, text } },
    });
  }

  sendMedia(conversationId: string, clientId: string, mediaId: string): Promise<Message> {
    return this.json(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      method: 'POST',
      body: { json: { clientId, mediaId } },
    });
  }

  uploadMedia(conversationId: string, file: Blob): Promise<MediaRef> {
    return this.json(`/v1/conversations/${encodeURIComponent(conversationId)}/media`, {
      method: 'POST',
      body: { raw: file, contentType: file.type },
    });
  }

  // --- Domicile Pay: every write carries a fresh idempotency key, reused only to retry it
  wallet(): Promise<Wallet> {
    return this.json('/v1/pay/wallet');
  }

  payHistory(before?: number, limit = 20): Promise<HistoryPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) q.set('before', String(before));
    return this.json(`/v1/pay/history?${q.toString()}`);
  }

  topUp(amount: number, idempotencyKey: string): Promise<{ payment: Payment }> {
    return this.json('/v1/pay/topups', { method: 'POST', body: { json: { amount, idempotencyKey } } });
  }

  pay(input: { to: string; amount: number; currency: string; note?: string; conversationId?: string; idempotencyKey: string }): Promise<{ payment: Payment }> {
    return this.json('/v1/pay/payments', { method: 'POST', body: { json: input } });
  }

  requestMoney(input: { conversationId: string; from: string; amount: number; currency: string; note?: string; idempotencyKey: string }): Promise<{ request: PayRequest }> {
    return this.json('/v1/pay/requests', { method: 'POST', body: { json: input } });
  }

  acceptRequest(requestId: string, idempotencyKey: string): Promise<AcceptResult> {
    return this.json(`/v1/pay/requests/${encodeURIComponent(requestId)}/accept`, { method: 'POST', body: { json: { idempotencyKey } } });
  }

  declineRequest(requestId: string): Promise<{ request: PayRequest }> {
    return this.json(`/v1/pay/requests/${encodeURIComponent(requestId)}/decline`, { method: 'POST' });
  }

  cancelRequest(requestId: string): Promise<{ request: PayRequest }> {
    return this.json(`/v1/pay/requests/${encodeURIComponent(requestId)}/cancel`, { method: 'POST' });
  }

  markRead(conversationId: string, seq: number): Promise<void> {
    return this.empty(`/v1/conversations/${encodeURIComponent(conversationId)}/read`, {
      method: 'POST',
      body: { json: { seq } },
    });
  }

  /** Fetches bytes that need the auth header (images cannot send it from an <img>). */
  blob(path: string, signal?: AbortSignal): Promise<Blob> {
    return this.http.blob(path, signal);
  }

  // --- official accounts
  officialAccounts(): Promise<{ accounts: OfficialAccount[] }> {
    return this.json('/v1/official-accounts');
  }

  follow(accountId: string): Promise<void> {
    return this.empty(`/v1/official-accounts/${encodeURIComponent(accountId)}/follow`, { method: 'POST' });
  }

  unfollow(accountId: string): Promise<void> {
    return this.empty(`/v1/official-accounts/${encodeURIComponent(accountId)}/follow`, { method: 'DELETE' });
  }

  broadcast(accountId: string, clientId: string, text: string): Promise<Message> {
    return this.json(`/v1/official-accounts/${encodeURIComponent(accountId)}/broadcasts`, {
      method: 'POST',
      body: { json: { clientId, text } },
    });
  }

  // --- notices, consents, transfers, disclosure, access log (privacy centre)
  notice(noticeId: string): Promise<{ notice: Notice; inEffect: boolean }> {
    return this.json(`/v1/notices/${encodeURIComponent(noticeId)}`);
  }

  giveConsent(noticeId: string, noticeVersion: number): Promise<{ consent: Consent }> {
    return this.json('/v1/me/consents', { method: 'POST', body: { json: { noticeId, noticeVersion } } });
  }

  consents(): Promise<{ consents: Consent[]; history: ConsentHistoryItem[] }> {
    return this.json('/v1/me/consents');
  }

  withdrawConsent(receiptId: string): Promise<{ consent: Consent }> {
    return this.json(`/v1/me/consents/${encodeURIComponent(receiptId)}/withdraw`, { method: 'POST' });
  }

  transfers(): Promise<{ transfers: TransferRecord[] }> {
    return this.json('/v1/me/transfers');
  }

  disclosure(): Promise<Disclosure> {
    return this.json('/v1/me/disclosure');
  }

  incidents(): Promise<PersonIncidents> {
    return this.json('/v1/me/incidents');
  }

  accesses(opts: { before?: number; limit?: number } = {}): Promise<AccessesPage> {
    const q = new URLSearchParams();
    if (opts.before !== undefined) q.set('before', String(opts.before));
    q.set('limit', String(opts.limit ?? 100));
    return this.json(`/v1/me/accesses?${q.toString()}`);
  }

  logKeys(): Promise<LogKeys> {
    return this.json('/.well-known/domicile/log-keys.json');
  }

  foreignHandling(): Promise<ForeignHandling> {
    return this.json('/v1/foreign-handling?format=json');
  }
}

/** People type handles with or without the leading "@"; the API wants the bare handle. */
export function normaliseHandle(handle: string): string {
  return handle.trim().replace(/^@+/, '');
}

export function mediaPath(conversationId: string, mediaId: string): string {
  return `/v1/conversations/${encodeURIComponent(conversationId)}/media/${encodeURIComponent(mediaId)}`;
}

export function avatarPath(userId: string): string {
  return `/v1/users/${encodeURIComponent(userId)}/avatar`;
}

export function newClientId(): string {
  // randomUUID exists only in secure contexts; a plain-http LAN address still needs unique ids.
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext !== false) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const api = new ApiClient();
