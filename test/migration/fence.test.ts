// A region migration's fence in the storage layer, on both dialects: while the switch's fence
// stands, inserts of the moving records and updates of the destination's tables that hold the
// moving categories are refused as `moving` (an update there could be overwritten by the
// catch-up's copy) for everyone but the migration engine — also a statement compiled before the
// fence (the message writer's precompiled updates); tables holding other categories go on;
// `writeWhileMoving` waits for the fence and lands the write in the new cell; a write in flight
// holds back the placement version the migration's settle waits for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellRegistry } from '../../src/cells/cell.registry.js';
import { asMigrationEngine, oldestWriteVersion } from '../../src/cells/moving.context.js';
import type { PlacementRule } from '../../src/cells/placement.js';
import { cellFor, writeWhileMoving } from '../../src/cells/records.js';
import { createMessageBatchStatements } from '../../src/messaging/message.repository.js';
import { createMessageWriter } from '../../src/messaging/message.writer.js';
import { dialects } from '../support/databases.js';
import { buildCells, buildMediaRow as mediaRow, plaintextMessages } from '../support/factories.js';

const moved: PlacementRule[] = [{ home: 'JP', category: 'user.content.media', cell: 'jp' }];
const moving = (category: string): PlacementRule[] => [{ home: 'JP', category, cell: 'jp' }];
const refusedAsMoving = { code: 'CELL_UNAVAILABLE', details: { moving: true } };

