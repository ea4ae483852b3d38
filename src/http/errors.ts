// The HTTP edge of the error catalogue: every error becomes `{ error: { code, message } }` with
// the catalogue's status. Client mistakes are 4xx with an actionable message; only our own
// faults are 5xx, and their details go to the log, not to the client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue, isDomainError, type ErrorCode } from '../errors/catalogue.js';
import { textFormatHints } from '../text/text.rule.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

const fastifyCodes: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the body is not valid JSON; check quotes, commas and brackets' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the body is empty but Content-Type says JSON; send a JSON object' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than this route accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'this Content-Type is not accepted here; send application/json (or an image type for uploads)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'Content-Length does not match the body' },
};

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isDomainError(error)) {
    const status = errorCatalogue[error.code].status;
    if (status >= 500) request.log.error({ err: error, code: error.code }, 'domain error');
    const clientDetails = status >= 500 ? undefined : error.details;
    // A limit says when to come back (RFC 9110 §10.2.3).
    const retryAfter = clientDetails?.['retryAfterSeconds'];
    if (status === 429 && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(status).send(errorBody(error.code, status >= 500 ? 'something went wrong on our side; try again' : error.message, clientDetails));
    return;
  }
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const first = error.validation[0];
    const hint = first?.keyword === 'format' ? textFormatHints[String(first.params['format'])] : undefined;
    if (first && hint) {
      void reply.status(400).send(errorBody('VALIDATION_FAILED', `${where}${first.instancePath}: ${hint}`));
      return;
    }
    void reply.status(400).send(errorBody('VALIDATION_FAILED', `${where}${error.message.startsWith(where) ? error.message.slice(where.length) : `: ${error.message}`}`));
    return;
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) {
    void reply.status(errorCatalogue[known.code].status).send(errorBody(known.code, known.message));
    return;
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    void reply.status(error.statusCode).send(errorBody('BAD_REQUEST', error.message));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.status(500).send(errorBody('INTERNAL', 'something went wrong on our side; try again'));
}

/** Errors the router raises before any route runs (bad URL encoding, oversize params). */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(errorBody('URI_TOO_LONG', 'a path segment is too long; ids are at most 100 characters'));
    return;
  }
  void reply.status(400).send(errorBody('BAD_REQUEST', 'the request URL could not be read; check its encoding'));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send(errorBody('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`));
}
