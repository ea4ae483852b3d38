// Full verification of one cell's stored access log, trusting nothing but the log's verifier key
// (one given by the caller, else the one pinned in the database): recomputes every leaf from the stored entry bytes and the whole tree from those leaves, checks
// them against the stored hash tiles, checks every checkpoint's signature, root and its
// consistency proof from the one before, and checks the openings against the entries'
// commitments (entry.ts): each entry's subject openings must open exactly the subjects its leaf
// commits to, each operator id beside an entry must open its commitment, and the subject index
// below its watermark must hold exactly those entries' openings.
// Reports the first problem in index order, naming the entry or checkpoint.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { COMMITMENT, commitmentTo, leafHashOfCanonical } from './entry.js';
import { isLogError } from './errors.js';
import {
  checkpointPage,
  entryExtent,
  lastTile,
  openingsOf,
  readEntryRows,
  readLogIdentity,
  readTile,
  readTiles,
  subjectIndexPage,
  subjectIndexWatermark,
  upperTiles,
  type StoredCheckpoint,
  type StoredTile,
} from './log.repository.js';
import { assertConsistency, bytesEqual, CompactRange, consistencyProof, emptyRoot, HASH_SIZE } from './merkle.js';
import { parseVerifierKey, type NoteVerifier } from './note.js';
import { hashesAtTileLevel, packedOffset, TileCache, TileTree } from './tile-cache.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

export type LogProblemKind = 'key' | 'entry' | 'hash' | 'checkpoint' | 'index';

export interface LogProblem {
  readonly kind: LogProblemKind;
  /** The entry index (kind entry/hash/index) or checkpoint tree size (kind checkpoint). */
  readonly at: number | null;
  readonly message: string;
}

export interface LogVerification {
  readonly cellId: string;
  readonly origin: string | null;
  readonly entries: number;
  readonly checkpoints: number;
  /** Base64 root of the recomputed tree of all stored entries. */
  readonly root: string | null;
  readonly problem: LogProblem | null;
}

export interface VerifyCellLogProps {
  cellId: string;
  db: Kysely<CellDatabase>;
  /** A verifier key obtained elsewhere; by default the one pinned in the cell's database. */
  verifierKey?: string;
  onProgress?: (done: number, total: number) => void;
}

// Whole level-0 tiles per page, so each page's entries and tiles line up.
const PAGE = 80 * TILE_WIDTH;

class Found extends Error {
  constructor(readonly problem: LogProblem) {
    super(problem.message);
  }
}

function fail(kind: LogProblemKind, at: number | null, message: string): never {
  throw new Found({ kind, at, message });
}

const SUBJECTS_KEY = '"subjects":[';

/**
 * The distinct subject ids of a canonical entry, read without a full parse: ids contain no `"`
 * or `]`, and `subjects` is the second-to-last member, so the search starts from the end.
 */
function subjectsOfCanonical(text: string): string[] {
  const start = text.lastIndexOf(SUBJECTS_KEY);
  if (start < 0) return [];
  const from = start + SUBJECTS_KEY.length;
  const end = text.indexOf(']', from);
  if (end <= from) return [];
  const list = text.slice(from + 1, end - 1);
  if (!list.includes('","')) return [list];
  return [...new Set(list.split('","'))];
}

const ACTOR_KEY = '"actor":"';

/** The actor of a canonical entry (ids contain no `"`); `action` is the only member before it. */
function actorOfCanonical(text: string): string | null {
  const start = text.indexOf(ACTOR_KEY);
  if (start < 0) return null;
  const from = start + ACTOR_KEY.length;
  const end = text.indexOf('"', from);
  return end < 0 ? null : text.slice(from, end);
}

/** An opening as one string (ids hold no line break; a salt is base64url). */
const pairKey = (id: string, salt: string | null): string => `${id}\n${salt ?? ''}`;

/** What an opening stands for in its entry: the commitment it opens, or the id itself when unsalted. */
const indexedAs = (row: { subject_id: string; salt: string | null }): string => (row.salt === null ? row.subject_id : commitmentTo(row.salt, row.subject_id));

