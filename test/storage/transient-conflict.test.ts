// Two writers of one PostgreSQL cell that lock the same rows in opposite orders (as a payment and
// the migration engine's trigger install can): PostgreSQL aborts one of them as a deadlock, and the
// group committer runs the aborted write again instead of failing its request. SQLite has one
// writer at a time and no such abort, so this file runs on PostgreSQL only.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { createGroupCommitter } from '../../src/db/group-commit.js';
import { isTransientConflict } from '../../src/db/transient.js';
import { freshDatabaseUrl } from '../support/databases.js';

interface Db {
  counter: { id: number; n: number };
}

describe('a write aborted as a deadlock, on postgres', () => {
  let db: Kysely<Db>;
  beforeAll(async () => {
    db = openDatabase<Db>({ url: await freshDatabaseUrl('postgres', 'conflict'), poolSize: 4 });
    await sql`create table counter (id integer primary key, n integer not null)`.execute(db);
    await db.insertInto('counter').values([{ id: 1, n: 0 }, { id: 2, n: 0 }]).execute();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('is run again by the group committer, and both writes commit once', async () => {
    const attempts: string[] = [];
    const errors: unknown[] = [];
    // Each write adds one to both rows, in its own order, pausing between them so that the two meet.
    const write = (name: string, first: number, second: number) => async (trx: Kysely<Db>) => {
      attempts.push(name);
      await trx.updateTable('counter').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', first).execute();
      await new Promise((r) => setTimeout(r, 150));
      try {
        await trx.updateTable('counter').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', second).execute();
      } catch (err) {
        errors.push(err);
        throw err;
      }
    };
    // Two committers: two transactions on two connections, as two cells' writers or two processes have them.
    const [a, b] = [createGroupCommitter(db), createGroupCommitter(db)];
    await Promise.all([a.run(write('a', 1, 2)), b.run(write('b', 2, 1))]);

    expect(errors.length, 'PostgreSQL aborted one of the two as a deadlock').toBe(1);
    expect(isTransientConflict(errors[0])).toBe(true);
    // Each write ran once, and the aborted one once more.
    expect(attempts).toHaveLength(3);
    const rows = await db.selectFrom('counter').select(['id', 'n']).orderBy('id').execute();
    expect(rows).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
  });

  it('does not run again a write that failed for another reason', async () => {
    let runs = 0;
    const committer = createGroupCommitter(db);
    await expect(
      committer.run(async (trx) => {
        runs++;
        await sql`select 1 / 0`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(runs).toBe(1);
  });
});
