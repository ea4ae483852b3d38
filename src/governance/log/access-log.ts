// One cell's durable access log: appends resolved only after their group commit, gap-free indices
// from a single writer, signed checkpoints at least every second while entries arrive, hash tiles
// and entry bundles in the C2SP tlog-tiles layout, proofs, and a subject's own entries. On open
// it rebuilds the tree from stored hashes and refuses to run if that contradicts the last
// signed checkpoint. Entries are sealed on the way in (entry.ts): the leaf commits to subject and
// operator ids, whose openings stay beside it in the cell.
import type { Kysely } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';
import { DomainError, isDomainError } from '../../errors/catalogue.js';
import { openCheckpoint, signCheckpoint } from './checkpoint.js';
import { leafHashOfCanonical, sealAccessEntry, type AccessEntry, type SealedEntry } from './entry.js';
import { isLogError } from './errors.js';
import type { LogKey } from './log-keys.js';
import {
  entryExtent,
  heldEvents,
  insertCheckpoint,
  indexSubjectsPass,
  insertLogBatch,
  latestCheckpointRow,
  lockLogForAppend,
  pinLogIdentity,
  readEntries,
  readEntriesAt,
  readLogIdentity,
  readTile,
  subjectIndices,
  type LogBatchRows,
} from './log.repository.js';
import { bytesEqual, CompactRange, consistencyProof, inclusionProof, rootAt, type Hash } from './merkle.js';
import { hashesAtTileLevel, TileCache, TileTree } from './tile-cache.js';
import { encodeEntryBundle, parseTilePath, TILE_HEIGHT, TILE_WIDTH, type Tile } from './tiles.js';

export interface PublishedCheckpoint {
  readonly size: number;
  readonly rootHash: Buffer;
  /** The signed note, as served at /log/<cell>/checkpoint. */
  readonly note: string;
}

export interface LogTileBytes {
  readonly tile: Tile;
  readonly bytes: Buffer;
}

export interface StoredAccess {
  readonly index: number;
  /** The entry's canonical JSON: the exact bytes its leaf hashes. */
  readonly canonical: string;
  /** The salt that opens the subject's commitment in it; null when the entry names the id in clear (written before commitments). */
  readonly salt: string | null;
}

export interface AccessLog {
  readonly cellId: string;
  readonly origin: string;
  readonly verifierKey: string;
  /** Seals the entry (commitments in the leaf) and resolves once it is committed (durable); its index in the tree. */
  append(entry: AccessEntry): Promise<{ index: number }>;
  /** Number of committed entries. */
  size(): number;
  /** Publishes a checkpoint of every committed entry (no-op if the latest already covers them). */
  checkpoint(): Promise<PublishedCheckpoint>;
  latestCheckpoint(): PublishedCheckpoint;
  inclusionProof(index: number, treeSize: number): Promise<Hash[]>;
  consistencyProof(size1: number, size2: number): Promise<Hash[]>;
  /** A hash tile or entry bundle by its tlog-tiles path (`tile/0/000.p/5`), within the latest checkpoint. */
  tile(path: string): Promise<LogTileBytes>;
  /** Entries naming `subjectId`, newest first; exact from the moment an append resolves. */
  entriesAbout(props: { subjectId: string; before?: number | null; limit: number }): Promise<StoredAccess[]>;
  /** Builds the per-subject index up to the committed entries (a background job does it on its own). */
  indexSubjects(): Promise<void>;
  /** Resolves when every append so far has settled. */
  drain(): Promise<void>;
  /** Commits what is queued, publishes a final checkpoint and refuses further appends. */
  close(): Promise<void>;
}

export interface OpenAccessLogProps {
  cellId: string;
  db: Kysely<CellDatabase>;
  key: LogKey;
  /**
   * While entries arrive, checkpoints are published at most this far apart (default 500 ms, half
   * the one second promised, so a busy event loop or a slow commit still keeps the promise).
   * 0 turns the timer off (tests); `checkpoint()` and `close()` still publish.
   */
  checkpointIntervalMs?: number;
  /** Most entries per group commit. */
  maxBatch?: number;
  /**
   * Other processes append to the same log — app nodes on a PostgreSQL cell, the CLI beside a
   * serving process on a SQLite one (a migration logs its steps): each batch takes the cell's log
   * lock and re-reads the tree first if another writer grew it, so indices are never reused and
   * every checkpoint signs a prefix of the one stored tree. The value is the cell's dialect.
   */
  shared?: 'postgres' | 'sqlite';
  /**
   * The subject index is built this long after a commit (default 1 s), so a stream of bulk
   * accesses is indexed in a few passes rather than one per access; 0 turns the timer off
   * (tests; `indexSubjects()` and `close()` still build it). A person's view never waits on it.
   */
  indexDelayMs?: number;
  /** Hash tiles kept in memory (each at most 16 KiB). */
  tileCacheSize?: number;
  now?: () => Date;
}

