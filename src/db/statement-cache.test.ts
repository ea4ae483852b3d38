// The statement cache hands back the same prepared statement for the same data statement, a
// fresh one while the kept one is still iterating, never keeps DDL, drops the least recently used
// text past its limit, and still sees a table changed after the statement was kept.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingStatements } from './statement-cache.js';

const opened: Database.Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function scratch(limit?: number) {
  const raw = new Database(':memory:');
  opened.push(raw);
  raw.exec('create table item (id integer primary key, body text)');
  return cachingStatements(raw, limit);
}

describe('cachingStatements', () => {
  it('prepares a data statement once and reuses it', () => {
    const db = scratch();
    const insert = db.prepare('insert into item (body) values (?)');
    expect(db.prepare('insert into item (body) values (?)')).toBe(insert);
    insert.run('a');
    expect(db.prepare('select count(*) as n from item').get()).toEqual({ n: 1 });
  });

  it('gives a fresh statement while the kept one is still iterating', () => {
    const db = scratch();
    db.prepare('insert into item (body) values (?)').run('a');
    db.prepare('insert into item (body) values (?)').run('b');
    const select = db.prepare('select body from item order by id');
    const rows = select.iterate() as IterableIterator<{ body: string }>;
    expect(rows.next().value).toEqual({ body: 'a' });
    const again = db.prepare('select body from item order by id');
    expect(again).not.toBe(select);
    expect(again.all()).toEqual([{ body: 'a' }, { body: 'b' }]);
    rows.return?.();
  });

  it('does not keep DDL', () => {
    const db = scratch();
    const create = db.prepare('create table other (id integer)');
    create.run();
    expect(db.prepare('create table if not exists other (id integer)')).not.toBe(create);
  });

  it('drops the least recently used text past its limit', () => {
    const db = scratch(2);
    const one = db.prepare('select 1');
    const two = db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(one);
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(one);
    expect(db.prepare('select 2')).not.toBe(two);
  });

  it('sees a column added after the statement was kept', () => {
    const db = scratch();
    db.prepare('insert into item (body) values (?)').run('a');
    expect(db.prepare('select * from item').all()).toEqual([{ id: 1, body: 'a' }]);
    db.prepare('alter table item add column extra text').run();
    expect(db.prepare('select * from item').all()).toEqual([{ id: 1, body: 'a', extra: null }]);
  });
});
