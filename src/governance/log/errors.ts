// The one error type of the log's pure cores. Each failure carries a stable reason so the
// database-backed log and the HTTP edge can map it to a catalogue code without parsing messages.

export type LogErrorReason =
  | 'invalid-argument'
  | 'invalid-proof'
  | 'malformed-note'
  | 'malformed-key'
  | 'key-hash-mismatch'
  | 'invalid-signature'
  | 'no-verified-signature'
  | 'malformed-checkpoint'
  | 'origin-mismatch'
  | 'malformed-tile-path'
  | 'malformed-bundle'
  | 'not-json';

export class LogError extends Error {
  readonly reason: LogErrorReason;

  constructor(reason: LogErrorReason, message: string) {
    super(message);
    this.name = 'LogError';
    this.reason = reason;
  }
}

export function isLogError(err: unknown): err is LogError {
  return err instanceof LogError;
}