interface Pending {
  eventId: string;
  text: string;
  openings: SealedEntry['openings'];
  actor: SealedEntry['actor'];
  resolve: (value: { index: number }) => void;
  reject: (err: unknown) => void;
}

interface TreeState {
  range: CompactRange;
  size: number;
  root: Buffer;
  /** Growing right-edge tile of each tile level, and its index. */
  edges: { index: number; tree: TileTree }[];
  latest: PublishedCheckpoint | null;
}

/** Another node appended since this one last read the tree. */
class LogMovedOn extends Error {}

function inconsistent(cellId: string, message: string): DomainError {
  return new DomainError('LOG_INCONSISTENT', `access log of cell ${cellId}: ${message}; run \`domicile log verify --cell ${cellId}\``);
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function openAccessLog(props: OpenAccessLogProps): Promise<AccessLog> {
  const { cellId, db, key } = props;
  const interval = props.checkpointIntervalMs ?? 500;
  const maxBatch = props.maxBatch ?? 5000;
  const now = props.now ?? (() => new Date());
  const indexDelay = props.indexDelayMs ?? 1000;

  const readStoredTile = async (tileLevel: number, index: number, width: number): Promise<TileTree> => {
    const row = await readTile(db, tileLevel, index);
    if (!row || row.width < width) throw inconsistent(cellId, `hash tile ${tileLevel}/${index} is missing or narrower than ${width}`);
    try {
      return TileTree.fromPacked(row.nodes, row.width);
    } catch {
      throw inconsistent(cellId, `hash tile ${tileLevel}/${index} is malformed`);
    }
  };
  const cache = new TileCache(readStoredTile, props.tileCacheSize);

  await pinLogIdentity(db, { origin: key.origin, verifierKey: key.verifierKey });
  const pinned = await readLogIdentity(db);
  if (!pinned || pinned.origin !== key.origin || pinned.verifierKey !== key.verifierKey) {
    throw inconsistent(cellId, `its checkpoints are signed by ${pinned?.verifierKey ?? 'an unknown key'}, but the key file holds ${key.verifierKey}`);
  }

  /** Rebuilds the committed tree from storage and checks it against the last checkpoint. */
  async function load(): Promise<TreeState> {
    cache.clear();
    const entries = await entryExtent(db);
    const size = entries.count;
    if ((entries.maxIdx ?? -1) !== size - 1) throw inconsistent(cellId, `it has ${size} entries but its highest index is ${entries.maxIdx}: entries are missing`);

    const edges: TreeState['edges'] = [];
    for (let tileLevel = 0; hashesAtTileLevel(size, tileLevel) > 0; tileLevel++) {
      const count = hashesAtTileLevel(size, tileLevel);
      const index = Math.floor(count / TILE_WIDTH);
      const width = count - index * TILE_WIDTH;
      let tree = TileTree.empty();
      if (width > 0) {
        const stored = await readStoredTile(tileLevel, index, width);
        // A wider edge than the entries allow would mean tiles were written without entries.
        if (stored.width !== width) throw inconsistent(cellId, `hash tile ${tileLevel}/${index} holds ${stored.width} hashes, the entries make ${width}`);
        tree = stored;
      }
      edges.push({ index, tree });
    }
    cache.setEdges(edges);
    const range = await cache.withHashAt(size, (hashAt) => CompactRange.fromHashAt(hashAt, size));
    const root = range.root();

    const row = await latestCheckpointRow(db);
    let latest: PublishedCheckpoint | null = null;
    if (row) {
      let opened;
      try {
        opened = openCheckpoint(row.note, [key.verifier], key.origin);
      } catch (err) {
        if (isLogError(err)) throw inconsistent(cellId, `its last checkpoint (size ${row.size}) does not verify: ${err.message}`);
        throw err;
      }
      const cp = opened.checkpoint;
      if (cp.treeSize !== row.size) throw inconsistent(cellId, `checkpoint stored as size ${row.size} says ${cp.treeSize}`);
      if (cp.treeSize > size) throw inconsistent(cellId, `its last checkpoint covers ${cp.treeSize} entries but only ${size} are stored`);
      const rootThen = cp.treeSize === size ? root : await cache.withHashAt(size, (hashAt) => Buffer.from(rootAt(hashAt, cp.treeSize)));
      if (!bytesEqual(rootThen, cp.rootHash)) throw inconsistent(cellId, `the stored tree does not match its last checkpoint (size ${cp.treeSize})`);
      latest = { size: cp.treeSize, rootHash: Buffer.from(cp.rootHash), note: row.note };
    }
    return { range, size, root, edges, latest };
  }

  /**
   * On a shared cell the tree is read while holding the log lock, so no other node commits
   * between reading the entries and reading their tiles.
   */
  async function loadStable(): Promise<TreeState> {
    const { shared } = props;
    if (shared === 'postgres') {
      return db.transaction().execute(async (trx) => {
        await lockLogForAppend(trx, shared);
        return load();
      });
    }
    if (!shared) return load();
    // SQLite: one connection, so no lock can be held while reading. An append writes its entries
    // and tiles in one transaction, so a tree read while the entry count stayed put is whole (and
    // a read torn by another process's append is read again).
    for (;;) {
      const before = (await entryExtent(db)).count;
      try {
        const loaded = await load();
        if ((await entryExtent(db)).count === before) return loaded;
      } catch (err) {
        if ((await entryExtent(db)).count === before) throw err;
      }
    }
  }

  let state = await loadStable();
  let queue: Pending[] = [];
  let flushing = false;
  let broken = false;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let checkpointChain: Promise<unknown> = Promise.resolve();
  let indexTimer: NodeJS.Timeout | null = null;
  let indexChain: Promise<unknown> = Promise.resolve();
  let lastAttemptAt = 0;
  let idleWaiters: (() => void)[] = [];

  function unavailable(cause: unknown): DomainError {
    if (isDomainError(cause) && cause.code === 'LOG_INCONSISTENT') return cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    return new DomainError('LOG_UNAVAILABLE', `the access log of cell ${cellId} could not record the access, so it is refused: ${why}`);
  }

  /**
   * Splits a batch into the entries to write and the appends answered by an entry already there:
   * an event id the log holds (a governance event written again after a crash before it was
   * marked logged) or one earlier in the same batch. Each event is in the log at most once.
   */
  async function withoutHeldEvents(batch: Pending[]): Promise<{ fresh: Pending[]; held: { item: Pending; index: () => number | undefined }[] }> {
    let stored: Map<string, number>;
    try {
      stored = await heldEvents(db, [...new Set(batch.map((item) => item.eventId))]);
    } catch (err) {
      const refusal = unavailable(err);
      for (const item of batch) item.reject(refusal);
      return { fresh: [], held: [] };
    }
    const fresh: Pending[] = [];
    const held: { item: Pending; index: () => number | undefined }[] = [];
    const firstInBatch = new Map<string, number>();
    for (const item of batch) {
      const index = stored.get(item.eventId);
      const earlier = firstInBatch.get(item.eventId);
      if (index !== undefined) held.push({ item, index: () => index });
      else if (earlier !== undefined) held.push({ item, index: () => (state.size > earlier ? earlier : undefined) });
      else {
        firstInBatch.set(item.eventId, state.size + fresh.length);
        fresh.push(item);
      }
    }
    return { fresh, held };
  }

  async function commit(all: Pending[]): Promise<void> {
    const { fresh: batch, held } = await withoutHeldEvents(all);
    const answerHeld = (): void => {
      for (const { item, index } of held) {
        const at = index();
        if (at === undefined) item.reject(unavailable(new Error(`the first append of event ${item.eventId} failed`)));
        else item.resolve({ index: at });
      }
    };
    if (batch.length === 0) {
      answerHeld();
      return;
    }
    const { range } = state;
    const first = range.size;
    const rows: LogBatchRows = { entries: [], tiles: [], openings: [], events: [] };
    // The batch grows copies of the edge tiles; they replace the committed ones only once the
    // transaction has committed, so readers never see uncommitted hashes.
    const edges = state.edges.map((edge) => ({ index: edge.index, tree: edge.tree.clone() }));
    const touched = new Map<string, { level: number; idx: number; tree: TileTree }>();
    const completed: { level: number; idx: number; tree: TileTree }[] = [];
    // CompactRange reports every node it completes, leaf first, then each parent; they are
    // written into the edge tiles as they come, so nothing is hashed twice. A full tile is
    // rotated out when the next hash of its level arrives, after its last parents.
    const onNode = (level: number, idx: number, hash: Buffer): void => {
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const k = level - tileLevel * TILE_HEIGHT;
      let edge = edges[tileLevel];
      if (!edge) {
        edge = { index: 0, tree: TileTree.empty() };
        edges[tileLevel] = edge;
      } else if (k === 0 && edge.tree.width === TILE_WIDTH) {
        completed.push({ level: tileLevel, idx: edge.index, tree: edge.tree });
        edge = { index: edge.index + 1, tree: TileTree.empty() };
        edges[tileLevel] = edge;
      }
      edge.tree.record(k, idx - edge.index * (TILE_WIDTH >> k), hash);
      touched.set(`${tileLevel}/${edge.index}`, { level: tileLevel, idx: edge.index, tree: edge.tree });
    };
    batch.forEach((item, i) => {
      const idx = first + i;
      rows.entries.push({ idx, entry: item.text, actor_id: item.actor?.id ?? null, actor_salt: item.actor?.salt ?? null });
      rows.events.push({ event_id: item.eventId, idx });
      if (item.openings !== null) rows.openings.push({ idx, subjects: item.openings });
      range.append(leafHashOfCanonical(item.text), onNode);
    });
    for (const { level, idx, tree } of touched.values()) rows.tiles.push({ level, idx, width: tree.width, nodes: tree.packed });
    const root = range.root();
    try {
      await db.transaction().execute(async (trx) => {
        if (props.shared && (await lockLogForAppend(trx, props.shared)) !== first) throw new LogMovedOn();
        await insertLogBatch(trx, rows);
      });
    } catch (err) {
      if (err instanceof LogMovedOn) {
        // Nothing was written: read the grown tree, then place this batch after it.
        try {
          state = await loadStable();
        } catch (loadErr) {
          broken = true;
          for (const item of all) item.reject(unavailable(loadErr));
          return;
        }
        // Everything again, held events included: the grown tree may hold some of them now.
        return commit(all);
      }
      // Whether the commit happened is unknown, so the in-memory tree is rebuilt from storage
      // before the next batch rather than trusted.
      broken = true;
      const refusal = unavailable(err);
      for (const item of batch) item.reject(refusal);
      answerHeld();
      return;
    }
    for (const tile of completed) cache.remember(tile.level, tile.idx, tile.tree);
    state.edges = edges;
    cache.setEdges(edges);
    state.size = first + batch.length;
    state.root = root;
    batch.forEach((item, i) => item.resolve({ index: first + i }));
    answerHeld();
    armCheckpointTimer();
    armIndexTimer();
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        if (broken) {
          try {
            state = await loadStable();
            broken = false;
          } catch (err) {
            const refusal = unavailable(err);
            const refused = queue;
            queue = [];
            for (const item of refused) item.reject(refusal);
            break;
          }
        }
        const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
        queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
        await commit(batch);
        // Let timers (checkpoints) and I/O run between batches, and let the next batch gather.
        await yieldToLoop();
      }
    } finally {
      flushing = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function armCheckpointTimer(): void {
    if (timer || closed || interval <= 0) return;
    if (state.latest && state.latest.size >= state.size) return;
    // Measured from the last attempt, so under a steady stream checkpoints come every
    // `interval`, an entry after a quiet spell gets one at once, and a failing database is
    // retried once per interval rather than in a loop.
    const delay = Math.max(0, interval - (Date.now() - lastAttemptAt));
    timer = setTimeout(() => {
      timer = null;
      // A failed publication is retried by the next commit's timer; appends never wait on it.
      checkpoint().catch(() => undefined);
    }, delay);
    timer.unref();
  }

  function armIndexTimer(): void {
    if (indexTimer || closed || indexDelay <= 0) return;
    indexTimer = setTimeout(() => {
      indexTimer = null;
      // A failed pass is retried after the next commit; appends never wait on the index.
      indexSubjects().catch(() => undefined);
    }, indexDelay);
    indexTimer.unref();
  }

  /** Builds the subject index up to the entries committed now, a bounded pass at a time. */
  function indexSubjects(): Promise<void> {
    const run = indexChain.then(async () => {
      while (await db.transaction().execute((trx) => indexSubjectsPass(trx))) await yieldToLoop();
    });
    indexChain = run.catch(() => undefined);
    return run;
  }

  function checkpoint(): Promise<PublishedCheckpoint> {
    const run = checkpointChain.then(async (): Promise<PublishedCheckpoint> => {
      const { size, root } = state;
      const latest = state.latest;
      if (latest && latest.size >= size) return latest;
      lastAttemptAt = Date.now();
      const note = signCheckpoint({ origin: key.origin, treeSize: size, rootHash: root, extensions: [] }, [key.signer]);
      await insertCheckpoint(db, { size, note, created_at: now().toISOString() });
      const published = { size, rootHash: root, note };
      if (!state.latest || state.latest.size < size) state.latest = published;
      return published;
    });
    checkpointChain = run.catch(() => undefined).then(() => armCheckpointTimer());
    return run;
  }

  // Entries committed before a crash but after the last checkpoint get theirs now; a new log
  // publishes the empty tree so its checkpoint URL always answers.
  if (!state.latest || state.latest.size < state.size) await checkpoint();
  // Entries a crash left unindexed (their openings are read meanwhile).
  armIndexTimer();

  function latestCheckpoint(): PublishedCheckpoint {
    if (!state.latest) throw new DomainError('LOG_UNAVAILABLE', `the access log of cell ${cellId} has no checkpoint yet`);
    return state.latest;
  }

  function checkSize(treeSize: number): void {
    if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize > state.size) {
      throw new DomainError('NOT_FOUND', `the access log of cell ${cellId} has no tree of size ${treeSize}`);
    }
  }

  return {
    cellId,
    origin: key.origin,
    verifierKey: key.verifierKey,

    append(entry) {
      if (closed) return Promise.reject(new DomainError('LOG_UNAVAILABLE', `the access log of cell ${cellId} is closed`));
      let text: string;
      let sealed: SealedEntry;
      try {
        sealed = sealAccessEntry(entry);
        text = sealed.canonical;
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise((resolve, reject) => {
        queue.push({ eventId: entry.eventId, text, openings: sealed.openings, actor: sealed.actor, resolve, reject });
        if (!flushing && queue.length === 1) setImmediate(() => void flush());
      });
    },

    size: () => state.size,
    checkpoint,
    latestCheckpoint,

    async inclusionProof(index, treeSize) {
      checkSize(treeSize);
      if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
        throw new DomainError('NOT_FOUND', `entry ${index} is not in a tree of size ${treeSize}`);
      }
      return cache.withHashAt(treeSize, (hashAt) => inclusionProof(hashAt, index, treeSize));
    },

    async consistencyProof(size1, size2) {
      checkSize(size2);
      if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) {
        throw new DomainError('NOT_FOUND', `no consistency proof from size ${size1} to ${size2}`);
      }
      return cache.withHashAt(size2, (hashAt) => consistencyProof(hashAt, size1, size2));
    },

    async tile(path) {
      let tile: Tile;
      try {
        tile = parseTilePath(path);
      } catch (err) {
        if (isLogError(err)) throw new DomainError('BAD_REQUEST', `${err.message}; tile paths look like tile/0/x001/234 or tile/entries/000.p/17`);
        throw err;
      }
      // Only what a published checkpoint covers is served.
      const size = latestCheckpoint().size;
      const level = tile.kind === 'entries' ? 0 : tile.level;
      const available = hashesAtTileLevel(size, level) - tile.index * TILE_WIDTH;
      if (available < tile.width) {
        throw new DomainError('NOT_FOUND', `${path} is beyond the latest checkpoint of cell ${cellId} (size ${size})`);
      }
      if (tile.kind === 'hash') {
        const tree = await cache.get(tile.level, tile.index, tile.width);
        return { tile, bytes: tree.bytes(tile.width) };
      }
      const from = tile.index * TILE_WIDTH;
      const rows = await readEntries(db, from, from + tile.width);
      if (rows.length !== tile.width || rows.some((r, i) => r.idx !== from + i)) {
        throw inconsistent(cellId, `entries ${from}..${from + tile.width - 1} are incomplete`);
      }
      return { tile, bytes: encodeEntryBundle(rows.map((r) => Buffer.from(r.entry, 'utf8'))) };
    },

    async entriesAbout({ subjectId, before = null, limit }) {
      const indices = await subjectIndices(db, { subjectId, before, limit });
      const salts = new Map(indices.map((i) => [i.idx, i.salt]));
      const rows = await readEntriesAt(db, indices.map((i) => i.idx));
      return rows.map((r) => ({ index: r.idx, canonical: r.entry, salt: salts.get(r.idx) ?? null }));
    },

    indexSubjects,

    drain() {
      if (!flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    async close() {
      closed = true;
      if (flushing || queue.length > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      if (timer) clearTimeout(timer);
      timer = null;
      if (indexTimer) clearTimeout(indexTimer);
      indexTimer = null;
      if (!broken) await checkpoint();
      // What a crash would leave unindexed is indexed on the next run; a clean close leaves none.
      await indexSubjects().catch(() => undefined);
    },
  };
}
