// The durable access log on SQLite and PostgreSQL: group-committed appends with gap-free
// indices, checkpoints, proofs and tiles that verify, reopening consistent with the last
// checkpoint, fail-closed when storage refuses, and routing of entries to the subjects' cell.
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { DomainError } from '../../src/errors/catalogue.js';
import { openAccessLogs } from '../../src/governance/log/access-logs.js';
import { openCheckpoint } from '../../src/governance/log/checkpoint.js';
import type { CellDatabase } from '../../src/cells/cell.database.js';
import { COMMITMENT, commitmentTo, type AccessEntry } from '../../src/governance/log/entry.js';
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import { verifyCellLog } from '../../src/governance/log/log.verify.js';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from '../../src/governance/log/merkle.js';
import { decodeEntryBundle } from '../../src/governance/log/tiles.js';
import { dialects, tempDir } from '../support/databases.js';
import { buildCells } from '../support/factories.js';
import { accessEntry, openTestLog } from './support.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { cellSchema } from '../../src/app/schema.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ok';
}

// Leaves are sealed with fresh salts, so the expected leaf of entry i is the hash of its stored
// bytes, which must open (with the openings stored beside them) to exactly accessEntry(i).
const stored = new Map<number, Buffer>();
const leafOf = (i: number): Buffer => leafHash(stored.get(i) ?? Buffer.alloc(0));
async function expectStoredAsAppended(db: Kysely<CellDatabase>, from: number, to: number): Promise<void> {
  for (const { idx, entry } of await readOpenedEntries(db, from, to)) {
    const appended = accessEntry(idx);
    expect(entry).toEqual({ ...appended, subjects: [...new Set(appended.subjects)].sort() });
    const row = await db.selectFrom('log_entry').select('entry').where('idx', '=', idx).executeTakeFirstOrThrow();
    stored.set(idx, Buffer.from(row.entry, 'utf8'));
    // The leaf itself names no one: subjects and operator are commitments.
    const leaf = JSON.parse(row.entry) as AccessEntry;
    expect(leaf.subjects.every((s) => COMMITMENT.test(s)) && COMMITMENT.test(leaf.actor)).toBe(true);
  }
}

