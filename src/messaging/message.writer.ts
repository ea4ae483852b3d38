// The message write path: sends queued in the same turn of the event loop are written as one
// batch in one durable transaction. On a SQLite file cell the batch runs in a worker thread of its
// own (message.writer.thread.ts, message.writer.worker.ts) with its own connection, so the
// commit's fsync blocks that thread and not the sockets: this thread gives each new row its id,
// seals it (the id is the AAD; data keys never leave this thread) and asks the residency guard
// (every row's placement, a migration's update fence) before it posts the batch; the worker looks
// for duplicates, numbers the rows from the conversation's stored last_seq, commits and reports
// the batch committed, then on disk once a WAL sync that started after the commit is done.
// Several batches are in flight at once (`window`): the next commits while the previous ones are
// synced; the reasoning about failures, order and readers is at `flushThreadBatch`. The batch
// counts as a write in flight under the placement version it was checked under (`trackWrite`)
// until it is on disk, so a migration's switch waits for it (`settle`).
// Without a worker (an in-memory SQLite cell, or `storage.deferSync`) the batch runs synchronously
// on the raw handle — statements prepared once, each asking the guard; on PostgreSQL through
// Kysely — one duplicate check, one multi-row insert, one sequence update and one read-position
// update (each by chunks), checked by the guard when they run. Those two paths plan the batch alike
// (`planBatch`) from a per-conversation seq cache checked against the database on every update, so
// a stale cache fails the batch instead of forking a sequence. A failed batch (any path) is retried
// one message at a time through appendMessage (Kysely), so a bad message fails alone.
// With `storage.deferSync` (SQLite), the commit's fsync runs off the event loop
// (db/deferred-sync.ts): the next batch is written while the previous one is being synced, and a
// batch's writes settle, in order, only once it is on disk. Off by default: the worker thread
// does the same job better (bench/RESULTS.md).
import type { Kysely, Transaction } from 'kysely';
import type { Cell } from '../cells/cell.registry.js';
import { createBatchQueue, type Pending as Queued } from '../db/batch-queue.js';
import type { CellDatabase } from '../cells/cell.database.js';
import type { MessageRow } from './messaging.tables.js';
import type { WorkerOutcome } from './message.writer.worker.js';
import {
  appendMessage,
  buildMessageRow,
  createMessageBatchStatements,
  messageColumnAt,
  messageKeyOf,
  openMessageRows,
  sealMessageRow,
  sealedMessageValues,
  sqliteMessageBatchOf,
  type AppendMessage,
  type ReadAdvance,
  type SeqAdvance,
  type SqliteMessageBatch,
} from './message.repository.js';
import type { DataKeyHandle } from '../cells/keys/key-ring.js';
import { deferredSyncOf } from '../db/deferred-sync.js';
import { sqliteFileOf } from '../db/connect.js';
import { trackWrite } from '../cells/moving.context.js';
import { startWriterThread, WorkerBatchSkipped, WriterThreadDied, type ThreadWrite, type WriterThread } from './message.writer.thread.js';

type Pending = Queued<AppendMessage, { row: MessageRow; created: boolean }>;

export interface MessageWriter {
  write(input: AppendMessage): Promise<{ row: MessageRow; created: boolean }>;
  /**
   * Runs `read` with the highest seq of the conversation that readers may be shown — rows above
   * it are committed but not yet on disk (nor acknowledged); null: no bound — waiting first for
   * batches whose commit has not been reported yet; with a worker thread, while `read` runs with
   * no bound, no batch of the conversation is posted (it could commit in the worker before
   * `read`'s query runs).
   */
  readable<T>(conversationId: string, read: (upTo: number | null) => Promise<T>): Promise<T>;
  drain(): Promise<void>;
  /** Batches posted to the worker thread and not yet on disk (0 without a worker). */
  inFlight(): number;
  /** The worker's numbers (null without one): workers started, CPU it spent in batches, batches posted to it. */
  threadStats(): { started: number; cpuMicros: number; batches: number } | null;
  /** Drains, then ends the worker thread. */
  close(): Promise<void>;
}