/**
 * An order-independent digest of a set of (subject, index) pairs, so the subject index can be
 * read in its own key order and compared with the entries read in theirs: the sum of a keyed
 * 64-bit hash of each pair. The key is drawn afresh for every run, so whoever edits the index
 * cannot aim for a matching sum; a cryptographic hash here would double verification time.
 */
class PairSum {
  static readonly #seeds = randomBytes(8);
  readonly #a = PairSum.#seeds.readUInt32LE(0);
  readonly #b = PairSum.#seeds.readUInt32LE(4);
  #low = 0;
  #high = 0;
  count = 0;

  add(subject: string, idx: number): void {
    let h1 = this.#a ^ idx;
    let h2 = this.#b ^ Math.floor(idx / 2 ** 32);
    for (let i = 0; i < subject.length; i++) {
      const c = subject.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x9e3779b1);
      h2 = Math.imul(h2 ^ c, 0x85ebca77);
      h1 ^= h1 >>> 15;
      h2 ^= h2 >>> 13;
    }
    h1 = Math.imul(h1 ^ (h2 >>> 16), 0xc2b2ae3d);
    h2 = Math.imul(h2 ^ (h1 >>> 15), 0x27d4eb2f);
    // Two lanes, each summed modulo 2^52 (exact in a double).
    this.#low = (this.#low + (h1 >>> 0)) % 2 ** 52;
    this.#high = (this.#high + ((h2 ^ (h1 >>> 7)) >>> 0)) % 2 ** 52;
    this.count += 1;
  }

  value(): string {
    return `${this.#low}:${this.#high}`;
  }
}

async function* checkpointsOf(db: Kysely<CellDatabase>): AsyncGenerator<StoredCheckpoint> {
  let after = -1;
  for (;;) {
    const page = await checkpointPage(db, after, 1000);
    if (page.length === 0) return;
    yield* page;
    after = (page[page.length - 1] as StoredCheckpoint).size;
  }
}

