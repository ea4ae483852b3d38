// The one error catalogue: every failure a client or operator can see has a stable code here.
// Domain code throws DomainError; only the edges (HTTP, WebSocket, CLI) map codes to statuses.

export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, wsClose: 4400 },
  MALFORMED_JSON: { status: 400, wsClose: 4400 },
  BAD_REQUEST: { status: 400, wsClose: 4400 },
  URI_TOO_LONG: { status: 414, wsClose: 4400 },
  ROUTE_NOT_FOUND: { status: 404, wsClose: 4404 },
  METHOD_NOT_ALLOWED: { status: 405, wsClose: 4400 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, wsClose: 4400 },
  PAYLOAD_TOO_LARGE: { status: 413, wsClose: 4413 },
  NOT_AN_IMAGE: { status: 415, wsClose: 4400 },
  UNAUTHENTICATED: { status: 401, wsClose: 4401 },
  INVALID_CREDENTIALS: { status: 401, wsClose: 4401 },
  SESSION_REVOKED: { status: 401, wsClose: 4401 },
  RATE_LIMITED: { status: 429, wsClose: 4429 },
  // Sessions and sign-in: a session past its idle or absolute lifetime; a password a strength
  // estimator finds guessable (details.score); an account that saw many failed sign-ins, open
  // only from a device (address) that signed in to it before until the lock passes
  // (details.retryAfterSeconds); too many open WebSockets (close 4429).
  SESSION_EXPIRED: { status: 401, wsClose: 4401 },
  WEAK_PASSWORD: { status: 400, wsClose: 4400 },
  ACCOUNT_PROTECTED: { status: 429, wsClose: 4429 },
  TOO_MANY_SOCKETS: { status: 429, wsClose: 4429 },
  // A group a stranger added the person to: a message request to accept (or decline) before
  // writing in it; accepting or declining what is not a request.
  MESSAGE_REQUEST_PENDING: { status: 409, wsClose: 4409 },
  NOT_A_REQUEST: { status: 409, wsClose: 4409 },
  FORBIDDEN: { status: 403, wsClose: 4403 },
  NOT_A_MEMBER: { status: 404, wsClose: 4404 },
  NOT_FOUND: { status: 404, wsClose: 4404 },
  HANDLE_TAKEN: { status: 409, wsClose: 4409 },
  LOGIN_TAKEN: { status: 409, wsClose: 4409 },
  ALREADY_EXISTS: { status: 409, wsClose: 4409 },
  GROUP_FULL: { status: 409, wsClose: 4409 },
  READ_ONLY_CONVERSATION: { status: 403, wsClose: 4403 },
  UNKNOWN_JURISDICTION: { status: 400, wsClose: 4400 },
  WRONG_CELL: { status: 500, wsClose: 1011 },
  CELL_UNAVAILABLE: { status: 503, wsClose: 1013 },
  CONFIG_INVALID: { status: 500, wsClose: 1011 },
  INTERNAL: { status: 500, wsClose: 1011 },
  // The access log: an entry the broker built wrongly, a log that cannot record (so the access
  // is refused), stored state that contradicts its signed checkpoints, entry bundles without an
  // auditor's token.
  INVALID_ACCESS_ENTRY: { status: 500, wsClose: 1011 },
  LOG_UNAVAILABLE: { status: 503, wsClose: 1013 },
  LOG_INCONSISTENT: { status: 500, wsClose: 1011 },
  AUDITOR_REQUIRED: { status: 401, wsClose: 4401 },
  // Operator access: the broker refused (the refusal itself is logged), the request's source
  // country is unknown, disagrees with the declared office, or is cut off; a demo-only address
  // simulation asked for outside demo mode; grant workflow conflicts; a case that does not
  // exist or does not cover the request.
  ACCESS_DENIED: { status: 403, wsClose: 4403 },
  LOCATION_UNKNOWN: { status: 403, wsClose: 4403 },
  LOCATION_MISMATCH: { status: 403, wsClose: 4403 },
  JURISDICTION_BLOCKED: { status: 403, wsClose: 4403 },
  SIMULATION_NOT_ALLOWED: { status: 403, wsClose: 4403 },
  SELF_APPROVAL: { status: 403, wsClose: 4403 },
  GRANT_NOT_PENDING: { status: 409, wsClose: 4409 },
  // A staff-opened case that is no longer awaiting approval (or confirmation), or already approved by you.
  CASE_NOT_PENDING: { status: 409, wsClose: 4409 },
  UNKNOWN_CASE: { status: 404, wsClose: 4404 },
  // The governance console: a policy change the validator refuses (details.problems, each with
  // file, line and policy id; nothing is written); a change made against a set no longer in force;
  // no set in force to change or ask; an admin disabling their own account.
  POLICY_REJECTED: { status: 400, wsClose: 4400 },
  POLICY_CHANGED: { status: 409, wsClose: 4409 },
  POLICY_NOT_LOADED: { status: 409, wsClose: 4409 },
  CANNOT_DISABLE_SELF: { status: 409, wsClose: 4409 },
  // Data categories: a name that is not in the taxonomy (src/cells/categories.ts; the message
  // lists the valid ones), or a real category of which Domicile holds nothing to serve.
  UNKNOWN_CATEGORY: { status: 400, wsClose: 4400 },
  // Region migration: another job or placement change is in the way, or the job is past the step asked for.
  MIGRATION_CONFLICT: { status: 409, wsClose: 4409 },
  // A migration request (the two-person rule for large moves) already approved or denied.
  MIGRATION_REQUEST_NOT_PENDING: { status: 409, wsClose: 4409 },
  CATEGORY_NOT_HELD: { status: 400, wsClose: 4400 },
  // Cross-border transfers: no legal basis for a subject's data to go to a country (details name
  // what is missing); consent is the missing basis and the person can give it after reading the
  // notice in details.noticeId; a notice that may not be shown (details.problems); consent that
  // cannot be recorded (notice not in effect, or for another home); a consent or notice version
  // the client showed that is no longer current.
  TRANSFER_NO_BASIS: { status: 403, wsClose: 4403 },
  TRANSFER_CONSENT_REQUIRED: { status: 409, wsClose: 4409 },
  NOTICE_REFUSED: { status: 422, wsClose: 4400 },
  CONSENT_REFUSED: { status: 422, wsClose: 4400 },
  NOTICE_VERSION_CHANGED: { status: 409, wsClose: 4409 },
  // Domicile Pay: an amount that is not a positive whole number within the per-payment limit;
  // a wallet without the money (nothing is debited); a payee that does not exist, or yourself;
  // currencies that differ (no exchange here); a home Pay does not serve; an idempotency key
  // reused for a different payment; a refund of something not received or already refunded;
  // a simulated top-up outside demo mode.
  PAY_INVALID_AMOUNT: { status: 400, wsClose: 4400 },
  PAY_INSUFFICIENT_FUNDS: { status: 409, wsClose: 4409 },
  PAY_UNKNOWN_PAYEE: { status: 404, wsClose: 4404 },
  PAY_SELF_PAYMENT: { status: 400, wsClose: 4400 },
  PAY_CURRENCY_MISMATCH: { status: 400, wsClose: 4400 },
  PAY_UNSUPPORTED_HOME: { status: 400, wsClose: 4400 },
  PAY_IDEMPOTENCY_CONFLICT: { status: 409, wsClose: 4409 },
  PAY_NOT_REFUNDABLE: { status: 409, wsClose: 4409 },
  PAY_TOPUP_DISABLED: { status: 403, wsClose: 4403 },
  // Money requests in a chat: only a member can be asked; a request no longer open cannot be
  // accepted, declined or cancelled; a request that is not yours is not found.
  PAY_NOT_A_CHAT_MEMBER: { status: 403, wsClose: 4403 },
  PAY_REQUEST_NOT_FOUND: { status: 404, wsClose: 4404 },
  PAY_REQUEST_NOT_OPEN: { status: 409, wsClose: 4409 },
} as const satisfies Record<string, { status: number; wsClose: number }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** Details of a refusal by a limit: when to try again (the HTTP edge sends it as Retry-After). */
export function retryAfterDetails(waitMs: number): { retryAfterSeconds: number } {
  return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}
