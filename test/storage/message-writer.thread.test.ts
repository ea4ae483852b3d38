// The message writer's worker thread on a SQLite file cell: a batch in flight counts as a write
// under the placement version it was checked under until it has committed (a migration's settle
// waits for it, so nothing lands in the old cell after the switch); a worker that dies fails its
// batch's sends instead of hanging them and is started again; repeats within one batch; several
// batches in flight, each acknowledged only once the WAL sync after its commit is done, and hidden
// from readers until then; a failed batch with another posted behind it: the one behind lands
// after the failed one's retry, so seqs and acks keep the order of the sends.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, CellRegistry } from '../../src/cells/cell.registry.js';
import { oldestWriteVersion } from '../../src/cells/moving.context.js';
import { sqliteFileOf } from '../../src/db/connect.js';
import { createMessageWriter, type MessageWriter } from '../../src/messaging/message.writer.js';
import { buildCells, plaintextMessages, randomId } from '../support/factories.js';

const conversationOf = (subject: string) => ({ id: `c${subject}`, cellId: 'jp', kind: 'group' as const, ownerId: subject, scopeHome: 'JP', scopeClass: 'consumer' as const, members: new Map() });

/** Sends of `subject` through `writer` (to their conversation unless told), each text `text of <clientId>` unless given. */
const senderOf =
  (writer: MessageWriter, cell: Cell, subject: string) =>
  (clientId: string, options: { to?: ReturnType<typeof conversationOf>; text?: string } = {}) =>
    writer.write({ cell, conversation: options.to ?? conversationOf(subject), senderId: subject, senderHome: 'JP', kind: 'text', clientId, text: options.text ?? `text of ${clientId}`, media: null });

/** The order sends were acknowledged in: `ack(name)` records a send's success, `failed(name)` its failure. */
function ackLog() {
  const acked: string[] = [];
  return {
    acked,
    ack:
      (name: string) =>
      <T,>(r: T): T => (acked.push(name), r),
    failed: (name: string) => (err: unknown) => (acked.push(`${name} failed`), err),
  };
}

