import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLevels, CompactRange, consistencyProof, inclusionProof, leafHash, levelsHashAt, rootAt, type Hash } from './merkle.js';
import { hashesAtTileLevel, PACKED_TILE_SIZE, TileCache, TileTree } from './tile-cache.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

function leaves(n: number): Hash[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
}

/** A cache whose storage is the packed levels of an in-memory tree, counting reads. */
function cacheOver(levels: Buffer[], size: number): { cache: TileCache; reads: () => number } {
  let reads = 0;
  const cache = new TileCache(async (tileLevel, index) => {
    reads += 1;
    const packed = levels[tileLevel * TILE_HEIGHT] as Buffer;
    const count = hashesAtTileLevel(size, tileLevel);
    const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
    return TileTree.of(packed.subarray(index * TILE_WIDTH * 32, (index * TILE_WIDTH + width) * 32));
  }, 16);
  return { cache, reads: () => reads };
}

describe('packed tiles', () => {
  it('hold every node of the eight levels inside a tile', () => {
    const hashes = leaves(256);
    const tree = TileTree.of(Buffer.concat(hashes));
    const levels = buildLevels(hashes);
    for (let k = 0; k < TILE_HEIGHT; k++) {
      for (let i = 0; i < 256 >> k; i++) expect(Buffer.from(tree.hash(k, i))).toEqual(Buffer.from(levelsHashAt(levels)(k, i)));
    }
    expect(tree.packed.length).toBe(PACKED_TILE_SIZE);
    const again = TileTree.fromPacked(tree.packed, 256);
    expect(Buffer.from(again.hash(7, 1))).toEqual(Buffer.from(tree.hash(7, 1)));
  });

  it('can be filled from the nodes a compact range reports, without hashing again', () => {
    const hashes = leaves(256);
    const recorded = TileTree.empty();
    const range = new CompactRange();
    for (const h of hashes) {
      range.append(h, (level, index, hash) => {
        if (level < TILE_HEIGHT) recorded.record(level, index, hash);
      });
    }
    expect(recorded.packed).toEqual(TileTree.of(Buffer.concat(hashes)).packed);
    expect(() => recorded.record(0, 3, hashes[0] as Hash)).toThrow();
  });

  it('grow by appending without changing what a narrower reader saw', () => {
    const hashes = leaves(200);
    const tree = TileTree.of(Buffer.concat(hashes.slice(0, 100)));
    const snapshot = tree.clone();
    for (const h of hashes.slice(100)) tree.append(h);
    expect(tree.packed.subarray(0, 100 * 32)).toEqual(snapshot.packed.subarray(0, 100 * 32));
    expect(() => snapshot.hash(2, 25)).toThrow();
    expect(Buffer.from(tree.hash(2, 25))).toEqual(Buffer.from(levelsHashAt(buildLevels(hashes))(2, 25)));
  });
});

describe('proofs from tiles', () => {
  it('equal the proofs from the whole tree, fetching each missing tile once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 70_000 }), fc.nat(), fc.nat(), async (size, a, b) => {
        const hashes = leaves(size);
        const levels = buildLevels(hashes);
        const full = levelsHashAt(levels);
        const { cache, reads } = cacheOver(levels, size);
        const index = a % size;
        const proof = await cache.withHashAt(size, (hashAt) => inclusionProof(hashAt, index, size));
        expect(proof.map((h) => Buffer.from(h))).toEqual(inclusionProof(full, index, size).map((h) => Buffer.from(h)));
        expect(Buffer.from(await cache.withHashAt(size, (hashAt) => rootAt(hashAt, size)))).toEqual(Buffer.from(rootAt(full, size)));
        const older = 1 + (b % size);
        const consistency = await cache.withHashAt(size, (hashAt) => consistencyProof(hashAt, older, size));
        expect(consistency.map((h) => Buffer.from(h))).toEqual(consistencyProof(full, older, size).map((h) => Buffer.from(h)));
        const before = reads();
        await cache.withHashAt(size, (hashAt) => inclusionProof(hashAt, index, size));
        expect(reads()).toBe(before);
      }),
      { numRuns: 15 },
    );
  });
});
