// The WebSocket edge shared by /v1/ws and /v1/ops/ws: frames are JSON text, parsed and handled one
// at a time (so replies leave in the order the frames came); a DomainError becomes an error frame,
// and may close the socket with the catalogue's close code; anything else is logged and the
// client gets an INTERNAL error frame.
import { Value } from '@sinclair/typebox/value';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { firstTextProblem, textFormatHints } from '../text/text.rule.js';
import { DomainError, errorCatalogue, isDomainError, type ErrorCode } from '../errors/catalogue.js';

/**
 * A close reason cut to the 123 bytes a close frame can carry (RFC 6455 §5.5), at a character
 * boundary: a message naming a client's non-ASCII input is longer in bytes than in characters.
 */
export function closeReason(message: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of message) {
    bytes += Buffer.byteLength(char);
    if (bytes > 123) break;
    end += char.length;
  }
  return message.slice(0, end);
}

/** An `error` frame; `extra` fields (a client or request id, details) follow the message. */
export function errorFrame(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'error', code, message, ...extra });
}

/** One frame's JSON value; MALFORMED_JSON when it is not JSON. */
function parseFrame(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new DomainError('MALFORMED_JSON', 'each frame must be one JSON object');
  }
}

/** The frame's own `clientId` / `requestId`, echoed in its error frame so the client can match it. */
function correlationOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  const ids: Record<string, string> = {};
  for (const name of ['clientId', 'requestId']) {
    const id = (value as Record<string, unknown>)[name];
    if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id)) ids[name] = id;
  }
  return ids;
}

/** The first thing wrong with `value` against `schema`, for an error message. */
export function firstProblem(schema: Parameters<typeof Value.Errors>[0], value: unknown): string {
  const error = Value.Errors(schema, value).First();
  if (!error) return 'invalid frame';
  const format = (error.schema as { format?: unknown }).format;
  const hint = typeof format === 'string' ? textFormatHints[format] : undefined;
  return `${error.path || 'frame'}: ${hint ?? error.message}`;
}

export interface FrameLoopOptions {
  socket: WebSocket;
  /**
   * Handles one frame's JSON value, whose strings already passed the text rule (the same rule as
   * HTTP bodies); frames are handled one at a time, in order. A frame handled at once returns
   * nothing (or throws); one that waits returns a promise, and the next frame waits for it.
   */
  onFrame: (value: unknown) => Promise<void> | undefined;
  send: (frame: string) => void;
  /** Whether this refusal also ends the socket (with the catalogue's close code). */
  closesSocket: (err: DomainError) => boolean;
  log: FastifyBaseLogger;
  /** The log message for a frame that failed with something other than a DomainError. */
  failureMessage: string;
}

/**
 * Runs the socket's text frames through `onFrame`, one at a time; binary frames close it (4400).
 * A frame that arrives while none is waiting is handled at once, in the socket's event; one that
 * arrives while a frame waits goes in a chain behind it. (Every frame through a chain cost a
 * promise and a turn of microtasks per message on the realtime hot path.)
 */
export function handleFrames({ socket, onFrame, send, closesSocket, log, failureMessage }: FrameLoopOptions): void {
  const refuse = (err: unknown, value: unknown): void => {
    if (isDomainError(err)) {
      send(errorFrame(err.code, err.message, correlationOf(value)));
      if (closesSocket(err)) socket.close(errorCatalogue[err.code].wsClose, closeReason(err.message));
      return;
    }
    log.error({ err }, failureMessage);
    send(errorFrame('INTERNAL', 'something went wrong on our side; try again', correlationOf(value)));
  };
  /** One frame, start to end; a promise (that never rejects) while it still waits. */
  const handle = (raw: string): Promise<void> | undefined => {
    let value: unknown = null;
    try {
      value = parseFrame(raw);
      const problem = firstTextProblem(value, 'frame');
      if (problem) throw new DomainError('VALIDATION_FAILED', problem);
      const waiting = onFrame(value);
      if (waiting === undefined) return undefined;
      const parsed = value;
      return waiting.then(undefined, (err: unknown) => refuse(err, parsed));
    } catch (err) {
      refuse(err, value);
      return undefined;
    }
  };
  // The frame that still waits, with any queued behind it; null when the last one is done.
  let tail: Promise<void> | null = null;
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      socket.close(4400, 'frames are JSON text');
      return;
    }
    const raw = String(data);
    let next: Promise<void> | undefined;
    if (tail === null) next = handle(raw);
    else {
      const run = (): Promise<void> | undefined => handle(raw);
      next = tail.then(run, run);
    }
    if (next === undefined) return;
    const current = next;
    tail = current;
    void current.then(() => {
      if (tail === current) tail = null;
    });
  });
}
