// C2SP tlog-tiles: tile and entry-bundle paths, which tiles a tree size has, the bytes of a hash
// tile from stored subtree hashes, a HashAt that reads hashes back out of tiles, and entry bundle
// encoding. Tile height is 8, so a full tile holds 256 hashes.
import { LogError } from './errors.js';
import { HASH_SIZE, nodeHash, type Hash, type HashAt } from './merkle.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const MAX_ENTRY_SIZE = 0xffff;

/** A hash tile: level L holds the subtree hashes of tree level 8·L, `width` of them from index·256. */
export interface HashTile {
  readonly kind: 'hash';
  readonly level: number;
  readonly index: number;
  /** 1..256; 256 is a full tile. */
  readonly width: number;
}

/** An entry bundle: the entries of leaves index·256 .. index·256 + width − 1. */
export interface EntryBundle {
  readonly kind: 'entries';
  readonly index: number;
  readonly width: number;
}

export type Tile = HashTile | EntryBundle;

function badPath(path: string, why: string): LogError {
  return new LogError('malformed-tile-path', `${JSON.stringify(path)}: ${why}`);
}

function assertTile(tile: Tile): void {
  const levelOk = tile.kind === 'entries' || (Number.isInteger(tile.level) && tile.level >= 0 && tile.level <= 63);
  if (
    !levelOk ||
    !Number.isSafeInteger(tile.index) ||
    tile.index < 0 ||
    !Number.isInteger(tile.width) ||
    tile.width < 1 ||
    tile.width > TILE_WIDTH
  ) {
    throw new LogError('invalid-argument', `invalid tile ${JSON.stringify(tile)}`);
  }
}

/** 1234067 → x001/x234/067: three-digit elements so directories stay small. */
function formatIndex(index: number): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function formatTilePath(tile: Tile): string {
  assertTile(tile);
  const level = tile.kind === 'entries' ? 'entries' : String(tile.level);
  const partial = tile.width < TILE_WIDTH ? `.p/${tile.width}` : '';
  return `tile/${level}/${formatIndex(tile.index)}${partial}`;
}

