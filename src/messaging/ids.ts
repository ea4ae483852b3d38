// Identifiers. Ids of cell-resident records start with their cell id (`jp_…`), so any id
// routes to its cell without a lookup table that would itself hold personal data.
import crypto from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const idLength = 16; // 16 × log2(62) ≈ 95 random bits
// Random bytes are drawn in blocks: one system call per few hundred ids instead of one per id,
// which showed in profiles of the message hot path.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomByte(): number {
  if (offset === pool.length) {
    crypto.randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] as number;
}

export function newId(cellId: string): string {
  let out = `${cellId}_`;
  while (out.length < cellId.length + 1 + idLength) {
    const b = randomByte();
    // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
    if (b < 248) out += alphabet[b % 62];
  }
  return out;
}

/** The cell id an id was minted in, or null for a malformed id. */
export function cellOfId(id: string): string | null {
  const match = /^([a-z][a-z0-9]{0,15})_[A-Za-z0-9]{8,40}$/.exec(id);
  return match ? (match[1] ?? null) : null;
}

export const handlePattern = /^[a-z][a-z0-9-]{2,31}$/;