export async function verifyCellLog(props: VerifyCellLogProps): Promise<LogVerification> {
  const { cellId, db } = props;
  const identity = await readLogIdentity(db);
  const extent = await entryExtent(db);
  const lastLeafTile = await lastTile(db, 0);
  let checkpoints = 0;
  let root: Buffer | null = null;
  const report = (problem: LogProblem | null): LogVerification => ({
    cellId,
    origin: identity?.origin ?? null,
    entries: extent.count,
    checkpoints,
    root: root ? root.toString('base64') : null,
    problem,
  });

  try {
    if (!identity) {
      const anything = extent.count > 0 || (await checkpointPage(db, -1, 1)).length > 0;
      if (anything) fail('key', null, 'the log has entries or checkpoints but no pinned key to check them with');
      root = emptyRoot();
      return report(null);
    }
    let verifier: NoteVerifier;
    try {
      verifier = parseVerifierKey(props.verifierKey ?? identity.verifierKey);
    } catch (err) {
      fail('key', null, `the verifier key is unusable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (verifier.name !== identity.origin) fail('key', null, `the verifier key is for ${verifier.name}, not ${identity.origin}`);
    if (verifier.key !== identity.verifierKey) {
      fail('key', null, `the key pinned in the cell's database (${identity.verifierKey}) is not the log's key (${verifier.key}): it was replaced`);
    }

    const upper = new Map((await upperTiles(db)).map((t) => [`${t.level}/${t.idx}`, t]));
    // The entries and the leaf tiles each say how big the tree is; a shortfall in either is a
    // removal, so verification runs to the larger.
    const end = Math.max((extent.maxIdx ?? -1) + 1, lastLeafTile ? lastLeafTile.idx * TILE_WIDTH + lastLeafTile.width : 0);
    const range = new CompactRange();
    // The subject index must hold exactly the openings of the entries below its watermark.
    const watermark = await subjectIndexWatermark(db);
    if (watermark > end) fail('index', null, `the subject index claims to cover ${watermark} entries but the log holds ${end}`);
    const openedIndexed = new PairSum();
    let pageTiles = new Map<number, StoredTile>();
    const tiles = new TileCache(async (tileLevel, index) => {
      const row = await readTile(db, tileLevel, index);
      if (!row) fail('hash', index * TILE_WIDTH ** (tileLevel + 1), `hash tile ${tileLevel}/${index} is missing`);
      return TileTree.fromPacked(row.nodes, row.width);
    }, 256);

    const sameAsStored = (hash: Buffer, tile: StoredTile, k: number, at: number): boolean => {
      // Compares in place: a view per node would cost an allocation per node.
      const offset = packedOffset(k, at);
      return hash.compare(tile.nodes, offset, offset + HASH_SIZE) === 0;
    };

    // Every node the recomputed tree completes must be the one stored in its tile: the leaf
    // itself (level 0 of a leaf tile) names the entry; any other names the tile.
    const checkNode = (level: number, index: number, hash: Buffer): void => {
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const k = level - tileLevel * TILE_HEIGHT;
      const span = 2 ** k;
      const tileIndex = Math.floor((index * span) / TILE_WIDTH);
      const at = index - tileIndex * (TILE_WIDTH / span);
      const tile = tileLevel === 0 ? pageTiles.get(tileIndex) : upper.get(`${tileLevel}/${tileIndex}`);
      const first = index * 2 ** level;
      if (level === 0) {
        if (!tile || tile.width <= at) fail('entry', index, `entry ${index} has no stored leaf hash (hash tile 0/${tileIndex} is missing or short)`);
        if (!sameAsStored(hash, tile, 0, at)) fail('entry', index, `entry ${index} does not match its leaf hash: it was changed or moved`);
        return;
      }
      if (!tile || tile.width < (at + 1) * span || !sameAsStored(hash, tile, k, at)) {
        fail('hash', first, `hash tile ${tileLevel}/${tileIndex} does not match entries ${first}..${first + 2 ** level - 1} at tree level ${level}`);
      }
    };

    const pending = checkpointsOf(db);
    let next = (await pending.next()).value as StoredCheckpoint | undefined;
    let previous: Checkpoint | null = null;

    // Opens a checkpoint and checks it against the recomputed tree at its size, and against the
    // checkpoint before it with a consistency proof built from the stored tiles.
    const checkCheckpoint = async (row: StoredCheckpoint): Promise<void> => {
      checkpoints += 1;
      const name = `checkpoint at size ${row.size}`;
      let checkpoint: Checkpoint;
      try {
        checkpoint = openCheckpoint(row.note, [verifier], identity.origin).checkpoint;
      } catch (err) {
        if (isLogError(err)) fail('checkpoint', row.size, `${name}: ${err.message}`);
        throw err;
      }
      if (checkpoint.treeSize !== row.size) fail('checkpoint', row.size, `${name} is stored under size ${row.size} but signs size ${checkpoint.treeSize}`);
      if (!bytesEqual(range.root(), checkpoint.rootHash)) {
        const from = previous ? previous.treeSize : 0;
        fail('checkpoint', row.size, `${name} does not match the entries: one of entries ${from}..${row.size - 1} was changed, removed or reordered`);
      }
      if (previous && previous.treeSize > 0 && previous.treeSize < checkpoint.treeSize) {
        const before = previous;
        try {
          const proof = await tiles.withHashAt(checkpoint.treeSize, (hashAt) => consistencyProof(hashAt, before.treeSize, checkpoint.treeSize));
          assertConsistency(before.treeSize, checkpoint.treeSize, proof, before.rootHash, checkpoint.rootHash);
        } catch (err) {
          if (isLogError(err)) fail('checkpoint', row.size, `${name} is not consistent with the checkpoint at size ${before.treeSize}: ${err.message}`);
          throw err;
        }
      }
      previous = checkpoint;
    };

    while (next && next.size === 0) {
      await checkCheckpoint(next);
      next = (await pending.next()).value as StoredCheckpoint | undefined;
    }

    for (let from = 0; from < end; from += PAGE) {
      const to = Math.min(end, from + PAGE);
      const [entries, leafTiles, openings] = await Promise.all([
        readEntryRows(db, from, to),
        readTiles(db, 0, from / TILE_WIDTH, Math.ceil(to / TILE_WIDTH)),
        openingsOf(db, from, to),
      ]);
      pageTiles = new Map(leafTiles.map((t) => [t.idx, t]));
      let e = 0;
      for (let idx = from; idx < to; idx++) {
        const entry = entries[e];
        if (!entry || entry.idx !== idx) fail('entry', idx, `entry ${idx} is missing`);
        e += 1;
        range.append(leafHashOfCanonical(entry.entry), checkNode);
        // The openings beside the entry must open exactly the subjects its leaf commits to.
        const named = subjectsOfCanonical(entry.entry);
        const opened = openings.get(idx) ?? [];
        const openedAs = new Set(opened.map(([id, salt]) => indexedAs({ subject_id: id, salt })));
        if (openedAs.size !== named.length || opened.length !== named.length || named.some((subject) => !openedAs.has(subject))) {
          fail('index', idx, `the subject openings beside entry ${idx} do not open the subjects it names; a person's own view of their accesses would be wrong`);
        }
        if (idx < watermark) for (const [id, salt] of opened) openedIndexed.add(pairKey(id, salt), idx);
        const actor = actorOfCanonical(entry.entry);
        const sealed = actor !== null && COMMITMENT.test(actor);
        const opens = entry.actor_id !== null && entry.actor_salt !== null && commitmentTo(entry.actor_salt, entry.actor_id) === actor;
        if (sealed ? !opens : entry.actor_id !== null || entry.actor_salt !== null) {
          fail('index', idx, `the operator recorded beside entry ${idx} does not open the commitment in it; the log cannot say who made the access`);
        }
        while (next && next.size === idx + 1) {
          await checkCheckpoint(next);
          next = (await pending.next()).value as StoredCheckpoint | undefined;
        }
      }
      for (const tile of leafTiles) {
        const width = Math.min(TILE_WIDTH, end - tile.idx * TILE_WIDTH);
        if (tile.width !== width) fail('hash', tile.idx * TILE_WIDTH, `hash tile 0/${tile.idx} holds ${tile.width} hashes, the entries make ${width}`);
      }
      props.onProgress?.(to, end);
    }
    for (const tile of upper.values()) {
      const width = Math.min(TILE_WIDTH, hashesAtTileLevel(end, tile.level) - tile.idx * TILE_WIDTH);
      if (tile.width !== width) {
        fail('hash', tile.idx * TILE_WIDTH ** (tile.level + 1), `hash tile ${tile.level}/${tile.idx} holds ${tile.width} hashes, the entries make ${Math.max(0, width)}`);
      }
    }
    root = range.root();
    if (next) fail('checkpoint', next.size, `checkpoint at size ${next.size} covers entries that are not stored: the log holds ${end}`);

    const indexed = new PairSum();
    let after: { subjectId: string; idx: number } | null = null;
    for (;;) {
      const page = await subjectIndexPage(db, after, PAGE);
      if (page.length === 0) break;
      // Rows at or above the watermark are read by no one (an indexer may be running now).
      for (const row of page) if (row.idx < watermark) indexed.add(pairKey(row.subject_id, row.salt), row.idx);
      const last = page[page.length - 1] as { subject_id: string; idx: number };
      after = { subjectId: last.subject_id, idx: last.idx };
    }
    if (indexed.count !== openedIndexed.count || indexed.value() !== openedIndexed.value()) {
      fail('index', null, `the subject index (${indexed.count} rows) does not match the subjects named by the entries it covers (${openedIndexed.count}); a person's own view of their accesses would be wrong`);
    }
    return report(null);
  } catch (err) {
    if (err instanceof Found) return report(err.problem);
    throw err;
  }
}