describe('the message writer\'s worker thread (SQLite)', () => {
  let cells: CellRegistry;
  const writers: MessageWriter[] = [];
  const writerFor = (options: Parameters<typeof createMessageWriter>[1]) => {
    const writer = createMessageWriter(cells.get('jp'), options);
    writers.push(writer);
    return writer;
  };
  /** A conversation with one stored message, and a writer whose first send ('warm', seq 2) is acknowledged: its worker is up. */
  const warmedWriter = async (prefix: string, options: Parameters<typeof createMessageWriter>[1]) => {
    const jp = cells.get('jp');
    const subject = randomId(prefix);
    await plaintextMessages(jp, subject, ['one']);
    const writer = writerFor(options);
    const send = senderOf(writer, jp, subject);
    expect((await send('warm')).row.seq).toBe(2);
    return { jp, subject, writer, send };
  };
  /** What another connection sees: committed rows, synced or not. */
  const committedClientIds = (subject: string) => {
    const other = new Database(sqliteFileOf(cells.get('jp').db) as string, { readonly: true });
    try {
      return other.prepare('select client_id from message where conversation_id = ? order by seq').pluck().all(`c${subject}`);
    } finally {
      other.close();
    }
  };
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 2));
  };
  const seqsOf = (subject: string) =>
    cells.get('jp').db.selectFrom('message').select(['client_id', 'seq']).where('conversation_id', '=', `c${subject}`).orderBy('seq').execute();
  beforeAll(async () => {
    cells = await buildCells('sqlite');
  });
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await cells.close();
  });

  it('counts a batch in flight under the placement version it was checked under until it commits', async () => {
    const jp = cells.get('jp');
    const subject = randomId('f');
    await plaintextMessages(jp, subject, ['one']);
    const writer = writerFor({ cells });
    const send = (clientId: string) => senderOf(writer, jp, subject)(clientId, { text: 'hi' });
    // The sender's message key is made (a write on this thread) before the lock is taken.
    expect((await send('warm')).created).toBe(true);
    // Another connection holds the write lock: the worker's commit waits behind it.
    const lock = new Database(sqliteFileOf(jp.db) as string);
    lock.exec('begin immediate');
    const write = send('in-flight');
    while (writer.inFlight() === 0) await new Promise((r) => setImmediate(r));
    const checkedUnder = cells.placement.version;
    // The switch: the moving messages are fenced from here on.
    cells.replacePlacement(cells.placement.rules, { version: checkedUnder + 1, staging: [], fence: [{ home: 'JP', category: 'user.content.message', cell: 'kr' }] });
    // What settle reads: the batch checked before the fence may still land in this cell.
    expect(oldestWriteVersion(cells)).toBe(checkedUnder);
    lock.exec('commit');
    lock.close();
    expect((await write).created).toBe(true);
    expect(oldestWriteVersion(cells)).toBe(checkedUnder + 1);
    // Checked after the fence: refused, nothing written.
    await expect(send('after-fence')).rejects.toMatchObject({ code: 'CELL_UNAVAILABLE', details: { moving: true } });
    cells.replacePlacement(cells.placement.rules, { version: checkedUnder + 2, staging: [], fence: [] });
    expect(await seqsOf(subject)).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'warm', seq: 2 },
      { client_id: 'in-flight', seq: 3 },
    ]);
  });

  it('fails the sends of a batch whose worker died, starts a new worker, and goes on without a gap', async () => {
    const jp = cells.get('jp');
    const subject = randomId('d');
    await plaintextMessages(jp, subject, ['one']);
    const writer = writerFor({ workerUrl: new URL('../support/crashing.writer.worker.ts', import.meta.url) });
    const send = senderOf(writer, jp, subject);
    expect((await send('before')).row.seq).toBe(2);
    const batch = await Promise.allSettled([send('crash-before'), send('beside-it')]);
    expect(batch.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((batch[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'WriterThreadDied' });
    expect(await send('after')).toMatchObject({ created: true, row: { seq: 3, text: 'text of after' } });
    expect(writer.threadStats()?.started).toBe(2);
    // The retry of a failed send goes through.
    expect((await send('beside-it')).row.seq).toBe(4);
    // A worker that dies after its commit: not acknowledged, though stored (a retry finds it, as a repeat does below).
    await expect(send('crash-after')).rejects.toMatchObject({ name: 'WriterThreadDied' });
    expect(await seqsOf(subject)).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'before', seq: 2 },
      { client_id: 'after', seq: 3 },
      { client_id: 'beside-it', seq: 4 },
      { client_id: 'crash-after', seq: 5 },
    ]);
  });

  it('answers a repeat within one batch and a repeat of a stored send with the row first written, in the clear', async () => {
    const jp = cells.get('jp');
    const subject = randomId('r');
    await plaintextMessages(jp, subject, ['one']);
    const writer = writerFor({});
    const send = (clientId: string, text: string) => senderOf(writer, jp, subject)(clientId, { text });
    const [first, repeat, other] = await Promise.all([send('same', 'first'), send('same', 'second'), send('other', 'third')]);
    expect(first).toMatchObject({ created: true, row: { seq: 2, text: 'first' } });
    expect(repeat).toMatchObject({ created: false, row: { id: first.row.id, seq: 2, text: 'first' } });
    expect(other).toMatchObject({ created: true, row: { seq: 3, text: 'third' } });
    expect(await send('same', 'later')).toMatchObject({ created: false, row: { id: first.row.id, seq: 2, text: 'first' } });
    // Two repeats of a stored send in one batch: both get the stored row, opened.
    const repeats = await Promise.all([send('same', 'again'), send('same', 'and again')]);
    expect(repeats).toMatchObject([
      { created: false, row: { id: first.row.id, text: 'first' } },
      { created: false, row: { id: first.row.id, text: 'first' } },
    ]);
    const stored = await jp.db.selectFrom('message').select(['text']).where('id', '=', first.row.id).executeTakeFirstOrThrow();
    expect(stored.text).not.toContain('first');
    const read = await jp.db.selectFrom('membership').select('last_read_seq').where('conversation_id', '=', `c${subject}`).where('subject_id', '=', subject).executeTakeFirst();
    expect(read === undefined || Number(read.last_read_seq) === 3).toBe(true);
  });

  it('numbers the new sends of a batch holding a repeat of a stored send without a gap, and answers the repeat with the stored row', async () => {
    const jp = cells.get('jp');
    const subject = randomId('m');
    await plaintextMessages(jp, subject, ['one']);
    const writer = writerFor({});
    const send = (clientId: string, text: string) => senderOf(writer, jp, subject)(clientId, { text });
    const stored = await send('stored', 'first');
    expect(stored.row.seq).toBe(2);
    // One batch: new, a repeat of the stored send, new, and a repeat of the first new one.
    const [before, repeat, after, again] = await Promise.all([send('new-1', 'a'), send('stored', 'b'), send('new-2', 'c'), send('new-1', 'd')]);
    expect(before).toMatchObject({ created: true, row: { seq: 3, text: 'a' } });
    expect(repeat).toMatchObject({ created: false, row: { id: stored.row.id, seq: 2, text: 'first' } });
    expect(after).toMatchObject({ created: true, row: { seq: 4, text: 'c' } });
    expect(again).toMatchObject({ created: false, row: { id: before.row.id, seq: 3, text: 'a' } });
    expect(await seqsOf(subject)).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'stored', seq: 2 },
      { client_id: 'new-1', seq: 3 },
      { client_id: 'new-2', seq: 4 },
    ]);
    const conversation = await jp.db.selectFrom('conversation').select('last_seq').where('id', '=', `c${subject}`).executeTakeFirstOrThrow();
    expect(Number(conversation.last_seq)).toBe(4);
    // The next batch goes on from there.
    expect((await send('new-3', 'e')).row.seq).toBe(5);
  });

  it('keeps two batches in flight and acknowledges each only after a WAL sync that started after its commit; readers do not see them before', async () => {
    const { subject, writer, send } = await warmedWriter('p', { workerUrl: new URL('../support/slow-sync.writer.worker.ts', import.meta.url) });
    const { acked, ack } = ackLog();
    const first = send('first').then(ack('first'));
    await until(() => committedClientIds(subject).includes('first'));
    // Posted while the first one's sync runs: the worker commits it at once.
    const second = send('second').then(ack('second'));
    await until(() => committedClientIds(subject).includes('second'));
    expect(writer.inFlight()).toBe(2);
    expect(acked).toEqual([]);
    // Committed, not on disk: readers are bounded below them.
    const visible = await writer.readable(`c${subject}`, async (upTo) => upTo);
    expect(visible).toBe(2);
    expect((await first).row.seq).toBe(3);
    expect((await second).row.seq).toBe(4);
    expect(acked).toEqual(['first', 'second']);
    expect(await writer.readable(`c${subject}`, async (upTo) => upTo)).toBeNull();
    expect(writer.inFlight()).toBe(0);
  });

  it('retries a failed batch before the batch posted behind it, so seqs and acks keep the order of the sends', async () => {
    // Posted behind a batch the worker has not committed yet (by default the next batch waits for that).
    const { jp, subject, writer, send } = await warmedWriter('b', { postAhead: true });
    const conversation = conversationOf(subject);
    const { acked, ack, failed } = ackLog();
    // The write lock held elsewhere: the first batch waits in the worker while the second is posted behind it.
    const lock = new Database(sqliteFileOf(jp.db) as string);
    lock.exec('begin immediate');
    // One batch: a good send and one to a conversation this cell does not have (the worker fails the batch).
    const good = send('good-1').then(ack('good-1'));
    const bad = send('bad', { to: { ...conversation, id: `c${randomId('none')}` } }).then(ack('bad'), failed('bad'));
    await until(() => writer.inFlight() === 1);
    const behind = send('good-2').then(ack('good-2'));
    await until(() => writer.inFlight() === 2);
    lock.exec('commit');
    lock.close();
    // This thread stays busy while the worker goes through both batches (its busy handler sleeps
    // up to 100 ms between tries): the second reaches the worker before this side knows of the
    // first one's failure, as under load.
    const busyUntil = performance.now() + 400;
    while (performance.now() < busyUntil);
    expect((await good).row.seq).toBe(3);
    expect(await bad).toBeInstanceOf(Error);
    expect((await behind).row.seq).toBe(4);
    expect(acked).toEqual(['good-1', 'bad failed', 'good-2']);
    // And the writer goes on as before.
    expect((await send('after')).row.seq).toBe(5);
    expect(await seqsOf(subject)).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'warm', seq: 2 },
      { client_id: 'good-1', seq: 3 },
      { client_id: 'good-2', seq: 4 },
      { client_id: 'after', seq: 5 },
    ]);
  });

  it('gathers the next batch while one commits, posts it while the one before is synced, and a failure there keeps the order', async () => {
    const { subject, send } = await warmedWriter('g', { workerUrl: new URL('../support/slow-sync.writer.worker.ts', import.meta.url) });
    const conversation = conversationOf(subject);
    const { acked, ack, failed } = ackLog();
    const first = send('first').then(ack('first'));
    await until(() => committedClientIds(subject).includes('first'));
    // The first is being synced (slowly): the next batch is posted and fails in the worker; the one after it gathers meanwhile.
    const good = send('good').then(ack('good'));
    const bad = send('bad', { to: { ...conversation, id: `c${randomId('none')}` } }).then(ack('bad'), failed('bad'));
    await new Promise((r) => setTimeout(r, 20));
    const last = send('last').then(ack('last'));
    expect((await first).row.seq).toBe(3);
    expect((await good).row.seq).toBe(4);
    expect(await bad).toBeInstanceOf(Error);
    expect((await last).row.seq).toBe(5);
    expect(acked).toEqual(['first', 'good', 'bad failed', 'last']);
    expect(await seqsOf(subject)).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'warm', seq: 2 },
      { client_id: 'first', seq: 3 },
      { client_id: 'good', seq: 4 },
      { client_id: 'last', seq: 5 },
    ]);
  });

  it('cuts the next batch only once it can be posted: sends that arrive while a batch commits, in several turns, go together in the next one', async () => {
    const { jp, writer, send } = await warmedWriter('c', {});
    const before = writer.threadStats()?.batches as number;
    // The write lock held elsewhere: the first batch waits in the worker (busy timeout), not committed.
    const lock = new Database(sqliteFileOf(jp.db) as string);
    lock.exec('begin immediate');
    const first = send('first');
    await until(() => writer.inFlight() === 1);
    // Three sends in three turns while the first batch commits: cut at once, the first of them
    // would make a batch of its own and the others a third.
    const later = [send('a')];
    await new Promise((r) => setTimeout(r, 20));
    later.push(send('b'));
    await new Promise((r) => setTimeout(r, 20));
    later.push(send('c'));
    await new Promise((r) => setTimeout(r, 20));
    expect(writer.inFlight()).toBe(1);
    lock.exec('commit');
    lock.close();
    expect((await first).row.seq).toBe(3);
    expect((await Promise.all(later)).map((r) => r.row.seq)).toEqual([4, 5, 6]);
    expect((writer.threadStats()?.batches as number) - before).toBe(2);
  });

  it('holds back a batch of a conversation while a read of it runs with no bound, and posts it after', async () => {
    const { subject, writer, send } = await warmedWriter('h', {});
    // Acknowledged, so readable at once.
    expect(await writer.readable(`c${subject}`, async (upTo) => upTo)).toBeNull();
    let endRead!: () => void;
    const reading = writer.readable(`c${subject}`, async (upTo) => {
      await new Promise<void>((r) => (endRead = r));
      return upTo;
    });
    const held = send('held');
    await new Promise((r) => setTimeout(r, 100));
    // Not posted while the read runs: it could otherwise commit before the read's query.
    expect(writer.inFlight()).toBe(0);
    expect(committedClientIds(subject)).not.toContain('held');
    endRead();
    expect(await reading).toBeNull();
    expect((await held).row.seq).toBe(3);
  });
});