/** A send's outcome inside the writer: `sealed: false` marks a row already in the clear (a repeat of a send of the same batch). */
type Written = { row: MessageRow; created: boolean; sealed?: boolean };

const insertChunk = 200;
const lookupChunk = 256;
const updateChunk = 128;

/** `items` in consecutive slices of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class StaleSequence extends Error {}

/** One message's idempotency key as a map key. */
function keyOf(input: AppendMessage): string {
  return `${input.conversation.id}\u0000${input.senderId}\u0000${input.clientId}`;
}

function rowKeyOf(row: MessageRow): string {
  return `${row.conversation_id}\u0000${row.subject_id}\u0000${row.client_id}`;
}

/** What a batch writes: each send's outcome, the new rows, each conversation's seq advance and each sender's read advance. */
interface BatchPlan {
  results: { row: MessageRow; created: boolean }[];
  fresh: MessageRow[];
  advances: SeqAdvance[];
  reads: ReadAdvance[];
}

export interface MessageWriterOptions {
  maxBatch?: number;
  deferSync?: boolean;
  /** SQLite file cells: write batches in a worker thread (default true; off with `deferSync`). */
  thread?: boolean;
  /** The worker file (tests give one that fails on demand). */
  workerUrl?: URL;
  /** With a worker thread: at most this many batches posted and not yet on disk (default `defaultWindow`). */
  window?: number;
  /**
   * With a worker thread: post a batch while the one before it is still being committed (default
   * false: the next batch gathers meanwhile, and is posted once that one's commit is reported).
   */
  postAhead?: boolean;
  /** The cell registry whose placement version a batch is tracked under while in flight (a migration's settle waits for it). */
  cells?: { readonly placement: { readonly version: number } };
}

/** How long the worker's connection waits for the write lock, as db/connect.ts's. */
const busyTimeoutMs = 5000;

/** Batches in flight per worker thread, at most: one being committed, the others committed and waiting for their WAL sync. */
export const defaultWindow = 3;

/** A batch posted to the worker and not yet settled, as readers of one of its conversations see it. */
interface Unsettled {
  /** The lowest seq it gave the conversation (null: none, or none still unsynced); undefined while its commit is not reported. */
  from: number | null | undefined;
  /** Resolves once `from` is known (again). */
  known: Promise<void>;
}

