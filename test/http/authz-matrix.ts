// The authorisation matrix as data: for every HTTP route and every WebSocket frame type, what each
// kind of caller gets (a status, or '2xx'; for frames a reply, an error code or a close code).
// test/http/authz-matrix.test.ts reads the app's route inventory and fails on a route or frame
// type without a row here, naming the row to add. Adding a route is one line:
//   row('POST /v1/things', () => json('/v1/things', { name: 'x' }), people()),
// with a preset (people, members, operators, everyone) and, where a caller differs, an override.

/** Every kind of caller the matrix tries, each with its own token (or none). */
export const CALLERS = [
  'anonymous', // no token
  'revoked', // a person's token after sign-out
  'stranger', // a signed-in person with no tie to the owner's chats, channel or payments
  'reader', // follows the official account's channel, nothing else
  'member', // a member of the owner's group chat (not its owner)
  'owner', // the person who made the group and owns the wallet, consents and sessions tried
  'official', // the official account whose channel the reader follows
  'support',
  'moderator',
  'engineer',
  'security',
  'approver',
  'admin', // operators, one per role, signed in from their office country (JP)
  'auditor', // an access-log auditor token
] as const;
export type Caller = (typeof CALLERS)[number];

export const PEOPLE = ['stranger', 'reader', 'member', 'owner', 'official'] as const satisfies readonly Caller[];
export const OPERATOR_CALLERS = ['support', 'moderator', 'engineer', 'security', 'approver', 'admin'] as const satisfies readonly Caller[];
export type OperatorCaller = (typeof OPERATOR_CALLERS)[number];

/** An HTTP outcome: exactly this status, or any 2xx. */
export type Outcome = '2xx' | 400 | 401 | 403 | 404 | 409 | 422;
export type Expected = Readonly<Record<Caller, Outcome>>;

/** What the test world offers a row's request builder (made once per test run). */
export interface World {
  user: Readonly<Record<(typeof PEOPLE)[number], { id: string; handle: string }>>;
  /** A person in no chat with anyone here: a target for contacts, groups and payments. */
  bystander: { id: string; handle: string };
  password: string;
  /** The owner's group (with member), the official channel (reader follows), and their content. */
  group: string;
  channel: string;
  /** An image in the group, a message the owner sent there, and the abuse report member made about it. */
  groupMedia: string;
  ownerMessage: string;
  reportRef: string;
  /** A support ticket about the owner, and a grant a support operator requested on it. */
  ticketRef: string;
  grantId: string;
  consentReceipt: string;
  /** A notice document that passes the validator. */
  notice: unknown;
  /** The JP log's cell id and the size of its latest checkpoint (for tile names). */
  logCell: string;
  logSize(): Promise<number>;
  /** Fresh resources for rows that change what they touch (made for each caller). */
  fresh: {
    group(): Promise<string>;
    session(caller: Caller): Promise<{ token: string | null; sessionId: string }>;
    ownerSessionId(): Promise<string>;
    /** A person of their own, signed up for this call (for routes that end every session); others' usual token. */
    personToken(caller: Caller): Promise<string | null>;
    operatorSession(caller: Caller): Promise<string | null>;
    operatorCredentials(): Promise<{ operatorId: string; password: string; code: string }>;
    grant(): Promise<string>;
    approvedGrant(): Promise<string>;
    ticket(): Promise<string>;
    paymentToMember(): Promise<string>;
    handle(): string;
    address(): string;
  };
  png: Buffer;
}

export interface MatrixRequest {
  /** Path with parameters filled in (query string included). */
  url: string;
  body?: unknown;
  /** Raw bytes and their type (images); else the body is JSON. */
  contentType?: string;
  /** Replaces the caller's token (fresh sessions); null sends none. */
  token?: string | null;
  remoteAddress?: string;
}

export interface MatrixRow {
  route: string;
  /** Tells rows of the same route apart (e.g. a group and a channel). */
  label?: string;
  request: (w: World, caller: Caller) => MatrixRequest | Promise<MatrixRequest>;
  expect: Expected;
  /** Checks on a successful answer's body, per caller: a message naming what was wrong, or null. */
  inspect?: Partial<Record<Caller, (body: unknown, w: World) => string | null>>;
}

