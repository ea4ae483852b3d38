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
