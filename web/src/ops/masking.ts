// Which masking the broker applied to a released field, read from the decision that released its
// record: the console marks every masked value, so it must not guess.
import type { Decision, Masking, ReleasedRecord } from './types.js';

/** How a released field was masked, from the decision that released its record. */
export function maskingOf(decisions: readonly Decision[], record: ReleasedRecord, field: string): Masking {
  const decision =
    decisions.find((d) => d.decision === 'allow' && d.category === record.category && d.subjects.includes(record.subjectId)) ??
    decisions.find((d) => d.decision === 'allow' && record.category.startsWith(d.category));
  return decision?.masking?.[field] ?? 'clear';
}
