// Identifiers of records: random, and saying nothing about where the record lives — a record
// can move between cells (a region migration) and keep its id; the record directory
// (record-location.repository.ts) says where it is now.
import crypto from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const idLength = 20; // 20 × log2(62) ≈ 119 random bits
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

export function newId(): string {
  let out = '';
  while (out.length < idLength) {
    const b = randomByte();
    // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
    if (b < 248) out += alphabet[b % 62];
  }
  return out;
}

/**
 * Whether `id` has the shape of a record id: today's random ids, or the older ones that began
 * with the cell that minted them (`jp_…`), which stay valid after the data moved.
 */
export function isRecordId(id: string): boolean {
  return /^(?:[a-z][a-z0-9]{0,15}_)?[A-Za-z0-9]{8,40}$/.test(id);
}