const LEVEL = /^(?:0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;

/** Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, accepting only the canonical spelling. */
export function parseTilePath(path: string): Tile {
  const elements = path.split('/');
  if (elements.length < 3 || elements[0] !== 'tile') throw badPath(path, 'not a tile path');
  const levelText = elements[1] as string;
  let rest = elements.slice(2);
  let width = TILE_WIDTH;
  const last = rest[rest.length - 1] as string;
  if (rest.length >= 2 && (rest[rest.length - 2] as string).endsWith('.p')) {
    if (!WIDTH.test(last) || Number(last) >= TILE_WIDTH) throw badPath(path, 'partial width must be 1..255');
    width = Number(last);
    rest = rest.slice(0, -1);
    rest[rest.length - 1] = (rest[rest.length - 1] as string).slice(0, -2);
  }
  const digits = rest.map((el, i) => {
    const m = (i < rest.length - 1 ? /^x([0-9]{3})$/ : /^([0-9]{3})$/).exec(el);
    if (m === null) throw badPath(path, 'index elements must be x-prefixed three-digit groups ending in three digits');
    return m[1] as string;
  });
  const index = Number(digits.join(''));
  if (!Number.isSafeInteger(index)) throw badPath(path, 'index is too large');
  let tile: Tile;
  if (levelText === 'entries') {
    tile = { kind: 'entries', index, width };
  } else {
    if (!LEVEL.test(levelText) || Number(levelText) > 63) throw badPath(path, 'level must be 0..63');
    tile = { kind: 'hash', level: Number(levelText), index, width };
  }
  // Leading x000 groups would give one tile two names.
  if (formatTilePath(tile) !== path) throw badPath(path, 'not in canonical form');
  return tile;
}

/** Number of stored subtree hashes at tree level 8·tileLevel in a tree of `treeSize` leaves. */
function hashesAtTileLevel(treeSize: number, tileLevel: number): number {
  return Math.floor(treeSize / TILE_WIDTH ** tileLevel);
}

/**
 * The hash tiles of a tree of `treeSize` leaves that differ from those of `fromSize` (default 0:
 * all of them), lowest level first. Entry bundles share the level-0 coordinates.
 */
export function hashTilesForSize(treeSize: number, fromSize = 0): HashTile[] {
  if (!Number.isSafeInteger(treeSize) || !Number.isSafeInteger(fromSize) || fromSize < 0 || fromSize > treeSize) {
    throw new LogError('invalid-argument', `cannot grow from ${fromSize} to ${treeSize}`);
  }
  const tiles: HashTile[] = [];
  for (let level = 0; hashesAtTileLevel(treeSize, level) > 0; level++) {
    const count = hashesAtTileLevel(treeSize, level);
    const oldCount = hashesAtTileLevel(fromSize, level);
    if (count === oldCount) continue;
    for (let index = Math.floor(oldCount / TILE_WIDTH); index * TILE_WIDTH < count; index++) {
      tiles.push({ kind: 'hash', level, index, width: Math.min(TILE_WIDTH, count - index * TILE_WIDTH) });
    }
  }
  return tiles;
}

/** The bytes of a hash tile: `width` consecutive 32-byte hashes. */
export function hashTileBytes(tile: HashTile, hashAt: HashAt): Buffer {
  assertTile(tile);
  const out = Buffer.allocUnsafe(tile.width * HASH_SIZE);
  const level = tile.level * TILE_HEIGHT;
  for (let i = 0; i < tile.width; i++) {
    const h = hashAt(level, tile.index * TILE_WIDTH + i);
    if (h.length !== HASH_SIZE) throw new LogError('invalid-argument', 'stored hash has the wrong length');
    out.set(h, i * HASH_SIZE);
  }
  return out;
}

/**
 * A HashAt for a tree of `treeSize` leaves that reads only tiles. Levels between tile levels are
 * recomputed inside one tile (at most 255 hashes). `readTile` should cache; it is called per hash.
 */
export function tileHashAt(treeSize: number, readTile: (tile: HashTile) => Uint8Array): HashAt {
  return (level, index) => {
    if (!Number.isSafeInteger(index) || index < 0 || (index + 1) * 2 ** level > treeSize) {
      throw new LogError('invalid-argument', `no full subtree at level ${level}, index ${index} in size ${treeSize}`);
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level - tileLevel * TILE_HEIGHT);
    const first = index * span;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, hashesAtTileLevel(treeSize, tileLevel) - tileIndex * TILE_WIDTH);
    const bytes = readTile({ kind: 'hash', level: tileLevel, index: tileIndex, width });
    if (bytes.length !== width * HASH_SIZE) {
      throw new LogError('invalid-argument', `tile ${tileLevel}/${tileIndex} has ${bytes.length} bytes, want ${width * HASH_SIZE}`);
    }
    const offset = first - tileIndex * TILE_WIDTH;
    let row: Hash[] = [];
    for (let i = 0; i < span; i++) row.push(bytes.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
    while (row.length > 1) {
      const next: Hash[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i] as Hash, row[i + 1] as Hash));
      row = next;
    }
    return row[0] as Hash;
  };
}

/** Concatenates entries, each behind its 2-byte big-endian length. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  if (entries.length === 0 || entries.length > TILE_WIDTH) {
    throw new LogError('invalid-argument', `an entry bundle holds 1..${TILE_WIDTH} entries, got ${entries.length}`);
  }
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new LogError('invalid-argument', `entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`);
    total += 2 + e.length;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    at = out.writeUInt16BE(e.length, at);
    out.set(e, at);
    at += e.length;
  }
  return out;
}

/**
 * Splits an entry bundle into entries (views into `bytes`, not copies). With `expectedCount`,
 * the bundle must hold exactly that many, as its path's width says.
 */
export function decodeEntryBundle(bytes: Uint8Array, expectedCount?: number): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 2 > buf.length) throw new LogError('malformed-bundle', 'truncated entry length');
    const length = buf.readUInt16BE(at);
    at += 2;
    if (at + length > buf.length) throw new LogError('malformed-bundle', 'truncated entry');
    entries.push(buf.subarray(at, at + length));
    at += length;
    if (entries.length > TILE_WIDTH) throw new LogError('malformed-bundle', `more than ${TILE_WIDTH} entries`);
  }
  if (entries.length === 0) throw new LogError('malformed-bundle', 'empty bundle');
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    throw new LogError('malformed-bundle', `bundle holds ${entries.length} entries, want ${expectedCount}`);
  }
  return entries;
}
