// Shared helpers for the transfer tests: a notice from the repository that the tests rely on being
// valid, so a broken fixture fails loudly instead of testing something else.
import { validateNotice, type ValidNotice } from './notice.validator.js';
import type { Registries } from './registry.js';

/** `input` validated against `registries`; throws naming every problem when it is not valid. */
export function validNotice(input: unknown, registries: Registries): ValidNotice {
  const result = validateNotice(input, registries);
  if (!result.ok) throw new Error(`invalid notice: ${result.problems.map((p) => `${p.code} at ${p.path || '/'}: ${p.message}`).join('; ')}`);
  return result.notice;
}