export const rowName = (r: { route: string; label?: string }): string => (r.label ? `${r.route} (${r.label})` : r.route);

// Presets ----------------------------------------------------------------------------------------

type Overrides = Partial<Record<Caller, Outcome>>;
const fill = (base: Outcome, people: Outcome, operators: Outcome, auditor: Outcome, o: Overrides): Expected => {
  const e = {} as Record<Caller, Outcome>;
  for (const c of CALLERS) {
    e[c] = (PEOPLE as readonly string[]).includes(c) ? people : (OPERATOR_CALLERS as readonly string[]).includes(c) ? operators : c === 'auditor' ? auditor : base;
  }
  return { ...e, ...o };
};
/** Anyone, with or without a token. */
export const everyone = (o: Overrides = {}): Expected => fill('2xx', '2xx', '2xx', '2xx', o);
/** Signed-in people; no token, a revoked one, an operator's or an auditor's is 401. */
export const people = (o: Overrides = {}): Expected => fill(401, '2xx', 401, 401, o);
/** Members of the owner's group: the owner and member; other people are told it does not exist. */
export const members = (o: Overrides = {}): Expected => people({ stranger: 404, reader: 404, official: 404, ...o });
/** Readers of the channel and its account. */
export const channelFolk = (o: Overrides = {}): Expected => people({ stranger: 404, member: 404, owner: 404, ...o });
/** Operators of the given roles get `ok`, other operators 403, everyone else 401. */
export const operators = (roles: readonly OperatorCaller[] | 'all', ok: Outcome = '2xx', o: Overrides = {}): Expected => {
  const allowed = roles === 'all' ? OPERATOR_CALLERS : roles;
  const e: Record<Caller, Outcome> = { ...fill(401, 401, 403, 401, {}) };
  for (const r of allowed) e[r] = ok;
  return { ...e, ...o };
};

const json = (url: string, body?: unknown): MatrixRequest => ({ url, ...(body === undefined ? {} : { body }) });
const row = (route: string, request: MatrixRow['request'], expect: Expected, extra: Partial<Pick<MatrixRow, 'label' | 'inspect'>> = {}): MatrixRow => ({ route, request, expect, ...extra });

const idsOf = (body: unknown): string[] => ((body as { members?: { id: string }[] }).members ?? []).map((m) => m.id);

// HTTP rows --------------------------------------------------------------------------------------

/** A well-formed record id that names nothing. */
const unknownId = 'AAAAAAAAAAAAAAAAAAAA';

