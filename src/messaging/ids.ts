// Identifiers. Ids of cell-resident records start with their cell id (`jp_…`), so any id
// routes to its cell without a lookup table that would itself hold personal data.
import crypto from 'node:crypto';

export function newId(cellId: string): string {
  return `${cellId}_${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** The cell id an id was minted in, or null for a malformed id. */
export function cellOfId(id: string): string | null {
  const match = /^([a-z][a-z0-9]{0,15})_[A-Za-z0-9]{8,40}$/.exec(id);
  return match ? (match[1] ?? null) : null;
}

export const handlePattern = /^[a-z][a-z0-9-]{2,31}$/;
