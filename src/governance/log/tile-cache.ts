// Hash tiles in memory: each tile with the eight tree levels inside it, so any stored-subtree
// hash is a lookup; an LRU of immutable tiles read from storage; and a synchronous HashAt for the
// pure proof code, fed by fetching whatever tiles a first dry run found missing.
import { LogError } from './errors.js';
import { HASH_SIZE, nodeHash, type Hash, type HashAt } from './merkle.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

// Offsets (in hashes) of the eight tree levels inside a packed tile: 256 + 128 + … + 2 hashes.
// The ninth, the tile's own root, is the first hash of the tile above and is not kept twice.
const LEVEL_OFFSETS: readonly number[] = Array.from({ length: TILE_HEIGHT }, (_, k) => 2 * TILE_WIDTH - (2 * TILE_WIDTH >> k));

/** Bytes of a packed tile: every node of the eight levels, complete or not (then zero). */
export const PACKED_TILE_SIZE = (2 * TILE_WIDTH - 2) * HASH_SIZE;

/** Byte offset in a packed tile of node `index` at `k` (0..7) levels above the tile's hashes. */
export function packedOffset(k: number, index: number): number {
  return ((LEVEL_OFFSETS[k] as number) + index) * HASH_SIZE;
}

/** Node `index` at `k` (0..7) levels above the hashes of a packed tile, as a view. */
export function packedNode(packed: Uint8Array, k: number, index: number): Uint8Array {
  const at = packedOffset(k, index);
  return packed.subarray(at, at + HASH_SIZE);
}

/**
 * One tile and the subtree levels inside it, packed in one buffer: level k (0 = the tile's own
 * hashes) holds the complete nodes k levels up. Stored this way, a tile answers any proof step
 * without hashing. Appending only fills zeros, so a tile read at a narrower width is a prefix.
 */
export class TileTree {
  readonly packed: Buffer;
  #width: number;

  private constructor(packed: Buffer, width: number) {
    this.packed = packed;
    this.#width = width;
  }

  static empty(): TileTree {
    return new TileTree(Buffer.alloc(PACKED_TILE_SIZE), 0);
  }

  /** A tile from its stored packed form (copied, so appends never touch the source). */
  static fromPacked(packed: Uint8Array, width: number): TileTree {
    if (packed.length !== PACKED_TILE_SIZE || !Number.isInteger(width) || width < 0 || width > TILE_WIDTH) {
      throw new LogError('invalid-argument', `a packed tile has ${PACKED_TILE_SIZE} bytes and a width of 0..${TILE_WIDTH}`);
    }
    return new TileTree(Buffer.from(packed), width);
  }

  /** A tile from its hashes alone, computing the levels inside. */
  static of(hashes: Uint8Array): TileTree {
    const tree = TileTree.empty();
    for (let i = 0; i < hashes.length; i += HASH_SIZE) tree.append(hashes.subarray(i, i + HASH_SIZE));
    return tree;
  }

  get width(): number {
    return this.#width;
  }