export function createMessageWriter(cell: Cell, options: MessageWriterOptions): MessageWriter {
  const db: Kysely<CellDatabase> = cell.db;
  const lastSeq = new Map<string, number>();
  const file = sqliteFileOf(db);
  // Thread path: a batch whose failure is known makes the writer post nothing more until it and
  // the batches behind it are settled (see `flushThreadBatch`).
  let recovering = false;
  const thread: WriterThread | null =
    file !== null && file !== ':memory:' && !options.deferSync && options.thread !== false
      ? startWriterThread({ file, busyTimeoutMs, ...(options.workerUrl ? { url: options.workerUrl } : {}), onBroken: () => (recovering = true) })
      : null;
  const sqlite = thread ? null : sqliteMessageBatchOf(cell);
  const statements = createMessageBatchStatements(db);
  const deferred = options.deferSync ? deferredSyncOf(db) : null;
  const commit: <T>(work: (trx: Transaction<CellDatabase>) => Promise<T>) => Promise<T> = deferred
    ? (work) => deferred.commit(work)
    : (work) => db.transaction().execute(work);
  /** On disk: everything committed before the call (at once where commits are synced in place). */
  const durable = (): Promise<void> => (deferred ? deferred.synced() : Promise.resolve());
  // Batches settle in the order they were written, each once durable.
  let settling: Promise<void> = Promise.resolve();
  let lastSync: Promise<void> = Promise.resolve();
  // Per conversation with rows committed but not settled: the lowest such seq, and the highest.
  const unsettledFrom = new Map<string, number>();
  const committedUpTo = new Map<string, number>();

  /** The senders' message keys, taken before the transaction (making a key writes to the cell). */
  async function keysOf(batch: Pending[]): Promise<Map<string, DataKeyHandle>> {
    const senders = [...new Set(batch.map((p) => p.input.senderId))];
    const handles = await Promise.all(senders.map((id) => messageKeyOf(cell, id)));
    return new Map(senders.map((id, i) => [id, handles[i] as DataKeyHandle]));
  }

  /** Rows that were there already come back sealed; the caller gets them opened (new ones, the most, without a wait). */
  function opened(result: Written): { row: MessageRow; created: boolean } | Promise<{ row: MessageRow; created: boolean }> {
    if (result.created || result.sealed === false) return { row: result.row, created: result.created };
    return openMessageRows(cell, [result.row]).then(([row]) => ({ row: row as MessageRow, created: false }));
  }

  /** The writes of a batch, given the rows already stored under its keys; advances the seq cache. */
  function planBatch(batch: Pending[], existing: Map<string, MessageRow>, at: string): BatchPlan {
    const results: { row: MessageRow; created: boolean }[] = [];
    const fresh: MessageRow[] = [];
    const reads = new Map<string, ReadAdvance>();
    const startSeq = new Map<string, number>();
    for (const { input } of batch) {
      const key = keyOf(input);
      const found = existing.get(key);
      if (found) {
        results.push({ row: found, created: false });
        continue;
      }
      const from = lastSeq.get(input.conversation.id) as number;
      if (!startSeq.has(input.conversation.id)) startSeq.set(input.conversation.id, from);
      lastSeq.set(input.conversation.id, from + 1);
      const row = buildMessageRow(input, from + 1, at);
      existing.set(key, row);
      fresh.push(row);
      results.push({ row, created: true });
      reads.set(`${input.conversation.id}\u0000${input.senderId}`, { conversationId: input.conversation.id, senderId: input.senderId, seq: from + 1 });
    }
    const advances = [...startSeq].map(([id, from]) => ({ conversationId: id, from, to: lastSeq.get(id) as number }));
    return { results, fresh, advances, reads: [...reads.values()] };
  }

  /** SQLite: one synchronous transaction of prepared statements on the raw handle. */
  function writeBatchSqlite(sqlite: SqliteMessageBatch, batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> {
    return sqlite.transaction(() => {
      const existing = new Map<string, MessageRow>();
      for (const { input } of batch) {
        const row = sqlite.existing({ conversationId: input.conversation.id, senderId: input.senderId, clientId: input.clientId });
        if (row) existing.set(keyOf(input), row);
        if (!lastSeq.has(input.conversation.id)) lastSeq.set(input.conversation.id, sqlite.lastSeq(input.conversation.id));
      }
      const at = new Date().toISOString();
      const plan = planBatch(batch, existing, at);
      for (const row of plan.fresh) sqlite.insert(sealMessageRow(senderKeys.get(row.subject_id) as DataKeyHandle, row));
      for (const advance of plan.advances) {
        if (!sqlite.advanceSeq(advance, at)) throw new StaleSequence(advance.conversationId);
      }
      for (const read of plan.reads) sqlite.advanceRead(read);
      return plan.results;
    }, deferred !== null);
  }

  /** PostgreSQL: the batch's statements through Kysely, each built once per size class. */
  function writeBatchKysely(batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<{ row: MessageRow; created: boolean }[]> {
    return commit(async (trx) => {
      const existing = new Map<string, MessageRow>();
      const keys = [...new Map(batch.map(({ input }) => [keyOf(input), { conversationId: input.conversation.id, senderId: input.senderId, clientId: input.clientId }])).values()];
      for (const chunk of chunks(keys, lookupChunk)) {
        const { rows } = await trx.executeQuery(statements.existing(chunk));
        for (const row of rows) existing.set(rowKeyOf(row), row);
      }
      for (const id of new Set(batch.map((p) => p.input.conversation.id))) {
        if (lastSeq.has(id)) continue;
        const row = await trx.selectFrom('conversation').select('last_seq').where('id', '=', id).executeTakeFirstOrThrow();
        lastSeq.set(id, Number(row.last_seq));
      }
      const at = new Date().toISOString();
      const plan = planBatch(batch, existing, at);
      // The insert is built per batch: the residency guard checks every row's placement.
      for (const rows of chunks(plan.fresh, insertChunk)) {
        await trx
          .insertInto('message')
          .values(rows.map((row) => sealMessageRow(senderKeys.get(row.subject_id) as DataKeyHandle, row)))
          .execute();
      }
      for (const chunk of chunks(plan.advances, updateChunk)) {
        const updated = await trx.executeQuery(statements.advanceSeqs(chunk, at));
        if (Number(updated.numAffectedRows) !== chunk.length) throw new StaleSequence(chunk.map((a) => a.conversationId).join(','));
      }
      for (const chunk of chunks(plan.reads, updateChunk)) await trx.executeQuery(statements.advanceReads(chunk));
      return plan.results;
    });
  }

  /**
   * SQLite file: the batch sealed and checked here, posted to the worker thread (synchronously:
   * a guard's refusal throws). The guard's update fence is asked for both tables the batch may
   * update (the worker knows no placement).
   */
  function postBatchThread(thread: WriterThread, batch: Pending[], senderKeys: Map<string, DataKeyHandle>, fresh: boolean): { plain: MessageRow[]; write: ThreadWrite } {
    const at = new Date().toISOString();
    const plain = batch.map(({ input }) => buildMessageRow(input, 0, at));
    const rows = plain.map((row) => {
      const values = sealedMessageValues(senderKeys.get(row.subject_id) as DataKeyHandle, row);
      cell.guard.checkRow('message', (column) => values[messageColumnAt.get(column) ?? -1]);
      return values;
    });
    cell.guard.checkUpdate('conversation');
    cell.guard.checkUpdate('membership');
    return { plain, write: thread.write({ at, rows }, { fresh }) };
  }

  /** The worker's outcomes as the sends' results. */
  function resultsOf(plain: MessageRow[], outcomes: WorkerOutcome[]): Written[] {
    const results: Written[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (typeof outcome === 'number') results.push({ row: { ...(plain[i] as MessageRow), seq: outcome }, created: true });
      else if ('same' in outcome) {
        // A repeat of an earlier send of this batch: its row, in the clear if that one was new, sealed if it was stored before.
        const first = results[outcome.same] as Written;
        results.push({ row: first.row, created: false, ...(first.created || first.sealed === false ? { sealed: false } : {}) });
      }
      else results.push({ row: outcome.existing as unknown as MessageRow, created: false });
    }
    return results;
  }

  /** The batch written by the worker, on disk (a retry of a skipped batch, posted when nothing else is in flight). */
  async function writeBatchThread(thread: WriterThread, batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<Written[]> {
    const { plain, write } = postBatchThread(thread, batch, senderKeys, true);
    return resultsOf(plain, await write.durable);
  }

  /** Settles each send of a batch that is on disk with its outcome. */
  async function settleSends(batch: Pending[], written: PromiseSettledResult<Written>[]): Promise<void> {
    for (const [i, p] of batch.entries()) {
      const outcome = written[i] as (typeof written)[number];
      if (outcome.status === 'rejected') {
        p.reject(outcome.reason);
        continue;
      }
      try {
        const open = opened(outcome.value);
        const result = open instanceof Promise ? await open : open;
        if (result.created) {
          const member = p.input.conversation.members.get(p.input.senderId);
          if (member) member.lastReadSeq = Math.max(member.lastReadSeq, Number(result.row.seq));
        }
        p.resolve(result);
      } catch (err) {
        p.reject(err);
      }
    }
  }

  /** One send at a time through appendMessage (Kysely, a durable commit each), so a bad message fails alone. */
  async function writeOneByOne(batch: Pending[], keys: Map<string, DataKeyHandle>): Promise<PromiseSettledResult<Written>[]> {
    const outcomes: PromiseSettledResult<Written>[] = [];
    for (const p of batch) {
      try {
        outcomes.push({ status: 'fulfilled', value: await tracked(() => commit((trx) => appendMessage(trx, p.input, keys.get(p.input.senderId) as DataKeyHandle))) });
      } catch (reason) {
        outcomes.push({ status: 'rejected', reason });
      }
    }
    return outcomes;
  }

  const writeBatch = (batch: Pending[], senderKeys: Map<string, DataKeyHandle>): Promise<Written[]> =>
    thread ? writeBatchThread(thread, batch, senderKeys) : sqlite ? writeBatchSqlite(sqlite, batch, senderKeys) : writeBatchKysely(batch, senderKeys);
  /** A batch counts as a write in flight under the placement version it was checked under, until it has committed. */
  const tracked = <T>(write: () => Promise<T>): Promise<T> => (options.cells ? trackWrite(options.cells, write) : write());

  /** The senders' data keys; null when they cannot be had, the batch's sends then failed (in their turn). */
  async function keysOrFail(batch: Pending[]): Promise<Map<string, DataKeyHandle> | null> {
    try {
      return await keysOf(batch);
    } catch (err) {
      settling = settling.then(() => batch.forEach((p) => p.reject(err)));
      return null;
    }
  }

  async function flushBatch(batch: Pending[]): Promise<void> {
    const touched = [...new Set(batch.map((p) => p.input.conversation.id))];
    const keys = await keysOrFail(batch);
    if (!keys) return;
    let outcomes: PromiseSettledResult<Written>[];
    try {
      outcomes = (await tracked(() => writeBatch(batch, keys))).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (err instanceof WriterThreadDied) {
        // It may have committed before it died: not acknowledged; a retry with the same client id finds the row.
        settling = settling.then(() => batch.forEach((p) => p.reject(err)));
        return;
      }
      // The cache may be ahead of the database now; forget it and write one by one, so a
      // bad message fails alone.
      for (const id of touched) lastSeq.delete(id);
      outcomes = await writeOneByOne(batch, keys);
      for (const id of touched) lastSeq.delete(id);
    }
    // Asked for right after the commits, so it covers them; the next batch is written meanwhile.
    const synced = durable();
    const beforeLast = lastSync;
    lastSync = synced;
    const written = outcomes;
    const batchUpTo = new Map<string, number>();
    for (const o of written) {
      if (o.status !== 'fulfilled' || !o.value.created) continue;
      const { conversation_id: id, seq } = o.value.row;
      if (!unsettledFrom.has(id)) unsettledFrom.set(id, Number(seq));
      committedUpTo.set(id, Math.max(committedUpTo.get(id) ?? 0, Number(seq)));
      batchUpTo.set(id, Math.max(batchUpTo.get(id) ?? 0, Number(seq)));
    }
    settling = settling.then(async () => {
      try {
        await synced;
        for (const [id, upTo] of batchUpTo) {
          if ((committedUpTo.get(id) ?? 0) <= upTo) {
            unsettledFrom.delete(id);
            committedUpTo.delete(id);
          } else {
            unsettledFrom.set(id, upTo + 1);
          }
        }
      } catch (err) {
        // Committed but not known to be on disk: not acknowledged. A retry with the same client
        // id finds the row.
        for (const p of batch) p.reject(err);
        return;
      }
      await settleSends(batch, written);
    });
    // One batch is written while the one before it is synced, not more: sends that arrive
    // meanwhile gather into the next batch, as they would behind a blocking fsync.
    await beforeLast.catch(() => undefined);
  }

  // ---- The worker thread's path: up to `window` batches in flight. ----
  //
  // A batch is posted once the batch before it has committed (and a slot is free): the worker
  // commits it (NORMAL) while the batches before it are being synced, and reports it committed,
  // then on disk. Sends that arrive while a batch commits gather into the next one: each commit
  // writes every page it touched to the WAL, so fewer, larger batches cost less. The queue cuts
  // that batch only when it can be posted (`postable`), so it holds every send that came until
  // then; cut earlier, the sends of the wait would miss it and wait a whole commit more
  // (bench/RESULTS.md, "Where a message's latency goes"). (`postAhead` posts at once instead,
  // behind a batch the worker has not committed yet.)
  // Its sends settle in the order batches were posted (the `settling` chain), each once on disk,
  // and it counts as a write in flight (`trackWrite`) from its guard checks until then.
  //
  // A failed batch. The worker rolls it back and skips every batch posted behind it while it was
  // in flight (`after`: only with `postAhead`; otherwise nothing is posted behind a batch before
  // its commit or failure is reported), and from the moment its failure is reported (`onBroken`,
  // before any promise settles) this side posts nothing new (`recovering`). In the chain it is
  // then retried one message at a time (appendMessage: each commit FULL, seq from the stored last_seq), and
  // each skipped batch after it is posted again, alone, and retried one by one if that fails
  // too; only once every batch posted is settled does posting resume. So no message the writer
  // was given after the failed batch lands before that batch's retry: per conversation, seqs
  // follow the order of the sends (no gap — each seq comes from the stored last_seq; no duplicate
  // — idempotency on the client id), and acks go out in that order. Batches posted before the
  // failed one are not touched: they committed before it, with lower seqs, and settle first.
  // A guard refusal while posting fails the batch before it is posted, and also stops posting.
  //
  // A dead worker fails its batches in flight without a retry (as before: not acknowledged; a
  // batch that committed is found by a retry with the same client id). Its rows may be committed
  // and not yet synced: the WAL is synced from here before readers may see them.
  //
  // Readers. A committed batch's rows are visible to this database's readers before they are on
  // disk, so readers are bounded below the lowest seq of any unsettled batch of the conversation
  // (`readable`), wait for a posted batch's commit report when it is not in yet, and, while they
  // read with no bound, hold back the posting of a batch of that conversation.
  const window = Math.max(1, options.window ?? defaultWindow);
  const postAhead = options.postAhead ?? false;
  let posted = 0;
  // Posted and not yet reported committed (or failed): the next batch gathers meanwhile.
  let uncommitted = 0;
  let settledCount = 0;
  let wakeUps: (() => void)[] = [];
  const wake = (): void => {
    const waiting = wakeUps;
    wakeUps = [];
    for (const w of waiting) w();
  };
  const nextWake = (): Promise<void> => new Promise((resolve) => wakeUps.push(resolve));
  const unsettledOf = new Map<string, Unsettled[]>();
  const readers = new Map<string, number>();
  const walSync = thread ? deferredSyncOf(db) : null;

  /** Whether the worker can take the next batch now (a read of one of its conversations aside). */
  const canPost = (): boolean => !recovering && (postAhead || uncommitted === 0) && posted - settledCount < window;
  /** The queue cuts the next batch only once it can be posted: sends that arrive until then go into it. */
  const postable = (): Promise<void> | undefined =>
    canPost()
      ? undefined
      : (async () => {
          while (!canPost()) await nextWake();
        })();

  async function flushThreadBatch(thread: WriterThread, batch: Pending[]): Promise<void> {
    const keys = await keysOrFail(batch);
    if (!keys) return;
    const touched = [...new Set(batch.map((p) => p.input.conversation.id))];
    while (!canPost() || touched.some((id) => readers.has(id))) await nextWake();
    // From here to the post, nothing awaits: the checks above still hold when it is posted.
    posted += 1;
    uncommitted += 1;
    const entries = new Map<string, Unsettled & { resolve: () => void }>();
    for (const id of touched) {
      let resolve!: () => void;
      const entry = { from: undefined, known: new Promise<void>((r) => (resolve = r)), resolve };
      entries.set(id, entry);
      unsettledOf.set(id, [...(unsettledOf.get(id) ?? []), entry]);
    }
    let post: { plain: MessageRow[]; write: ThreadWrite } | null = null;
    const durable = tracked(async () => {
      post = postBatchThread(thread, batch, keys, false);
      return post.write.durable;
    });
    // Read in the chain, after the batches before it: marked handled now, so a failure that comes
    // first is not an unhandled rejection meanwhile.
    durable.catch(() => undefined);
    // Not posted (a guard refusal): retried one by one below, and nothing is posted before that.
    if (post === null) recovering = true;
    const posting = post as { plain: MessageRow[]; write: ThreadWrite } | null;
    const committed = posting ? posting.write.committed : Promise.resolve(null);
    void committed.then((outcomes) => {
      uncommitted -= 1;
      wake();
      if (!outcomes) return;
      for (const [id, entry] of entries) {
        entry.from = null;
        for (const [i, outcome] of outcomes.entries()) {
          if (typeof outcome === 'number' && batch[i]?.input.conversation.id === id) {
            entry.from = outcome;
            break;
          }
        }
        entry.resolve();
      }
    });
    // On disk (or failed): readers may see its rows, before its sends are acknowledged.
    const release = (): void => {
      for (const [id, entry] of entries) {
        const left = (unsettledOf.get(id) ?? []).filter((e) => e !== entry);
        if (left.length === 0) unsettledOf.delete(id);
        else unsettledOf.set(id, left);
        entry.resolve();
      }
    };
    const finish = (): void => {
      release();
      settledCount += 1;
      if (recovering && settledCount === posted) recovering = false;
      wake();
    };
    settling = settling.then(async () => {
      let written: PromiseSettledResult<Written>[];
      try {
        written = resultsOf(posting?.plain ?? [], await durable).map((value) => ({ status: 'fulfilled', value }));
      } catch (err) {
        if (err instanceof WriterThreadDied) {
          // Not acknowledged; rows it committed are synced before readers are let see them.
          await walSync?.synced().catch(() => undefined);
          release();
          batch.forEach((p) => p.reject(err));
          finish();
          return;
        }
        written = await retryThreadBatch(thread, batch, keys, err instanceof WorkerBatchSkipped);
      }
      release();
      await settleSends(batch, written);
      finish();
    });
  }

  /** A batch the worker did not write: a skipped one posted again, alone; a failed one (or a skipped one that fails again) one send at a time. */
  async function retryThreadBatch(thread: WriterThread, batch: Pending[], keys: Map<string, DataKeyHandle>, skipped: boolean): Promise<PromiseSettledResult<Written>[]> {
    if (skipped) {
      try {
        return (await tracked(() => writeBatchThread(thread, batch, keys))).map((value) => ({ status: 'fulfilled', value }));
      } catch (err) {
        if (err instanceof WriterThreadDied) return batch.map(() => ({ status: 'rejected', reason: err }));
      }
    }
    return writeOneByOne(batch, keys);
  }

  /** The highest seq readers may be shown: below the lowest of any unsettled batch; null when none; undefined: wait for `known`. */
  function boundOf(conversationId: string): { upTo: number | null } | { wait: Promise<void> } {
    for (const entry of unsettledOf.get(conversationId) ?? []) {
      if (entry.from === undefined) return { wait: entry.known };
      if (entry.from !== null) return { upTo: entry.from - 1 };
    }
    return { upTo: null };
  }

  async function readableThread<T>(conversationId: string, read: (upTo: number | null) => Promise<T>): Promise<T> {
    for (;;) {
      const bound = boundOf(conversationId);
      if ('wait' in bound) {
        await bound.wait;
        continue;
      }
      if (bound.upTo !== null) return read(bound.upTo);
      readers.set(conversationId, (readers.get(conversationId) ?? 0) + 1);
      try {
        return await read(null);
      } finally {
        const left = (readers.get(conversationId) ?? 1) - 1;
        if (left === 0) readers.delete(conversationId);
        else readers.set(conversationId, left);
        wake();
      }
    }
  }

  const queue = createBatchQueue(options.maxBatch ?? 4000, (batch: Pending[]) => (thread ? flushThreadBatch(thread, batch) : flushBatch(batch)), thread ? { ready: postable } : {});
  async function drain(): Promise<void> {
    await queue.drain();
    await settling;
  }

  return {
    write: (input) => queue.push(input),
    readable: (conversationId, read) => {
      if (thread) return readableThread(conversationId, read);
      const from = unsettledFrom.get(conversationId);
      return read(from === undefined ? null : from - 1);
    },
    drain,
    inFlight: () => thread?.inFlight() ?? 0,
    threadStats: () => thread?.stats() ?? null,
    async close() {
      await drain();
      await thread?.close();
    },
  };
}