export const rows: readonly MatrixRow[] = [
  // Public documents and health.
  row('GET /healthz', () => json('/healthz'), everyone()),
  row('GET /openapi.json', () => json('/openapi.json'), everyone()),
  row('GET /.well-known/domicile/log-keys.json', () => json('/.well-known/domicile/log-keys.json'), everyone()),
  row('GET /log/:cell/checkpoint', (w) => json(`/log/${w.logCell}/checkpoint`), everyone()),
  row('GET /log/:cell/tile/*', async (w) => json(`/log/${w.logCell}/tile/0/000.p/${Math.min(255, await w.logSize())}`), everyone(), { label: 'hash tile' }),
  row('GET /log/:cell/tile/*', async (w) => json(`/log/${w.logCell}/tile/entries/000.p/${Math.min(255, await w.logSize())}`), fill(401, 401, 401, '2xx', {}), { label: 'entry bundle' }),
  row('GET /v1/notices', () => json('/v1/notices'), everyone()),
  row('GET /v1/notices/:noticeId', () => json('/v1/notices/jp-media-storage-kr'), everyone()),
  row('POST /v1/notices/validate', (w) => json('/v1/notices/validate', w.notice), everyone()),
  row('GET /v1/foreign-handling', () => json('/v1/foreign-handling'), everyone()),

  // Auth and sessions.
  row('POST /v1/auth/signup', (w) => ({ ...json('/v1/auth/signup', { handle: w.fresh.handle(), displayName: 'Matrix Person', password: 'matrix long passphrase 9', home: 'JP', email: `${w.fresh.handle()}@example.test` }), remoteAddress: w.fresh.address() }), everyone()),
  row('POST /v1/auth/signin', (w) => ({ ...json('/v1/auth/signin', { login: w.user.owner.handle, password: w.password }), remoteAddress: w.fresh.address() }), everyone()),
  row('POST /v1/auth/signout', async (w, c) => ({ url: '/v1/auth/signout', token: (await w.fresh.session(c)).token }), people()),
  row('POST /v1/auth/signout-everywhere', async (w, c) => ({ url: '/v1/auth/signout-everywhere', token: await w.fresh.personToken(c) }), people()),
  // A wrong current password: the route is reached (people) or refused before (others); no password changes.
  row('POST /v1/auth/password', () => json('/v1/auth/password', { currentPassword: 'not the password at all', newPassword: 'another long passphrase 42' }), people({ stranger: 401, reader: 401, member: 401, owner: 401, official: 401 })),
  row('GET /v1/sessions', () => json('/v1/sessions'), people()),
  row('DELETE /v1/sessions/:sessionId', async (w) => json(`/v1/sessions/${await w.fresh.ownerSessionId()}`), people({ stranger: 404, reader: 404, member: 404, official: 404 })),

  // Me, people, contacts.
  row('GET /v1/me', () => json('/v1/me'), people()),
  row('PATCH /v1/me', () => json('/v1/me', { displayName: 'Matrix Renamed' }), people()),
  row('PUT /v1/me/avatar', (w) => ({ url: '/v1/me/avatar', body: w.png, contentType: 'image/png' }), people()),
  row('GET /v1/users/:userId/avatar', (w) => json(`/v1/users/${w.user.owner.id}/avatar`), people()),
  row('GET /v1/users/by-handle/:handle', (w) => json(`/v1/users/by-handle/${w.user.owner.handle}`), people()),
  row('GET /v1/contacts', () => json('/v1/contacts'), people()),
  row('POST /v1/contacts', (w) => json('/v1/contacts', { handle: w.bystander.handle }), people()),
  row('DELETE /v1/contacts/:userId', (w) => json(`/v1/contacts/${w.bystander.id}`), people()),

  // Conversations.
  row('GET /v1/conversations', () => json('/v1/conversations'), people()),
  row('POST /v1/conversations', (w) => json('/v1/conversations', { kind: 'group', memberIds: [w.bystander.id], title: 'Matrix group' }), people()),
  row('GET /v1/conversations/:id', (w) => json(`/v1/conversations/${w.group}`), members()),
  row('GET /v1/conversations/:id', (w) => json(`/v1/conversations/${w.channel}`), channelFolk(), { label: 'channel' }),
  row('GET /v1/conversations/:id/members', (w) => json(`/v1/conversations/${w.group}/members`), members()),
  row('GET /v1/conversations/:id/members', (w) => json(`/v1/conversations/${w.channel}/members`), channelFolk(), {
    label: 'channel',
    // Readers see the account only, never the other followers (issue 14, hole 3).
    inspect: { reader: (body, w) => (idsOf(body).join() === w.user.official.id ? null : `a reader sees ${idsOf(body).length} members, not the account alone`) },
  }),
  row('POST /v1/conversations/:id/members', async (w) => json(`/v1/conversations/${await w.fresh.group()}/members`, { userId: w.bystander.id }), members()),
  row('DELETE /v1/conversations/:id/members/:userId', async (w) => json(`/v1/conversations/${await w.fresh.group()}/members/${w.user.member.id}`), members()),
  row('GET /v1/conversations/:id/messages', (w) => json(`/v1/conversations/${w.group}/messages`), members()),
  row('POST /v1/conversations/:id/messages', (w) => json(`/v1/conversations/${w.group}/messages`, { clientId: w.fresh.handle(), text: 'matrix' }), members()),
  row('POST /v1/conversations/:id/messages', (w) => json(`/v1/conversations/${w.channel}/messages`, { clientId: w.fresh.handle(), text: 'matrix' }), channelFolk({ reader: 403 }), { label: 'channel' }),
  row('POST /v1/conversations/:id/media', (w) => ({ url: `/v1/conversations/${w.group}/media`, body: w.png, contentType: 'image/png' }), members()),
  row('GET /v1/conversations/:id/media/:mediaId', (w) => json(`/v1/conversations/${w.group}/media/${w.groupMedia}`), members()),
  row('POST /v1/conversations/:id/read', (w) => json(`/v1/conversations/${w.group}/read`, { seq: 1 }), members()),
  row('POST /v1/conversations/:id/messages/:messageId/report', (w) => json(`/v1/conversations/${w.group}/messages/${w.ownerMessage}/report`, { reason: 'spam' }), members({ owner: 400 })),

  // Official accounts.
  row('GET /v1/official-accounts', () => json('/v1/official-accounts'), people()),
  row('POST /v1/official-accounts/:id/follow', (w) => json(`/v1/official-accounts/${w.user.official.id}/follow`), people()),
  row('DELETE /v1/official-accounts/:id/follow', (w) => json(`/v1/official-accounts/${w.user.official.id}/follow`), people({ official: 403 })),
  row('POST /v1/official-accounts/:id/broadcasts', (w) => json(`/v1/official-accounts/${w.user.official.id}/broadcasts`, { clientId: w.fresh.handle(), text: 'matrix' }), people({ stranger: 403, reader: 403, member: 403, owner: 403 })),

  // Domicile Pay.
  row('GET /v1/pay/wallet', () => json('/v1/pay/wallet'), people()),
  row('POST /v1/pay/topups', (w) => json('/v1/pay/topups', { amount: 100, idempotencyKey: w.fresh.handle() }), people()),
  row('POST /v1/pay/payments', (w) => json('/v1/pay/payments', { to: w.bystander.id, amount: 1, currency: 'JPY', idempotencyKey: w.fresh.handle() }), people()),
  row('POST /v1/pay/payments/:paymentId/refund', async (w) => json(`/v1/pay/payments/${await w.fresh.paymentToMember()}/refund`, { idempotencyKey: w.fresh.handle() }), people({ stranger: 409, reader: 409, owner: 409, official: 409 })),
  row('GET /v1/pay/history', () => json('/v1/pay/history'), people()),
  row('GET /v1/pay/requests', () => json('/v1/pay/requests'), people()),
  row('POST /v1/pay/requests', (w) => json('/v1/pay/requests', { conversationId: w.group, from: w.user.member.id, amount: 1, currency: 'JPY', idempotencyKey: w.fresh.handle() }), members({ member: 400 })),
  row('POST /v1/pay/requests/:requestId/accept', (w) => json(`/v1/pay/requests/${unknownId}/accept`, { idempotencyKey: w.fresh.handle() }), people({ stranger: 404, reader: 404, member: 404, owner: 404, official: 404 })),
  row('POST /v1/pay/requests/:requestId/decline', () => json(`/v1/pay/requests/${unknownId}/decline`), people({ stranger: 404, reader: 404, member: 404, owner: 404, official: 404 })),
  row('POST /v1/pay/requests/:requestId/cancel', () => json(`/v1/pay/requests/${unknownId}/cancel`), people({ stranger: 404, reader: 404, member: 404, owner: 404, official: 404 })),
  row('POST /v1/support/tickets', () => json('/v1/support/tickets', { reason: 'account' }), people()),
  row('POST /v1/support/tickets/:ref/confirm', () => json('/v1/support/tickets/T-99999999/confirm'), people({ stranger: 404, reader: 404, member: 404, owner: 404, official: 404 })),
  // Accepting or declining a chat that is no message request: members are told so, others find no chat.
  row('POST /v1/conversations/:id/accept', (w) => json(`/v1/conversations/${w.group}/accept`), members({ member: 409, owner: 409 })),
  row('POST /v1/conversations/:id/decline', (w) => json(`/v1/conversations/${w.group}/decline`), members({ member: 409, owner: 409 })),

  // Privacy centre.
  row('GET /v1/me/accesses', () => json('/v1/me/accesses'), people()),
  row('GET /v1/me/consents', () => json('/v1/me/consents'), people()),
  row('POST /v1/me/consents', () => json('/v1/me/consents', { noticeId: 'jp-media-storage-kr' }), people()),
  row('POST /v1/me/consents/:receiptId/withdraw', (w) => json(`/v1/me/consents/${w.consentReceipt}/withdraw`), people({ stranger: 404, reader: 404, member: 404, official: 404 })),
  row('GET /v1/me/transfers', () => json('/v1/me/transfers'), people()),
  row('GET /v1/me/disclosure', () => json('/v1/me/disclosure'), people()),
  row('GET /v1/me/incidents', () => json('/v1/me/incidents'), people()),

  // Operators: sessions.
  row('POST /v1/ops/auth/signin', async (w) => ({ ...json('/v1/ops/auth/signin', await w.fresh.operatorCredentials()), token: null }), everyone()),
  row('POST /v1/ops/auth/signout', async (w, c) => ({ url: '/v1/ops/auth/signout', token: await w.fresh.operatorSession(c) }), operators('all')),
  row('GET /v1/ops/me', () => json('/v1/ops/me'), operators('all')),

  // Operators: personal data through the broker. The policies decide per role and purpose (a
  // denial is 403 and logged); approvers and admins get no data access (policies/base.cedar).
  row('POST /v1/ops/access', (w) => json('/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: w.ticketRef, subjects: [w.user.owner.id], categories: ['user.contact'] }), operators(['support'])),
  row('GET /v1/ops/cases/:ref', (w) => json(`/v1/ops/cases/${w.ticketRef}`), operators(['support'])),
  row('GET /v1/ops/moderation/reports/:ref/message', (w) => json(`/v1/ops/moderation/reports/${w.reportRef}/message`), operators(['moderator'])),

  // Operators: control plane (ids and codes only).
  row('POST /v1/ops/cases', (w) => json('/v1/ops/cases', { subjects: [w.user.owner.id], reason: 'account' }), operators(['support', 'admin'])),
  row('GET /v1/ops/cases', () => json('/v1/ops/cases'), operators('all')),
  row('POST /v1/ops/cases/:ref/close', async (w) => json(`/v1/ops/cases/${await w.fresh.ticket()}/close`), operators(['support', 'moderator', 'security', 'admin'])),
  // The fresh ticket is already approved: an approver is told it is not pending, others may not approve.
  row('POST /v1/ops/cases/:ref/approve', async (w) => json(`/v1/ops/cases/${await w.fresh.ticket()}/approve`), operators(['approver'], 409)),
  row('GET /v1/ops/incidents', () => json('/v1/ops/incidents'), operators(['admin'])),
  row('POST /v1/ops/incidents', () => json('/v1/ops/incidents', { title: 'Matrix incident', knownAt: '2026-11-30T09:00:00Z', home: 'JP', actorOutside: 'JP', from: '2026-01-01', to: '2026-11-30' }), operators(['admin'])),
  row('GET /v1/ops/incidents/:id/report', () => json('/v1/ops/incidents/inc-0000000000/report'), operators(['admin'], 404)),
  row('GET /v1/ops/incidents/:id/report/:format', () => json('/v1/ops/incidents/inc-0000000000/report/csv'), operators(['admin'], 404)),
  row('GET /v1/ops/logs', () => json('/v1/ops/logs'), operators(['admin'])),
  row('POST /v1/ops/logs/:cell/verify', (w) => json(`/v1/ops/logs/${w.logCell}/verify`), operators(['admin'])),
  // Governance pages: privacy officers (not a matrix caller; test/http/ops-governance.test.ts) and admins.
  row('GET /v1/ops/data-map', () => json('/v1/ops/data-map'), operators(['admin'])),
  row('GET /v1/ops/recipients', () => json('/v1/ops/recipients'), operators(['admin'])),
  row('GET /v1/ops/notices', () => json('/v1/ops/notices'), operators(['admin'])),
  row('GET /v1/ops/policies', () => json('/v1/ops/policies'), operators(['admin'])),
  // Placement and migrations: admins (privacy officers read: test/http/ops-migration.test.ts). The
  // start names a category nobody has, so no caller starts a real move here.
  row('GET /v1/ops/placement', () => json('/v1/ops/placement'), operators(['admin'])),
  row('GET /v1/ops/migrations', () => json('/v1/ops/migrations'), operators(['admin'])),
  row('GET /v1/ops/migrations/requests', () => json('/v1/ops/migrations/requests'), operators(['admin'])),
  row('GET /v1/ops/migrations/:id', () => json('/v1/ops/migrations/mig-00000000'), operators(['admin'], 404)),
  row('POST /v1/ops/migrations/plan', () => json('/v1/ops/migrations/plan', { home: 'JP', categories: ['user.content.media'], to: 'jp' }), operators(['admin'])),
  row('POST /v1/ops/migrations', () => json('/v1/ops/migrations', { home: 'JP', categories: ['user.nothing'], to: 'jp' }), operators(['admin'], 400)),
  row('POST /v1/ops/migrations/requests/:id/approve', () => json('/v1/ops/migrations/requests/mreq-0000000000000000/approve'), operators(['admin'], 404)),
  row('POST /v1/ops/migrations/requests/:id/deny', () => json('/v1/ops/migrations/requests/mreq-0000000000000000/deny'), operators(['admin'], 404)),
  row('GET /v1/ops/migrations/:id/receipt', () => json('/v1/ops/migrations/mig-00000000/receipt'), operators(['admin'], 404)),
  row('GET /v1/ops/migrations/:id/manifest', () => json('/v1/ops/migrations/mig-00000000/manifest'), operators(['admin'], 404)),
  row('POST /v1/ops/policies/check', () => json('/v1/ops/policies/check', { files: [{ name: 'matrix.cedar', text: 'permit (principal, action, resource);' }] }), operators(['admin'])),
  // Made against a digest no set has: admins are told the set changed (nothing is written).
  row('POST /v1/ops/policies/apply', () => json('/v1/ops/policies/apply', { files: [{ name: 'matrix.cedar', text: 'permit (principal, action, resource);' }], baseDigest: '0'.repeat(64) }), operators(['admin'], 409)),
  row('POST /v1/ops/policies/what-if', () => json('/v1/ops/policies/what-if', { operatorId: 'op-matrix-nobody', action: 'read', subjectHome: 'JP', subjectClass: 'consumer', category: 'user.contact', purpose: 'SUPPORT_CASE', country: 'JP' }), operators(['admin'], 404)),
  row('POST /v1/ops/notices/validate', (w) => json('/v1/ops/notices/validate', { draft: JSON.stringify(w.notice) }), operators(['admin'])),
  row('GET /v1/ops/moderation/queue', () => json('/v1/ops/moderation/queue'), operators(['moderator', 'admin'])),
  row('POST /v1/ops/grants', (w) => json('/v1/ops/grants', { subjects: [w.user.owner.id], categories: ['user.content.message'], purpose: 'SUPPORT_CASE', caseRef: w.ticketRef, durationMinutes: 30, requestedLocation: 'JP' }), operators('all')),
  row('GET /v1/ops/grants', () => json('/v1/ops/grants'), operators('all')),
  row('GET /v1/ops/grants/:id', (w) => json(`/v1/ops/grants/${w.grantId}`), operators(['security', 'approver', 'admin'], '2xx', { support: 404, moderator: 404, engineer: 404 })),
  row('POST /v1/ops/grants/:id/approve', async (w) => json(`/v1/ops/grants/${await w.fresh.grant()}/approve`), operators(['approver'])),
  row('POST /v1/ops/grants/:id/deny', async (w) => json(`/v1/ops/grants/${await w.fresh.grant()}/deny`), operators(['approver'])),
  row('POST /v1/ops/grants/:id/revoke', async (w) => json(`/v1/ops/grants/${await w.fresh.approvedGrant()}/revoke`), operators(['security', 'approver', 'admin'])),
  row('GET /v1/ops/blocks', () => json('/v1/ops/blocks'), operators('all')),
  row('POST /v1/ops/blocks', () => json('/v1/ops/blocks', { country: 'US' }), operators(['security', 'admin'])),
  row('DELETE /v1/ops/blocks/:country', () => json('/v1/ops/blocks/US'), operators(['security', 'admin'])),
  row('GET /v1/ops/operators', () => json('/v1/ops/operators'), operators(['admin'])),
  row('POST /v1/ops/operators', (w) => json('/v1/ops/operators', { id: `op-m-${w.fresh.handle().toLowerCase()}`, name: 'Matrix Operator', employer: 'nihon-talk', employerCountry: 'JP', officeCountry: 'JP', roles: ['support'], password: 'matrix-password-1' }), operators(['admin'])),
  row('POST /v1/ops/operators/:id/disable', () => json('/v1/ops/operators/op-matrix-nobody/disable'), operators(['admin'], 404)),
];

// WebSocket frames -------------------------------------------------------------------------------

/**
 * A frame's outcome: 'ok' (answered without an error: its reply, or nothing, before a pong),
 * `error:CODE` (an error frame, the socket stays open) or `close:CODE` (the socket is closed).
 */
export type FrameOutcome = 'ok' | `error:${string}` | `close:${number}`;
export type FrameExpected = Readonly<Record<Caller, FrameOutcome>>;

export interface FrameRow {
  socket: '/v1/ws' | '/v1/ops/ws';
  type: string;
  frame: (w: World) => Record<string, unknown>;
  expect: FrameExpected;
}

const frameFill = (people: FrameOutcome, staff: FrameOutcome, o: Partial<Record<Caller, FrameOutcome>>): FrameExpected => {
  const e = {} as Record<Caller, FrameOutcome>;
  for (const c of CALLERS) e[c] = (PEOPLE as readonly string[]).includes(c) ? people : staff;
  return { ...e, ...o };
};
/** On /v1/ws: people get `ok`; no token, a revoked one, an operator's or an auditor's: closed 4401. */
const personFrame = (ok: FrameOutcome = 'ok', o: Partial<Record<Caller, FrameOutcome>> = {}): FrameExpected => frameFill(ok, 'close:4401', { anonymous: 'close:4401', revoked: 'close:4401', ...o });
/** On /v1/ops/ws: operators get `ok`; everyone else is closed 4401. */
const operatorFrame = (o: Partial<Record<Caller, FrameOutcome>> = {}): FrameExpected => {
  const e: Record<Caller, FrameOutcome> = { ...frameFill('close:4401', 'close:4401', {}) };
  for (const r of OPERATOR_CALLERS) e[r] = 'ok';
  return { ...e, ...o };
};

const notMembers = { stranger: 'error:NOT_A_MEMBER', reader: 'error:NOT_A_MEMBER', official: 'error:NOT_A_MEMBER' } as const;

export const frameRows: readonly FrameRow[] = [
  { socket: '/v1/ws', type: 'hello', frame: () => ({ type: 'hello' }), expect: personFrame() },
  { socket: '/v1/ws', type: 'send', frame: (w) => ({ type: 'send', clientId: `f-${w.fresh.handle()}`, conversationId: w.group, text: 'matrix frame' }), expect: personFrame('ok', notMembers) },
  { socket: '/v1/ws', type: 'read', frame: (w) => ({ type: 'read', conversationId: w.group, seq: 1 }), expect: personFrame('ok', notMembers) },
  { socket: '/v1/ws', type: 'ping', frame: () => ({ type: 'ping' }), expect: personFrame() },
  { socket: '/v1/ops/ws', type: 'hello', frame: () => ({ type: 'hello' }), expect: operatorFrame() },
  {
    socket: '/v1/ops/ws',
    type: 'access',
    frame: (w) => ({ type: 'access', requestId: 'matrix', purpose: 'SUPPORT_CASE', caseRef: w.ticketRef, subjects: [w.user.owner.id], categories: ['user.contact'] }),
    expect: operatorFrame({ moderator: 'error:ACCESS_DENIED', engineer: 'error:ACCESS_DENIED', security: 'error:ACCESS_DENIED', approver: 'error:ACCESS_DENIED', admin: 'error:ACCESS_DENIED' }),
  },
  { socket: '/v1/ops/ws', type: 'ping', frame: () => ({ type: 'ping' }), expect: operatorFrame() },
];

/**
 * Cases that fail today on holes colleagues are fixing (issue 14). Each is still run: while listed
 * it must fail as described, and the test tells you to remove the entry once it passes.
 */
export const KNOWN_HOLES: readonly { row: string; caller: Caller; item: string; why: string }[] = [];
