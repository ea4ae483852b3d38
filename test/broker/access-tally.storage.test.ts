// The two-person rule's tally on both dialects: one row per request, distinct people counted over
// the window across requests (a repeated person once), per operator and purpose; old requests
// pruned; and the upgrade from one row per person (before migration 0029) keeps every count.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { directoryMigrations } from '../../src/app/schema.js';
import { openDirectory, type Directory } from '../../src/cells/directory.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openAccessTally } from '../../src/governance/broker/access-tally.repository.js';
import { dialects, freshDatabaseUrl } from '../support/databases.js';

const open: Directory[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

const at = (minute: number): Date => new Date(Date.UTC(2026, 11, 2, 5, minute));
const people = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

describe.each(dialects)('the access tally on %s', (dialect) => {
  it('writes one row per request and counts distinct people across requests within the window', async () => {
    const directory = await openDirectory(await freshDatabaseUrl(dialect, 'tally'), directoryMigrations);
    open.push(directory);
    const tally = openAccessTally(directory.db);
    const op = { operatorId: 'op-tokyo-support', purpose: 'SUPPORT_CASE' };
    await tally.add({ ...op, subjects: people('person', 5000), at: at(1) });
    await tally.add({ ...op, subjects: ['person00001', 'hanako', 'hanako'], at: at(2) });
    await tally.add({ ...op, subjects: [], at: at(3) });
    await tally.add({ ...op, purpose: 'ABUSE_REPORT', subjects: ['taro'], at: at(2) });
    await tally.add({ operatorId: 'op-other', purpose: 'SUPPORT_CASE', subjects: ['jiro'], at: at(2) });
    expect(Number((await directory.db.selectFrom('access_tally').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(4);

    const all = await tally.subjectsSince({ ...op, since: at(0) });
    expect(all.size).toBe(5001);
    expect(all.has('hanako') && all.has('person04999') && !all.has('taro') && !all.has('jiro')).toBe(true);
    expect((await tally.subjectsSince({ ...op, since: at(1) })).size).toBe(2);
    expect([...(await tally.subjectsSince({ ...op, since: at(1) }))].sort()).toEqual(['hanako', 'person00001']);
    expect((await tally.subjectsSince({ ...op, since: at(0), limit: 101 })).size).toBe(101);
    expect([...(await tally.subjectsSince({ ...op, purpose: 'ABUSE_REPORT', since: at(0) }))]).toEqual(['taro']);

    expect(await tally.prune(at(1))).toBe(1);
    expect([...(await tally.subjectsSince({ ...op, since: at(0) }))].sort()).toEqual(['hanako', 'person00001']);
  });

  it('migration 0029 folds the rows of one person each into one row per request, and counts as before', async () => {
    const directory = await openDirectory(await freshDatabaseUrl(dialect, 'tally'), directoryMigrations);
    open.push(directory);
    const db = directory.db;
    // The layout before 0029 (as 0009 made it), with rows written one per person.
    await sql`drop table access_tally`.execute(db);
    await sql`create table access_tally (operator_id text not null, purpose text not null, subject_id text not null, at text not null)`.execute(db);
    await sql`create index access_tally_window on access_tally (operator_id, purpose, at)`.execute(db);
    const rows = [
      ...people('person', 150).map((id) => ['op-a', 'SUPPORT_CASE', id, at(1).toISOString()]),
      ...['hanako', 'taro'].map((id) => ['op-a', 'SUPPORT_CASE', id, at(2).toISOString()]),
      ['op-b', 'ABUSE_REPORT', 'taro', at(2).toISOString()],
    ];
    for (const [operator, purpose, subject, time] of rows) {
      await sql`insert into access_tally (operator_id, purpose, subject_id, at) values (${operator}, ${purpose}, ${subject}, ${time})`.execute(db);
    }
    await sql`delete from kysely_migration where name = '0029_access_tally_per_request'`.execute(db);
    await migrateToLatest(db, directoryMigrations);

    const stored = await db.selectFrom('access_tally').selectAll().orderBy('operator_id').orderBy('at').execute();
    expect(stored.map((r) => [r.operator_id, r.purpose, r.at, (JSON.parse(r.subjects) as string[]).length])).toEqual([
      ['op-a', 'SUPPORT_CASE', at(1).toISOString(), 150],
      ['op-a', 'SUPPORT_CASE', at(2).toISOString(), 2],
      ['op-b', 'ABUSE_REPORT', at(2).toISOString(), 1],
    ]);
    const tally = openAccessTally(db);
    expect((await tally.subjectsSince({ operatorId: 'op-a', purpose: 'SUPPORT_CASE', since: at(0) })).size).toBe(152);
    expect([...(await tally.subjectsSince({ operatorId: 'op-a', purpose: 'SUPPORT_CASE', since: at(1) }))].sort()).toEqual(['hanako', 'taro']);
    await tally.add({ operatorId: 'op-b', purpose: 'ABUSE_REPORT', subjects: ['taro', 'jiro'], at: at(3) });
    expect([...(await tally.subjectsSince({ operatorId: 'op-b', purpose: 'ABUSE_REPORT', since: at(0) }))].sort()).toEqual(['jiro', 'taro']);
  });
});
