// Shared helpers for the access-log tests: where the shared test vectors live, and the LogError
// reason a call fails with.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogError } from './errors.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A path under `../shared/vectors/` beside the project. Reading it throws when it is missing: the
 * suites that use it must fail, never skip.
 */
export function sharedVectorPath(...segments: string[]): string {
  return path.resolve(projectRoot, '..', 'shared', 'vectors', ...segments);
}

/** The reason of the LogError `fn` throws, or 'ok' when it returns; any other error propagates. */
export function logErrorReason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof LogError) return err.reason;
    throw err;
  }
  return 'ok';
}