  clone(): TileTree {
    return new TileTree(Buffer.from(this.packed), this.#width);
  }

  append(hash: Uint8Array): void {
    if (this.#width >= TILE_WIDTH) throw new LogError('invalid-argument', 'tile is full');
    if (hash.length !== HASH_SIZE) throw new LogError('invalid-argument', 'hash has the wrong length');
    const w = this.#width;
    this.packed.set(hash, w * HASH_SIZE);
    for (let k = 1; k < TILE_HEIGHT && (w + 1) % 2 ** k === 0; k++) {
      const at = (w + 1) / 2 ** k - 1;
      const below = (LEVEL_OFFSETS[k - 1] as number) + 2 * at;
      const left = this.packed.subarray(below * HASH_SIZE, (below + 1) * HASH_SIZE);
      const right = this.packed.subarray((below + 1) * HASH_SIZE, (below + 2) * HASH_SIZE);
      this.packed.set(nodeHash(left, right), ((LEVEL_OFFSETS[k] as number) + at) * HASH_SIZE);
    }
    this.#width = w + 1;
  }

  /**
   * Records a node the caller already hashed (CompactRange's onNode), instead of hashing it
   * again: a tile hash (k = 0) extends the tile; a node above (k = 1..7) must be complete.
   */
  record(k: number, index: number, hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw new LogError('invalid-argument', 'hash has the wrong length');
    if (k === 0) {
      if (index !== this.#width || index >= TILE_WIDTH) throw new LogError('invalid-argument', `tile hash ${index} is out of order`);
      this.#width = index + 1;
    } else if (k < 1 || k >= TILE_HEIGHT || index < 0 || (index + 1) * 2 ** k > this.#width) {
      throw new LogError('invalid-argument', `tile has no complete node ${k}/${index}`);
    }
    this.packed.set(hash, packedOffset(k, index));
  }

  /** The hash of complete node `index` at `k` (0..7) levels above the tile's hashes. */
  hash(k: number, index: number): Hash {
    if (k < 0 || k >= TILE_HEIGHT || index < 0 || (index + 1) * 2 ** k > this.#width) {
      throw new LogError('invalid-argument', `tile has no complete node ${k}/${index}`);
    }
    return packedNode(this.packed, k, index);
  }

  /** The tile's first `width` hashes, as served. */
  bytes(width: number): Buffer {
    return Buffer.from(this.packed.subarray(0, width * HASH_SIZE));
  }
}

/** Reads the stored tile `index` at tile level `tileLevel`, at least `width` wide, or fails loudly. */
export type ReadTile = (tileLevel: number, index: number, width: number) => Promise<TileTree>;

interface TileKey {
  tileLevel: number;
  index: number;
  width: number;
}

const ZERO: Hash = Buffer.alloc(HASH_SIZE);

function keyOf(tileLevel: number, index: number): string {
  return `${tileLevel}/${index}`;
}

/** Number of stored hashes at tree level 8·tileLevel in a tree of `size` leaves. */
export function hashesAtTileLevel(size: number, tileLevel: number): number {
  return Math.floor(size / TILE_WIDTH ** tileLevel);
}

export class TileCache {
  readonly #read: ReadTile;
  readonly #capacity: number;
  readonly #lru = new Map<string, TileTree>();
  /** Growing right-edge tiles the log keeps current itself; never evicted. */
  readonly #pinned = new Map<string, TileTree>();

  constructor(read: ReadTile, capacity = 1024) {
    this.#read = read;
    this.#capacity = Math.max(16, capacity);
  }

  clear(): void {
    this.#lru.clear();
    this.#pinned.clear();
  }

  /** The growing right-edge tiles, one per tile level, as of the latest commit. */
  setEdges(edges: readonly { index: number; tree: TileTree }[]): void {
    this.#pinned.clear();
    edges.forEach((edge, tileLevel) => this.#pinned.set(keyOf(tileLevel, edge.index), edge.tree));
  }

  /** A tile that will not change again. */
  remember(tileLevel: number, index: number, tree: TileTree): void {
    this.#remember(keyOf(tileLevel, index), tree);
  }

  #remember(key: string, tree: TileTree): void {
    this.#lru.delete(key);
    this.#lru.set(key, tree);
    if (this.#lru.size > this.#capacity) {
      const oldest = this.#lru.keys().next().value;
      if (oldest !== undefined) this.#lru.delete(oldest);
    }
  }

  /** A cached tile at least `width` wide, if any. */
  peek(tileLevel: number, index: number, width: number): TileTree | undefined {
    const key = keyOf(tileLevel, index);
    const pinned = this.#pinned.get(key);
    if (pinned && pinned.width >= width) return pinned;
    const cached = this.#lru.get(key);
    if (cached && cached.width >= width) {
      this.#remember(key, cached);
      return cached;
    }
    return undefined;
  }

  /** The tile at least `width` wide, from memory or storage. */
  async get(tileLevel: number, index: number, width: number): Promise<TileTree> {
    const hit = this.peek(tileLevel, index, width);
    if (hit) return hit;
    const tree = await this.#read(tileLevel, index, width);
    if (tree.width < width) throw new LogError('invalid-argument', `tile ${tileLevel}/${index} has ${tree.width} stored hashes, want ${width}`);
    // A partial tile is kept until a wider read replaces it; what it holds never changes.
    this.#remember(keyOf(tileLevel, index), tree);
    return tree;
  }

  /**
   * Runs the pure `compute` against the tree of `size` leaves. A first run records every tile it
   * reaches for that is not in memory (answering zeros, which proof code never inspects); those
   * are fetched and the run repeats. `compute` must therefore not depend on hash values.
   */
  async withHashAt<T>(size: number, compute: (hashAt: HashAt) => T): Promise<T> {
    const local = new Map<string, TileTree>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const missing = new Map<string, TileKey>();
      const hashAt: HashAt = (level, index) => {
        const tileLevel = Math.floor(level / TILE_HEIGHT);
        const k = level - tileLevel * TILE_HEIGHT;
        const span = 2 ** k;
        const first = index * span;
        const tileIndex = Math.floor(first / TILE_WIDTH);
        const available = hashesAtTileLevel(size, tileLevel) - tileIndex * TILE_WIDTH;
        if (!Number.isSafeInteger(index) || index < 0 || first + span > hashesAtTileLevel(size, tileLevel)) {
          throw new LogError('invalid-argument', `no complete subtree at level ${level}, index ${index} in a tree of ${size}`);
        }
        const width = Math.min(TILE_WIDTH, available);
        const key = keyOf(tileLevel, tileIndex);
        const tree = local.get(key) ?? this.peek(tileLevel, tileIndex, width);
        if (!tree || tree.width < width) {
          missing.set(key, { tileLevel, index: tileIndex, width });
          return ZERO;
        }
        return tree.hash(k, index - tileIndex * (TILE_WIDTH / span));
      };
      const result = compute(hashAt);
      if (missing.size === 0) return result;
      await Promise.all(
        [...missing].map(async ([key, t]) => {
          local.set(key, await this.get(t.tileLevel, t.index, t.width));
        }),
      );
    }
    throw new LogError('invalid-argument', 'tiles kept changing while computing a proof');
  }
}
