// The raw transactions' relaxed commit really runs at synchronous = NORMAL and puts FULL back,
// also when the work throws (with the pragma prepared once, the first relaxed commit ran FULL:
// SQLite applies that pragma when it compiles it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import { sqliteTransactionsOf } from './sqlite-transaction.js';

interface Db {
  item: { id: number };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-transaction-'));
const db: Kysely<Db> = openDatabase<Db>({ url: `sqlite:${path.join(dir, 'scratch.sqlite')}` });
afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('raw SQLite transactions', () => {
  it('commit relaxed at synchronous = NORMAL only when asked, and FULL again after, also after a failure', async () => {
    await db.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
    const tx = sqliteTransactionsOf(db);
    if (!tx) throw new Error('a SQLite database has raw transactions');
    const level = (): unknown => tx.handle.pragma('synchronous', { simple: true });
    const insert = tx.handle.prepare('insert into item (id) values (?)');
    for (let id = 1; id <= 3; id += 1) {
      expect(await tx.run(() => (insert.run(id), level()), { relaxed: true })).toBe(1);
      expect(level()).toBe(2);
      expect(await tx.run(() => level())).toBe(2);
    }
    await expect(tx.run(() => insert.run(1), { relaxed: true })).rejects.toThrow(/UNIQUE/);
    expect(level()).toBe(2);
    expect(tx.handle.prepare('select count(*) as n from item').get()).toEqual({ n: 3 });
  });
});
