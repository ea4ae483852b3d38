// The PostgreSQL pass must not pass quietly on SQLite: with DOMICILE_TEST_DB=postgres the harness
// refuses a server configuration that keeps a cell or the directory in SQLite, and an unknown value.
import { afterEach, describe, expect, it } from 'vitest';
import { assertRequestedDialect, requestedTestDialect } from './databases.js';

const asked = process.env.DOMICILE_TEST_DB;
afterEach(() => {
  if (asked === undefined) delete process.env.DOMICILE_TEST_DB;
  else process.env.DOMICILE_TEST_DB = asked;
});

const pg = 'postgres://postgres@127.0.0.1:5432';
const onPostgres = { cells: [{ id: 'jp', database: `${pg}/jp` }, { id: 'kr', database: `${pg}/kr` }], directoryDatabase: `${pg}/directory` };

describe('DOMICILE_TEST_DB', () => {
  it('refuses a server that keeps a cell or the directory in SQLite when PostgreSQL is asked', () => {
    process.env.DOMICILE_TEST_DB = 'postgres';
    expect(() => assertRequestedDialect(onPostgres, 'a test server')).not.toThrow();
    expect(() => assertRequestedDialect({ ...onPostgres, directoryDatabase: 'sqlite:/tmp/d.sqlite' }, 'a test server')).toThrow(/keeps the directory in SQLite/);
    const sqliteCell = { ...onPostgres, cells: [{ id: 'jp', database: 'sqlite:/tmp/jp.sqlite' }, { id: 'kr', database: `${pg}/kr` }] };
    expect(() => assertRequestedDialect(sqliteCell, 'a test server')).toThrow(/keeps cell jp in SQLite/);
  });

  it('lets SQLite through when PostgreSQL is not asked, and refuses a value it does not know', () => {
    delete process.env.DOMICILE_TEST_DB;
    expect(requestedTestDialect()).toBe('sqlite');
    expect(() => assertRequestedDialect({ cells: [{ id: 'jp', database: 'sqlite:/tmp/jp.sqlite' }], directoryDatabase: 'sqlite:/tmp/d.sqlite' }, 'x')).not.toThrow();
    process.env.DOMICILE_TEST_DB = 'pg';
    expect(() => requestedTestDialect()).toThrow(/DOMICILE_TEST_DB=pg/);
  });
});
