// The deferred sync keeps every other commit of the connection at synchronous = FULL (even when
// a deferred transaction fails), lets syncs asked for during one share the next, and leaves
// PostgreSQL alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import { deferredSyncOf } from './deferred-sync.js';

interface Db {
  item: { id: number; body: string };
}

const opened: Kysely<Db>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

async function scratch(): Promise<{ db: Kysely<Db>; file: string }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deferred-sync-')), 'scratch.sqlite');
  const db = openDatabase<Db>({ url: `sqlite:${file}` });
  opened.push(db);
  await db.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();
  return { db, file };
}

const synchronous = async (db: Kysely<Db>): Promise<number> => Number((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous);

describe('deferred sync', () => {
  it('commits, syncs, and leaves the connection at synchronous = FULL, also after a failed transaction', async () => {
    const { db, file } = await scratch();
    const deferred = deferredSyncOf(db);
    expect(deferred).not.toBeNull();
    const full = 2;
    await deferred?.commit(async (trx) => {
      expect(await synchronous(trx as unknown as Kysely<Db>)).toBe(1);
      await trx.insertInto('item').values({ id: 1, body: 'one' }).execute();
    });
    await deferred?.synced();
    expect(await synchronous(db)).toBe(full);
    await expect(
      deferred?.commit(async (trx) => {
        await trx.insertInto('item').values({ id: 2, body: 'two' }).execute();
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await synchronous(db)).toBe(full);
    expect(await db.selectFrom('item').select('id').execute()).toEqual([{ id: 1 }]);
    // Another connection sees the synced commit in the file.
    const other = openDatabase<Db>({ url: `sqlite:${file}` });
    opened.push(other);
    expect(await other.selectFrom('item').select('body').execute()).toEqual([{ body: 'one' }]);
  });

  it('lets the syncs asked for while one runs share the next one, and settles them in order', async () => {
    const { db } = await scratch();
    const deferred = deferredSyncOf(db);
    await deferred?.commit((trx) => trx.insertInto('item').values({ id: 1, body: 'one' }).execute());
    const first = deferred?.synced();
    await deferred?.commit((trx) => trx.insertInto('item').values({ id: 2, body: 'two' }).execute());
    // Asked for while the first runs: both wait for the one sync queued behind it.
    const second = deferred?.synced();
    const third = deferred?.synced();
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    const order: string[] = [];
    await Promise.all([first?.then(() => order.push('first')), second?.then(() => order.push('second'))]);
    expect(order).toEqual(['first', 'second']);
    // Once both ran, a new request starts a new sync.
    expect(deferred?.synced()).not.toBe(second);
  });

  it('is not used for PostgreSQL', () => {
    const pg = openDatabase<Db>({ url: 'postgres://127.0.0.1:1/none' });
    opened.push(pg);
    expect(deferredSyncOf(pg)).toBeNull();
  });
});