describe.each(dialects)('access log on %s', (dialect) => {
  let cells: CellRegistry | null = null;
  afterEach(async () => {
    await cells?.close();
    cells = null;
  });

  it('appends an event id once: a repeat, in the same batch or after a reopen, is answered with the stored index', async () => {
    cells = await buildCells(dialect);
    const { log, reopen } = await openTestLog(cells);
    const first = await Promise.all([0, 1, 2, 1, 0].map((i) => log.append(accessEntry(i))));
    expect(first.map((r) => r.index)).toEqual([0, 1, 2, 1, 0]);
    await log.close();
    const again = await reopen();
    const second = await Promise.all([2, 3, 0].map((i) => again.append(accessEntry(i, { time: '2026-12-01T00:00:00Z' }))));
    expect(second.map((r) => r.index)).toEqual([2, 3, 0]);
    expect(again.size()).toBe(4);
    const ids = await cells.get('jp').db.selectFrom('log_event').select(['event_id', 'idx']).orderBy('idx').execute();
    expect(ids.map((r) => [r.event_id, Number(r.idx)])).toEqual([0, 1, 2, 3].map((i) => [`evt-${i}`, i]));
    expect((await verifyCellLog({ cellId: 'jp', db: cells.get('jp').db })).problem).toBeNull();
    await again.close();
  });

  it('commits concurrent appends in call order with gap-free indices, and proves them against signed checkpoints', async () => {
    cells = await buildCells(dialect);
    const { log, key, reopen } = await openTestLog(cells);
    expect(log.latestCheckpoint().size).toBe(0);

    const first = await Promise.all(Array.from({ length: 600 }, (_, i) => log.append(accessEntry(i))));
    expect(first.map((r) => r.index)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    await expectStoredAsAppended(cells.get('jp').db, 0, 600);
    const cp600 = await log.checkpoint();
    const opened = openCheckpoint(cp600.note, [key.verifier], key.origin).checkpoint;
    expect(opened.treeSize).toBe(600);
    expect(Buffer.from(opened.rootHash)).toEqual(rootOf(Array.from({ length: 600 }, (_, i) => leafOf(i))));

    for (const i of [0, 1, 255, 256, 511, 599]) {
      expect(verifyInclusion(leafOf(i), i, 600, await log.inclusionProof(i, 600), cp600.rootHash)).toBe(true);
    }
    // Hash tiles and entry bundles in the tlog-tiles layout, up to the checkpoint.
    const tile0 = (await log.tile('tile/0/000')).bytes;
    expect(tile0.length).toBe(256 * 32);
    expect(tile0.subarray(32 * 255, 32 * 256)).toEqual(leafOf(255));
    expect((await log.tile('tile/0/002.p/88')).bytes.subarray(32 * 87)).toEqual(leafOf(599));
    expect((await log.tile('tile/1/000.p/2')).bytes.length).toBe(64);
    const bundle = decodeEntryBundle((await log.tile('tile/entries/002.p/88')).bytes, 88);
    expect(bundle[0]).toEqual(stored.get(512));
    expect(await codeOf(log.tile('tile/0/002'))).toBe('NOT_FOUND');
    expect(await codeOf(log.tile('tile/0/002.p/89'))).toBe('NOT_FOUND');
    expect(await codeOf(log.tile('tile/0/0002'))).toBe('BAD_REQUEST');

    await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(accessEntry(600 + i))));
    const cp900 = await log.checkpoint();
    expect(verifyConsistency(600, 900, await log.consistencyProof(600, 900), cp600.rootHash, cp900.rootHash)).toBe(true);

    const about = await log.entriesAbout({ subjectId: 'hanako', limit: 5 });
    expect(about.map((a) => a.index)).toEqual([897, 894, 891, 888, 885]);
    await expectStoredAsAppended(cells.get('jp').db, 600, 900);
    expect(about[0]?.canonical).toBe(stored.get(897)?.toString());
    expect(JSON.parse(about[0]?.canonical ?? '{}')).toMatchObject({ subjects: expect.arrayContaining([commitmentTo(about[0]?.salt ?? '', 'hanako')]) as unknown });
    const older = await log.entriesAbout({ subjectId: 'hanako', before: 885, limit: 2 });
    expect(older.map((a) => a.index)).toEqual([882, 879]);
    await log.close();

    // After a restart the tree is the same and appends continue where they stopped.
    const again = await reopen();
    expect(again.size()).toBe(900);
    expect(again.latestCheckpoint().note).toBe(cp900.note);
    expect((await again.append(accessEntry(900))).index).toBe(900);
    const cp901 = await again.checkpoint();
    expect(verifyConsistency(900, 901, await again.consistencyProof(900, 901), cp900.rootHash, cp901.rootHash)).toBe(true);
    await again.close();

    const verified = await verifyCellLog({ cellId: 'jp', db: cells.get('jp').db });
    expect(verified.problem).toBeNull();
    expect(verified).toMatchObject({ entries: 901, checkpoints: 4 });
  });

  it('finds every subject of bulk entries committed together from the moment they are acknowledged, before and after the subject index is built', async () => {
    cells = await buildCells(dialect);
    const { log } = await openTestLog(cells, 'jp', { indexDelayMs: 0 });
    const db = cells.get('jp').db;
    const people = Array.from({ length: 2000 }, (_, i) => `person${String(i).padStart(4, '0')}`);
    // Two 1,000-subject entries and a small one in one group commit, people in no sorted order.
    const bulk = [people.slice(1000).reverse(), people.slice(0, 1000), ['hanako', 'person0007']];
    const indices = await Promise.all(bulk.map((subjects, i) => log.append(accessEntry(i, { subjects, released: subjects.length, decision: 'allow' }))));
    expect(indices.map((r) => r.index)).toEqual([0, 1, 2]);
    const count = async (table: 'log_subject' | 'log_opening') => Number((await db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // The commit wrote one openings row per entry; the per-subject index is built afterwards.
    expect([await count('log_opening'), await count('log_subject')]).toEqual([3, 0]);
    const expectFound = async () => {
      for (const [subjectId, expected] of [['person0000', [1]], ['person1999', [0]], ['person0007', [2, 1]], ['hanako', [2]]] as const) {
        const about = await log.entriesAbout({ subjectId, limit: 5 });
        expect(about.map((a) => a.index)).toEqual(expected);
        for (const a of about) expect((JSON.parse(a.canonical) as AccessEntry).subjects).toContain(commitmentTo(a.salt ?? '', subjectId));
      }
      expect((await log.entriesAbout({ subjectId: 'person0007', before: 2, limit: 5 })).map((a) => a.index)).toEqual([1]);
    };
    await expectFound();
    await log.indexSubjects();
    expect(await count('log_subject')).toBe(2002);
    await expectFound();
    // Half indexed: an entry above the watermark is merged with the index below it.
    await log.append(accessEntry(3, { subjects: ['person0007'], released: 1, decision: 'allow' }));
    expect((await log.entriesAbout({ subjectId: 'person0007', limit: 5 })).map((a) => a.index)).toEqual([3, 2, 1]);
    expect((await log.entriesAbout({ subjectId: 'person0007', limit: 2 })).map((a) => a.index)).toEqual([3, 2]);
    await log.close();
    expect(await count('log_subject')).toBe(2003);
    expect((await verifyCellLog({ cellId: 'jp', db })).problem).toBeNull();
  });

  it('migration 0025 builds each entry\'s openings from a subject index written before it, and the log reads and verifies as before', async () => {
    cells = await buildCells(dialect);
    const db = cells.get('jp').db;
    const { log, reopen } = await openTestLog(cells, 'jp', { indexDelayMs: 0 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(accessEntry(i))));
    await log.append(accessEntry(40, { subjects: ['hanako', 'person0001', 'person0002'], released: 3, decision: 'allow' }));
    await log.close();
    const opened = await readOpenedEntries(db, 0, 41);
    const first = await reopen();
    const hanako = (await first.entriesAbout({ subjectId: 'hanako', limit: 100 })).map((a) => [a.index, a.salt]);
    await first.close();
    // The layout before 0025: the index holds every entry's openings, and there is no openings table.
    await db.schema.dropTable('log_opening').execute();
    await db.deleteFrom('cell_meta').where('key', '=', 'log_subject_indexed').execute();
    await sql`delete from kysely_migration where name = '0025_log_subject_openings'`.execute(db);
    await migrateToLatest(db, cellSchema.migrations('jp'));
    expect(await readOpenedEntries(db, 0, 41)).toEqual(opened);
    const migrated = await reopen();
    expect((await migrated.entriesAbout({ subjectId: 'hanako', limit: 100 })).map((a) => [a.index, a.salt])).toEqual(hanako);
    expect(hanako.length).toBe(15);
    expect((await verifyCellLog({ cellId: 'jp', db })).problem).toBeNull();
    await migrated.close();
  });

  it('publishes a checkpoint by itself while entries arrive', async () => {
    cells = await buildCells(dialect);
    const { log } = await openTestLog(cells, 'jp', { checkpointIntervalMs: 100 });
    await log.append(accessEntry(0));
    const start = Date.now();
    while (log.latestCheckpoint().size < 1) {
      expect(Date.now() - start).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([log.append(accessEntry(1)), log.append(accessEntry(2))]);
    while (log.latestCheckpoint().size < 3) await new Promise((r) => setTimeout(r, 20));
    await log.close();
  });

  it('refuses accesses while it cannot write, then recovers; refuses to open over a hole', async () => {
    cells = await buildCells(dialect);
    const db = cells.get('jp').db;
    const { log, reopen } = await openTestLog(cells);
    await Promise.all([0, 1, 2].map((i) => log.append(accessEntry(i))));
    expect(await codeOf(log.append({ ...accessEntry(3), subjects: ['Hanako Sato'] }))).toBe('INVALID_ACCESS_ENTRY');

    // Another writer took index 3: the batch fails, and until the foreign row is gone the log
    // stays closed rather than guess.
    await db.insertInto('log_entry').values({ idx: 3, entry: '{}' }).execute();
    expect(await codeOf(log.append(accessEntry(3)))).toBe('LOG_UNAVAILABLE');
    expect(await codeOf(log.append(accessEntry(3)))).toBe('LOG_INCONSISTENT');
    await db.deleteFrom('log_entry').where('idx', '=', 3).execute();
    expect(await log.append(accessEntry(3))).toEqual({ index: 3 });
    await log.close();

    await db.deleteFrom('log_entry').where('idx', '=', 1).execute();
    expect(await codeOf(reopen())).toBe('LOG_INCONSISTENT');
    await sql`delete from log_entry`.execute(db);
    expect(await codeOf(reopen())).toBe('LOG_INCONSISTENT');
  });

  it('takes appends from two writers on one cell (a serving process and the CLI beside it) without reusing an index', async () => {
    // Found by the crash harness's migration lane: `migrate start` logged its steps into the SQLite
    // cell a serving process was appending to, and one of the two failed (UNIQUE log_entry.idx).
    cells = await buildCells(dialect);
    const dataDir = tempDir('domicile-logs');
    const server = await openAccessLogs({ cells, dataDir, deployment: 'domicile.test' });
    const cli = await openAccessLogs({ cells, dataDir, deployment: 'domicile.test' });
    const indices: number[] = [];
    for (let i = 0; i < 6; i++) indices.push((await (i % 2 === 0 ? server : cli).recordAccess(accessEntry(i, { subjects: ['hanako'] }))).index);
    expect(indices).toEqual([0, 1, 2, 3, 4, 5]);
    await server.get('jp').checkpoint();
    await cli.get('jp').checkpoint();
    await Promise.all([server.close(), cli.close()]);
    expect((await verifyCellLog({ cellId: 'jp', db: cells.get('jp').db })).problem).toBeNull();
  });

  it('routes each entry to the log of its subjects’ home cell and refuses what it cannot record', async () => {
    cells = await buildCells(dialect);
    const homes: Record<string, string> = { hanako: 'JP', minjun: 'KR' };
    const logs = await openAccessLogs({ cells, dataDir: tempDir('domicile-logs'), deployment: 'domicile.test', homesOf: async (ids) => new Map(ids.flatMap((id) => (homes[id] ? [[id, { home: homes[id] }] as const] : []))) });
    expect(await logs.recordAccess(accessEntry(0, { subjects: ['hanako'] }))).toEqual({ cellId: 'jp', index: 0 });
    expect(await logs.recordAccess(accessEntry(1, { subjects: ['minjun'], subjectJurisdiction: 'KR' }))).toEqual({ cellId: 'kr', index: 0 });
    expect(await codeOf(logs.recordAccess(accessEntry(2, { subjects: ['hanako', 'minjun'] })))).toBe('WRONG_CELL');
    expect(await codeOf(logs.recordAccess(accessEntry(3, { subjectJurisdiction: 'US' })))).toBe('UNKNOWN_JURISDICTION');

    // The broker releases only after recordAccess resolves (src/governance/broker/broker.test.ts);
    // here: a closed log refuses, and the refused entry is not counted.
    expect(await logs.recordAccess(accessEntry(4, { subjects: ['hanako'] }))).toEqual({ cellId: 'jp', index: 1 });
    await logs.close();
    expect(await codeOf(logs.recordAccess(accessEntry(5, { subjects: ['hanako'] })))).toBe('LOG_UNAVAILABLE');
    expect(logs.get('jp').size()).toBe(2);
  });
});