describe.each(dialects)('a migration fence on %s', (dialect) => {
  let cells: CellRegistry;
  const fence = (on: boolean | PlacementRule[]) =>
    cells.replacePlacement(moved, { version: cells.placement.version + 1, staging: [], fence: on === true ? moved : on === false ? [] : on });
  beforeAll(async () => {
    cells = await buildCells(dialect);
  });
  afterAll(async () => {
    await cells.close();
  });

  it('refuses inserts of moving records and updates in the destination, but lets the engine through', async () => {
    const jp = cells.get('jp');
    const row = mediaRow('jp');
    fence(true);
    await expect(jp.db.insertInto('media').values(mediaRow('jp')).execute()).rejects.toMatchObject({ code: 'CELL_UNAVAILABLE', details: { moving: true } });
    await asMigrationEngine(() => jp.db.insertInto('media').values(row).execute());
    // The catch-up may still copy this row again: an update now would be lost under the copy.
    await expect(jp.db.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', row.id).execute()).rejects.toMatchObject({ code: 'CELL_UNAVAILABLE', details: { moving: true } });
    await asMigrationEngine(() => jp.db.updateTable('media').set({ size: 2 }).where('id', '=', row.id).execute());
    fence(false);
    await jp.db.updateTable('media').set({ content_type: 'image/gif' }).where('id', '=', row.id).execute();
    expect(await jp.db.selectFrom('media').select(['content_type', 'size']).where('id', '=', row.id).executeTakeFirst()).toEqual({ content_type: 'image/gif', size: 2 });
  });

  it('makes a write wait for the fence and land in the new cell, counting it in flight under its version', async () => {
    fence(true);
    const fencedVersion = cells.placement.version;
    let attempts = 0;
    const started = performance.now();
    const write = writeWhileMoving(cells, async () => {
      attempts++;
      const cell = cellFor(cells, { home: 'JP', class: 'consumer' }, 'user.content.media');
      const row = mediaRow(cell.id);
      await cell.db.insertInto('media').values(row).execute();
      return { id: row.id, cell: cell.id };
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(oldestWriteVersion(cells)).toBe(fencedVersion);
    fence(false);
    const done = await write;
    const waited = performance.now() - started;
    expect(done.cell).toBe('jp');
    expect(attempts).toBeGreaterThan(1);
    expect(waited).toBeLessThan(1000);
    expect(oldestWriteVersion(cells)).toBe(cells.placement.version);
    expect(await cells.get('jp').db.selectFrom('media').select('id').where('id', '=', done.id).execute()).toHaveLength(1);
  });

  it('holds only the tables that hold a moving category: moving media leaves messages alone, moving messages does not', async () => {
    const jp = cells.get('jp');
    const media = mediaRow('jp');
    await jp.db.insertInto('media').values(media).execute();
    const [message] = await plaintextMessages(jp, `m${Date.now()}`, ['hello']);
    const editMessage = () => jp.db.updateTable('message').set({ media_type: null }).where('id', '=', message as string).execute();
    const editMedia = () => jp.db.updateTable('media').set({ content_type: 'image/webp' }).where('id', '=', media.id).execute();
    fence(moving('user.content.media'));
    await expect(editMedia()).rejects.toMatchObject(refusedAsMoving);
    await editMessage();
    fence(moving('user.content.message'));
    await expect(editMessage()).rejects.toMatchObject(refusedAsMoving);
    await editMedia();
    // A parent category moves every table holding one below it.
    fence(moving('user.content'));
    await expect(editMessage()).rejects.toMatchObject(refusedAsMoving);
    await expect(editMedia()).rejects.toMatchObject(refusedAsMoving);
    fence(false);
    await editMessage();
  });

  it('fences a statement compiled before the fence: the message writer\'s precompiled sequence update', async () => {
    const jp = cells.get('jp');
    const subject = `s${Date.now()}`;
    await plaintextMessages(jp, subject, ['one']);
    const statements = createMessageBatchStatements(jp.db);
    const advance = (from: number) => jp.db.executeQuery(statements.advanceSeqs([{ conversationId: `c${subject}`, from, to: from + 1 }], new Date().toISOString()));
    fence(false);
    expect(Number((await advance(1)).numAffectedRows)).toBe(1);
    // Compiled once above; run again under a fence on the conversations it updates.
    fence(moving('user.content.conversation'));
    await expect(advance(2)).rejects.toMatchObject(refusedAsMoving);
    expect(Number((await asMigrationEngine(() => advance(2))).numAffectedRows)).toBe(1);
    fence(moving('user.content.media'));
    expect(Number((await advance(3)).numAffectedRows)).toBe(1);
    fence(false);
    expect(await jp.db.selectFrom('conversation').select('last_seq').where('id', '=', `c${subject}`).executeTakeFirst()).toEqual({ last_seq: 4 });
  });

  it('fences the message writer\'s own statements (raw prepared ones on SQLite): a send that would move a read position waits', async () => {
    const jp = cells.get('jp');
    const subject = `w${Date.now()}`;
    await plaintextMessages(jp, subject, ['one']);
    const writer = createMessageWriter(jp, {});
    const conversation = { id: `c${subject}`, cellId: 'jp', kind: 'group' as const, ownerId: subject, scopeHome: 'JP', scopeClass: 'consumer' as const, members: new Map() };
    const send = (clientId: string) => writer.write({ cell: jp, conversation, senderId: subject, senderHome: 'JP', kind: 'text', clientId, text: 'hi', media: null });
    // Only the memberships move: the message row itself may land, the sender's read position may not.
    fence(moving('user.content.conversation.membership'));
    await expect(send('fenced')).rejects.toMatchObject(refusedAsMoving);
    fence(false);
    expect((await send('after')).created).toBe(true);
    const stored = await jp.db.selectFrom('message').select(['client_id', 'seq']).where('conversation_id', '=', `c${subject}`).orderBy('seq').execute();
    expect(stored).toEqual([
      { client_id: 'k0', seq: 1 },
      { client_id: 'after', seq: 2 },
    ]);
  });

  it('refuses a row of a category its table does not hold (the fence would not know to hold it)', async () => {
    fence(false);
    await expect(cells.get('jp').db.insertInto('media').values({ ...mediaRow('jp'), category: 'user.content.message' }).execute()).rejects.toMatchObject({ code: 'WRONG_CELL' });
  });
});
