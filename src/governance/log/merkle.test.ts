import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LogError } from './errors.js';
import { sharedVectorPath } from './log.test-support.js';
import {
  CompactRange,
  assertConsistency,
  buildLevels,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  largestPowerOfTwoBelow,
  leafHash,
  levelsHashAt,
  nodeHash,
  rootAt,
  rootFromInclusionProof,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type HashAt,
} from './merkle.js';

const vectorsDir = sharedVectorPath('rfc9162');

function jsonFilesUnder(dir: string): string[] {
  // readdirSync throws when the folder is missing: the suite must fail, never skip.
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return jsonFilesUnder(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function load<T>(kind: 'inclusion' | 'consistency'): Array<{ name: string; v: T }> {
  const dir = path.join(vectorsDir, kind);
  return jsonFilesUnder(dir).map((file) => ({
    name: path.relative(dir, file),
    v: JSON.parse(readFileSync(file, 'utf8')) as T,
  }));
}

const inclusionVectors = load<InclusionVector>('inclusion');
const consistencyVectors = load<ConsistencyVector>('consistency');

// The leaves behind the vectors (RFC 6962 / transparency-dev test tree) and their known roots.
const leafInputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const knownRoots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const testLeaves = leafInputs.map((h) => leafHash(hex(h)));
const testHashAt = levelsHashAt(buildLevels(testLeaves));

/** MTH straight from the RFC 9162 §2.1.1 definition, independent of the code under test. */
function referenceRoot(leaves: readonly Hash[]): Buffer {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return Buffer.from(leaves[0] as Hash);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function flipBit(h: Hash, bit: number): Buffer {
  const copy = Buffer.from(h);
  const byte = Math.floor(bit / 8) % copy.length;
  copy[byte] = (copy[byte] as number) ^ 2 ** (bit % 8);
  return copy;
}

/**
 * A consistent virtual tree of any size: a few distinct leaves, filler everywhere else, so full
 * subtrees without distinct leaves have precomputable hashes and huge trees cost O(log n).
 */
function sparseTree(distinct: readonly number[]): HashAt {
  const uniform: Buffer[] = [leafHash(Buffer.from('filler'))];
  for (let level = 1; level <= 53; level++) {
    const below = uniform[level - 1] as Buffer;
    uniform.push(nodeHash(below, below));
  }
  const at: HashAt = (level, index) => {
    const start = index * 2 ** level;
    const end = start + 2 ** level;
    if (!distinct.some((d) => d >= start && d < end)) return uniform[level] as Buffer;
    if (level === 0) return leafHash(Buffer.from(`leaf ${index}`));
    return nodeHash(at(level - 1, 2 * index), at(level - 1, 2 * index + 1));
  };
  return at;
}

function leavesOf(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
}

describe('RFC 9162 vectors', () => {
  it('finds the vector files, including the additional ones', () => {
    expect(inclusionVectors.length).toBeGreaterThan(50);
    expect(consistencyVectors.length).toBeGreaterThan(50);
    expect(inclusionVectors.some((x) => x.name.startsWith('additional'))).toBe(true);
    expect(consistencyVectors.some((x) => x.name.startsWith('additional'))).toBe(true);
    expect(inclusionVectors.some((x) => !x.v.wantErr)).toBe(true);
    expect(consistencyVectors.some((x) => !x.v.wantErr)).toBe(true);
  });

  it.each(inclusionVectors)('inclusion $name', ({ v }) => {
    const ok = verifyInclusion(b64(v.leafHash), v.leafIdx, v.treeSize, (v.proof ?? []).map(b64), b64(v.root));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it.each(consistencyVectors)('consistency $name', ({ v }) => {
    const ok = verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it('reproduces the known roots of the test tree', () => {
    knownRoots.forEach((want, i) => {
      expect(Buffer.from(rootOf(testLeaves.slice(0, i + 1))).toString('hex')).toBe(want);
      expect(Buffer.from(rootAt(testHashAt, i + 1)).toString('hex')).toBe(want);
    });
    expect(Buffer.from(rootOf([])).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('generates the exact proofs of the happy-path vectors', () => {
    let matched = 0;
    for (const { v } of inclusionVectors) {
      if (v.wantErr || !b64(v.root).equals(rootAt(testHashAt, v.treeSize))) continue;
      const proof = inclusionProof(testHashAt, v.leafIdx, v.treeSize).map((h) => Buffer.from(h).toString('base64'));
      expect(proof).toEqual(v.proof ?? []);
      matched++;
    }
    for (const { v } of consistencyVectors) {
      if (v.wantErr || !b64(v.root2).equals(rootAt(testHashAt, v.size2))) continue;
      const proof = consistencyProof(testHashAt, v.size1, v.size2).map((h) => Buffer.from(h).toString('base64'));
      expect(proof).toEqual(v.proof ?? []);
      matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(10);
  });
});

describe('proofs', () => {
  const maxLeaves = 600;
  const leaves = leavesOf(maxLeaves);

  it('inclusion proofs verify and a flipped bit is rejected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: maxLeaves }).chain((n) =>
          fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.nat(), fc.nat(255)),
        ),
        ([n, index, pick, bit]) => {
          const slice = leaves.slice(0, n);
          const hashAt = levelsHashAt(buildLevels(slice));
          const root = referenceRoot(slice);
          const leaf = slice[index] as Hash;
          const proof = inclusionProof(hashAt, index, n);
          expect(verifyInclusion(leaf, index, n, proof, root)).toBe(true);
          expect(verifyInclusion(flipBit(leaf, bit), index, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, index, n, proof, flipBit(root, bit))).toBe(false);
          if (proof.length > 0) {
            const at = pick % proof.length;
            const bad = proof.map((h, i) => (i === at ? flipBit(h, bit) : h));
            expect(verifyInclusion(leaf, index, n, bad, root)).toBe(false);
            expect(verifyInclusion(leaf, index, n, proof.slice(1), root)).toBe(false);
          }
          expect(verifyInclusion(leaf, index, n, [...proof, root], root)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('consistency proofs verify and a flipped bit is rejected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: maxLeaves }).chain((n2) =>
          fc.tuple(fc.integer({ min: 1, max: n2 }), fc.constant(n2), fc.nat(), fc.nat(255)),
        ),
        ([n1, n2, pick, bit]) => {
          const hashAt = levelsHashAt(buildLevels(leaves.slice(0, n2)));
          const root1 = referenceRoot(leaves.slice(0, n1));
          const root2 = referenceRoot(leaves.slice(0, n2));
          const proof = consistencyProof(hashAt, n1, n2);
          expect(verifyConsistency(n1, n2, proof, root1, root2)).toBe(true);
          expect(verifyConsistency(n1, n2, proof, flipBit(root1, bit), root2)).toBe(false);
          expect(verifyConsistency(n1, n2, proof, root1, flipBit(root2, bit))).toBe(false);
          if (proof.length > 0) {
            const at = pick % proof.length;
            const bad = proof.map((h, i) => (i === at ? flipBit(h, bit) : h));
            expect(verifyConsistency(n1, n2, bad, root1, root2)).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses proofs about the empty tree or out-of-range leaves', () => {
    expect(() => consistencyProof(testHashAt, 0, 4)).toThrow();
    expect(() => consistencyProof(testHashAt, 5, 4)).toThrow();
    expect(() => inclusionProof(testHashAt, 8, 8)).toThrow();
    expect(() => assertConsistency(0, 0, [], emptyRoot(), emptyRoot())).toThrow(/empty tree/);
    expect(() => rootFromInclusionProof(testLeaves[0] as Hash, -1, 8, [])).toThrow();
  });

  it('works at sizes and indices beyond 32 bits', () => {
    const cases: Array<[number, number]> = [
      [2 ** 32 + 5, 2 ** 32 + 7],
      [2 ** 40 - 1, 2 ** 52 + 3],
      [2 ** 31, 2 ** 33],
      [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
    ];
    for (const [a, b] of cases) {
      const fake = sparseTree([a - 1, a, a + 1, Math.floor((a + b) / 2), b - 1]);
      const rootB = rootAt(fake, b);
      const proof = inclusionProof(fake, a, b);
      const leaf = fake(0, a);
      expect(verifyInclusion(leaf, a, b, proof, rootB)).toBe(true);
      expect(verifyInclusion(leaf, a - 1, b, proof, rootB)).toBe(false);
      const cons = consistencyProof(fake, a, b);
      expect(verifyConsistency(a, b, cons, rootAt(fake, a), rootB)).toBe(true);
      expect(verifyConsistency(a + 1, b, cons, rootAt(fake, a), rootB)).toBe(false);
    }
    expect(largestPowerOfTwoBelow(2 ** 53)).toBe(2 ** 52);
    expect(largestPowerOfTwoBelow(2 ** 52 + 1)).toBe(2 ** 52);
    expect(largestPowerOfTwoBelow(2 ** 33 + 1)).toBe(2 ** 33);
    expect(largestPowerOfTwoBelow(2)).toBe(1);
    expect(largestPowerOfTwoBelow(3)).toBe(2);
    expect(() => largestPowerOfTwoBelow(1)).toThrow(LogError);
  });
});

describe('CompactRange', () => {
  it('incremental root equals the batch root at every size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const leaves = leavesOf(n);
        const range = new CompactRange();
        expect(range.root()).toEqual(emptyRoot());
        leaves.forEach((leaf, i) => {
          range.append(leaf);
          expect(range.size).toBe(i + 1);
        });
        expect(range.root()).toEqual(referenceRoot(leaves));
        expect(range.root()).toEqual(rootOf(leaves));
      }),
      { numRuns: 60 },
    );
  });

  it('reports every completed subtree, matching the stored levels', () => {
    const leaves = leavesOf(77);
    const seen = new Map<string, string>();
    const range = new CompactRange();
    for (const leaf of leaves) {
      range.append(leaf, (level, index, h) => seen.set(`${level}/${index}`, h.toString('hex')));
    }
    const levels = buildLevels(leaves);
    const expected = new Map<string, string>();
    levels.forEach((packed, level) => {
      for (let i = 0; i * 32 < packed.length; i++) {
        expected.set(`${level}/${i}`, packed.subarray(i * 32, i * 32 + 32).toString('hex'));
      }
    });
    expect(seen).toEqual(expected);
  });

  it('restores from stored hashes and keeps growing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 50 }), (n, more) => {
        const leaves = leavesOf(n + more);
        const restored = CompactRange.fromHashAt(levelsHashAt(buildLevels(leaves.slice(0, n))), n);
        expect(restored.size).toBe(n);
        for (const leaf of leaves.slice(n)) restored.append(leaf);
        expect(restored.root()).toEqual(referenceRoot(leaves));
      }),
      { numRuns: 40 },
    );
  });
});
