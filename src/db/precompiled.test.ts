// A precompiled query runs with each call's values in its slots and keeps its constants; plugins
// see it once, when it is compiled; size classes are powers of two.
import { Kysely, SqliteDialect, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs } from 'kysely';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { precompile, sizeClass } from './precompiled.js';

interface Db {
  item: { id: number; body: string; kind: string };
}

class CountingPlugin implements KyselyPlugin {
  seen = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    this.seen += 1;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs) {
    return Promise.resolve(args.result);
  }
}

describe('precompile', () => {
  it('puts each call\'s values in the slots, keeps constants, and compiles once', async () => {
    const plugin = new CountingPlugin();
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Database(':memory:') }), plugins: [plugin] });
    await db.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text').addColumn('kind', 'text').execute();
    await db.insertInto('item').values([
      { id: 1, body: 'a', kind: 'note' },
      { id: 2, body: 'b', kind: 'note' },
      { id: 3, body: 'c', kind: 'todo' },
    ]).execute();
    const before = plugin.seen;
    const update = precompile((slot) => db.updateTable('item').set({ body: slot(1) }).where('id', '=', slot<number>(0)).where('kind', '=', 'note'));
    expect(plugin.seen).toBe(before + 1);
    await db.executeQuery(update([1, 'x']));
    await db.executeQuery(update([2, 'y']));
    const missed = await db.executeQuery(update([3, 'z']));
    expect(missed.numAffectedRows).toBe(0n);
    expect(plugin.seen).toBe(before + 1);
    expect(await db.selectFrom('item').select(['id', 'body']).orderBy('id').execute()).toEqual([
      { id: 1, body: 'x' },
      { id: 2, body: 'y' },
      { id: 3, body: 'c' },
    ]);
    await db.destroy();
  });

  it('rounds sizes up to powers of two', () => {
    expect([1, 2, 3, 4, 5, 64, 65].map(sizeClass)).toEqual([1, 2, 4, 4, 8, 64, 128]);
  });
});
