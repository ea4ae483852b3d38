// Shared helpers for the access-log tests: where the shared test vectors live, and the LogError
// reason a call fails with.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogError } from './errors.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `../shared/vectors/` beside the project (in CI and on the build machines). */
export const sharedVectorsDir = path.resolve(projectRoot, '..', 'shared', 'vectors');

/**
 * A file or folder under `../shared/vectors/`. Throws when it is missing, naming where it is
 * expected: the suites that use the vectors must fail without them, never skip or pass empty.
 */
export function sharedVectorPath(...segments: string[]): string {
  const target = path.resolve(sharedVectorsDir, ...segments);
  if (!existsSync(target)) {
    throw new Error(
      `shared test vectors are missing: expected ${target} (the shared vectors live in ../shared/vectors beside the repository, ` +
        `here ${sharedVectorsDir}); check out or copy them there, the vector suites fail without them`,
    );
  }
  return target;
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
