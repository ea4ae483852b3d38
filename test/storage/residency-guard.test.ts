// The storage layer itself refuses a personal-data write into any cell other than the one the
// placement rules give, on both dialects, and the database refuses a foreign cell id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { DomainError } from '../../src/errors/catalogue.js';
import { dialects } from '../support/databases.js';
import { buildCells, buildMediaRow as mediaRow } from '../support/factories.js';


describe.each(dialects)('residency guard on %s', (dialect) => {
  let cells: CellRegistry;
  beforeAll(async () => {
    cells = await buildCells(dialect);
  });
  afterAll(async () => {
    await cells.close();
  });

  it('accepts a row in the cell the rules give (JP media → KR in the story)', async () => {
    const kr = cells.get('kr');
    await kr.db.insertInto('media').values(mediaRow('kr', 'JP')).execute();
    const count = await kr.db.selectFrom('media').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBeGreaterThanOrEqual(1);
  });

  it('refuses a row the rules place in another cell, and writes nothing', async () => {
    const jp = cells.get('jp');
    const attempt = jp.db.insertInto('media').values(mediaRow('jp', 'JP')).execute();
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    await expect(jp.db.insertInto('media').values(mediaRow('jp', 'JP')).execute()).rejects.toMatchObject({
      code: 'WRONG_CELL',
    });
    const rows = await jp.db.selectFrom('media').selectAll().execute();
    expect(rows).toHaveLength(0);
  });

  it('keeps government-class media at home', async () => {
    await expect(cells.get('kr').db.insertInto('media').values(mediaRow('kr', 'JP', 'government')).execute()).rejects.toMatchObject({ code: 'WRONG_CELL' });
    await cells.get('jp').db.insertInto('media').values(mediaRow('jp', 'JP', 'government')).execute();
  });

  it('refuses an insert whose rows it cannot read (insert … select), and writes nothing', async () => {
    const kr = cells.get('kr');
    const before = await kr.db.selectFrom('media').select('id').execute();
    const copy = kr.db.insertInto('media').columns(['id', 'conversation_id', 'content_type', 'size', 'sha256', 'created_at', 'subject_id', 'subject_home', 'category', 'cell_id', 'scope_home', 'scope_class'])
      .expression((eb) => eb.selectFrom('media').select([sql<string>`id || 'x'`.as('id'), 'conversation_id', 'content_type', 'size', 'sha256', 'created_at', 'subject_id', 'subject_home', 'category', 'cell_id', 'scope_home', 'scope_class']));
    await expect(copy.execute()).rejects.toMatchObject({ code: 'WRONG_CELL', message: /literal values/ });
    expect(await kr.db.selectFrom('media').select('id').execute()).toHaveLength(before.length);
  });

  it('refuses an update of the placement columns', async () => {
    const attempt = cells.get('kr').db.updateTable('media').set({ scope_home: 'KR' }).execute();
    await expect(attempt).rejects.toMatchObject({ code: 'WRONG_CELL' });
  });

  it('lets the database itself refuse another cell id, even through raw SQL', async () => {
    const jp = cells.get('jp');
    const attempt = sql`insert into contact (subject_id, subject_home, category, cell_id, scope_home, scope_class, contact_id, created_at)
      values ('a', 'JP', 'user.social.contacts', 'kr', 'JP', 'consumer', 'b', 'now')`.execute(jp.db);
    await expect(attempt).rejects.toThrow(/check|constraint/i);
  });
});
