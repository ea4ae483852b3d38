import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logErrorReason } from './log.test-support.js';
import {
  buildLevels,
  consistencyProof,
  inclusionProof,
  leafHash,
  levelsHashAt,
  rootAt,
  rootOf,
  verifyInclusion,
} from './merkle.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  formatTilePath,
  hashTileBytes,
  hashTilesForSize,
  parseTilePath,
  tileHashAt,
  type HashTile,
  type Tile,
} from './tiles.js';

describe('tile paths', () => {
  it('formats the spec examples', () => {
    expect(formatTilePath({ kind: 'hash', level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(formatTilePath({ kind: 'hash', level: 1, index: 5, width: 256 })).toBe('tile/1/005');
    expect(formatTilePath({ kind: 'hash', level: 2, index: 0, width: 3 })).toBe('tile/2/000.p/3');
    expect(formatTilePath({ kind: 'entries', index: 1234067, width: 8 })).toBe('tile/entries/x001/x234/067.p/8');
    expect(formatTilePath({ kind: 'hash', level: 0, index: 1000, width: 256 })).toBe('tile/0/x001/000');
  });

  it('round-trips every tile', () => {
    const tile: fc.Arbitrary<Tile> = fc.oneof(
      fc.record({
        kind: fc.constant('hash' as const),
        level: fc.integer({ min: 0, max: 63 }),
        index: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        width: fc.integer({ min: 1, max: 256 }),
      }),
      fc.record({
        kind: fc.constant('entries' as const),
        index: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        width: fc.integer({ min: 1, max: 256 }),
      }),
    );
    fc.assert(
      fc.property(tile, (t) => {
        expect(parseTilePath(formatTilePath(t))).toEqual(t);
      }),
    );
  });

  it('rejects malformed and non-canonical paths', () => {
    const bad = [
      'tile/0',
      'tile/0/',
      'tile/0/67',
      'tile/0/0067',
      'tile/0/x000/067',
      'tile/0/001/067',
      'tile/0/x001/x067',
      'tile/0/x001.p/5',
      'tile/0/067.p',
      'tile/0/067.p/0',
      'tile/0/067.p/256',
      'tile/0/067.p/05',
      'tile/0/067/',
      'tile/00/067',
      'tile/64/067',
      'tile/-1/067',
      'tile/data/067',
      'tiles/0/067',
      '/tile/0/067',
      'tile/entries/x1/067',
      'tile/0/x009/x007/x199/x254/x740/993',
    ];
    for (const path of bad) expect(logErrorReason(() => parseTilePath(path)), path).toBe('malformed-tile-path');
  });
});

describe('tiles of a tree', () => {
  it('lists full and partial tiles per level', () => {
    const tiles = hashTilesForSize(70_000);
    const perLevel = (l: number): HashTile[] => tiles.filter((t) => t.level === l);
    expect(perLevel(0)).toHaveLength(274);
    expect(perLevel(0).at(-1)).toEqual({ kind: 'hash', level: 0, index: 273, width: 112 });
    expect(perLevel(1)).toEqual([
      { kind: 'hash', level: 1, index: 0, width: 256 },
      { kind: 'hash', level: 1, index: 1, width: 17 },
    ]);
    expect(perLevel(2)).toEqual([{ kind: 'hash', level: 2, index: 0, width: 1 }]);
    expect(hashTilesForSize(0)).toEqual([]);
    expect(hashTilesForSize(255)).toEqual([{ kind: 'hash', level: 0, index: 0, width: 255 }]);
    expect(hashTilesForSize(256).map(formatTilePath)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
  });

  it('lists exactly the tiles that change as the tree grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 70_000 }), (from, grow) => {
        const to = from + grow;
        const before = new Set(hashTilesForSize(from).map(formatTilePath));
        const expected = hashTilesForSize(to).map(formatTilePath).filter((p) => !before.has(p));
        expect(hashTilesForSize(to, from).map(formatTilePath)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('re-derives the root and proofs of a 70,000-leaf tree from its tiles alone', () => {
    const n = 70_000;
    const entries = Array.from({ length: n }, (_, i) => Buffer.from(`{"seq":${i},"actor":"op-${i % 97}"}`));
    const leaves = entries.map(leafHash);
    const levelsAt = levelsHashAt(buildLevels(leaves));

    const store = new Map<string, Buffer>();
    for (const tile of hashTilesForSize(n)) store.set(formatTilePath(tile), hashTileBytes(tile, levelsAt));
    for (const tile of hashTilesForSize(n).filter((t) => t.level === 0)) {
      const first = tile.index * 256;
      store.set(
        formatTilePath({ kind: 'entries', index: tile.index, width: tile.width }),
        encodeEntryBundle(entries.slice(first, first + tile.width)),
      );
    }

    const reads: string[] = [];
    const fromTiles = tileHashAt(n, (tile) => {
      const path = formatTilePath(tile);
      reads.push(path);
      const bytes = store.get(path);
      if (bytes === undefined) throw new Error(`missing ${path}`);
      return bytes;
    });
    const root = rootOf(leaves);
    expect(rootAt(fromTiles, n)).toEqual(root);
    expect(reads.every((p) => store.has(p))).toBe(true);

    for (const index of [0, 1, 255, 256, 65_535, 65_536, 69_999, 12_345]) {
      const proof = inclusionProof(fromTiles, index, n);
      expect(proof).toEqual(inclusionProof(levelsAt, index, n));
      expect(verifyInclusion(leaves[index] as Buffer, index, n, proof, root)).toBe(true);
    }
    expect(consistencyProof(fromTiles, 65_537, n)).toEqual(consistencyProof(levelsAt, 65_537, n));

    // Entry bundles alone give back the leaf hashes of the level-0 tiles.
    for (const tile of hashTilesForSize(n).filter((t) => t.level === 0)) {
      const bundle = store.get(formatTilePath({ kind: 'entries', index: tile.index, width: tile.width }));
      const rehashed = Buffer.concat(decodeEntryBundle(bundle ?? Buffer.alloc(0), tile.width).map(leafHash));
      expect(rehashed.equals(store.get(formatTilePath(tile)) ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it('refuses tiles of the wrong size and hashes beyond the tree', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => leafHash(Buffer.from([i % 256, i >= 256 ? 1 : 0])));
    const at = levelsHashAt(buildLevels(leaves));
    const short = tileHashAt(300, (tile) => hashTileBytes(tile, at).subarray(32));
    expect(logErrorReason(() => short(0, 5))).toBe('invalid-argument');
    const fine = tileHashAt(300, (tile) => hashTileBytes(tile, at));
    expect(fine(8, 0)).toEqual(at(8, 0));
    expect(fine(3, 36)).toEqual(at(3, 36));
    expect(logErrorReason(() => fine(0, 300))).toBe('invalid-argument');
    expect(logErrorReason(() => fine(3, 37))).toBe('invalid-argument');
  });
});

describe('entry bundles', () => {
  it('round-trips entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        const bundle = encodeEntryBundle(entries);
        expect(decodeEntryBundle(bundle, entries.length).map((e) => Uint8Array.from(e))).toEqual(entries);
      }),
      { numRuns: 50 },
    );
  });

  it('uses a two-byte big-endian length prefix', () => {
    expect(encodeEntryBundle([Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(258, 1)]).subarray(0, 9)).toEqual(
      Buffer.from([0, 2, 0x61, 0x62, 0, 0, 1, 2, 1]),
    );
    expect(decodeEntryBundle(encodeEntryBundle([Buffer.alloc(65_535)]))[0]).toHaveLength(65_535);
  });

  it('rejects malformed bundles and oversize input', () => {
    const good = encodeEntryBundle([Buffer.from('abc'), Buffer.from('de')]);
    expect(logErrorReason(() => decodeEntryBundle(good.subarray(0, good.length - 1)))).toBe('malformed-bundle');
    expect(logErrorReason(() => decodeEntryBundle(Buffer.concat([good, Buffer.from([0])])))).toBe('malformed-bundle');
    expect(logErrorReason(() => decodeEntryBundle(Buffer.alloc(0)))).toBe('malformed-bundle');
    expect(logErrorReason(() => decodeEntryBundle(good, 3))).toBe('malformed-bundle');
    expect(logErrorReason(() => decodeEntryBundle(Buffer.alloc(2 * 257)))).toBe('malformed-bundle');
    expect(logErrorReason(() => encodeEntryBundle([Buffer.alloc(65_536)]))).toBe('invalid-argument');
    expect(logErrorReason(() => encodeEntryBundle([]))).toBe('invalid-argument');
    expect(logErrorReason(() => encodeEntryBundle(Array.from({ length: 257 }, () => Buffer.alloc(0))))).toBe(
      'invalid-argument',
    );
  });
});
