// Per-cell key rings on SQLite and PostgreSQL cells: sealing bound to record, category and cell;
// crypto-shredding; master-key rotation without rewriting data, logged in the cell's access log; and the start-up migration that
// seals what was stored in plaintext before encryption at rest (message bodies and payment cards,
// images, payment and money-request notes).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cellSchema } from '../../src/app/schema.js';
import { openCells, keyDirOf, type CellRegistry } from '../../src/cells/cell.registry.js';
import { masterKeyFile } from '../../src/cells/keys/master-key.js';
import { isSealedBytes, isSealedText } from '../../src/cells/keys/sealing.js';
import { createPlacement } from '../../src/cells/placement.js';
import { categories, personalColumns } from '../../src/cells/records.js';
import type { CellConfig } from '../../src/config/config.js';
import { gradientPng } from '../../src/demo/png.js';
import { rotateCellKeys } from '../../src/governance/erasure/key-rotation.service.js';
import { openAccessLogs } from '../../src/governance/log/access-logs.js';
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import { dialects, tempDir } from '../support/databases.js';
import { buildCellConfigs, plaintextMessages, storyRules } from '../support/factories.js';

const message = categories.message;
const open = (configs: CellConfig[]) => openCells({ cells: configs, placement: createPlacement(configs, storyRules) }, cellSchema);
const text = (s: string) => Buffer.from(s, 'utf8');

describe.each(dialects)('key rings on %s', (dialect) => {
  let cells: CellRegistry | null = null;
  afterEach(async () => {
    await cells?.close();
    cells = null;
  });

  it('opens a record only for its own record id and category, and only in its own cell', async () => {
    cells = await open(await buildCellConfigs(dialect));
    const jp = cells.get('jp');
    const kr = cells.get('kr');
    const key = await jp.keys.dataKey('hanako', message);
    const sealed = key.seal('m1', text('the rain in Tokyo'));
    expect((await jp.keys.open({ recordId: 'm1', category: message, sealed }))?.toString()).toBe('the rain in Tokyo');
    expect(await jp.keys.open({ recordId: 'm2', category: message, sealed })).toBeNull();
    expect(await jp.keys.open({ recordId: 'm1', category: categories.media, sealed })).toBeNull();
    expect(await kr.keys.open({ recordId: 'm1', category: message, sealed })).toBeNull();
    // One key per (subject, category), stored wrapped: concurrent first uses agree on it.
    const [a, b] = await Promise.all([jp.keys.dataKey('yui', message), jp.keys.dataKey('yui', message)]);
    expect(a.id).toBe(b.id);
    const rows = await jp.db.selectFrom('data_key').selectAll().where('subject_id', '=', 'yui').execute();
    expect(rows).toHaveLength(1);
  });

  it("does not unwrap a data key with another cell's master", async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const jp = cells.get('jp');
    const kr = cells.get('kr');
    const sealed = (await jp.keys.dataKey('hanako', message)).seal('m1', text('secret'));
    // The wrapped key row carried over to the other cell (as a careless copy would) does not open there.
    const row = await jp.db.selectFrom('data_key').selectAll().where('subject_id', '=', 'hanako').executeTakeFirstOrThrow();
    await kr.db.insertInto('data_key').values(row).execute();
    await expect(kr.keys.open({ recordId: 'm1', category: message, sealed })).rejects.toThrow(/cannot be unwrapped/);
  });

  it('shreds: what the subject sealed no longer opens, here or after a restart; other subjects and categories are untouched', async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const jp = cells.get('jp');
    const hanakoMessage = (await jp.keys.dataKey('hanako', message)).seal('m1', text('hanako says hi'));
    const hanakoImage = (await jp.keys.dataKey('hanako', categories.media)).seal('i1', text('image bytes'));
    const yuiMessage = (await jp.keys.dataKey('yui', message)).seal('m2', text('yui says hi'));
    expect(await jp.keys.shred({ subjectId: 'hanako', pick: (c) => c === message })).toEqual([message]);
    expect(await jp.keys.open({ recordId: 'm1', category: message, sealed: hanakoMessage })).toBeNull();
    expect((await jp.keys.open({ recordId: 'i1', category: categories.media, sealed: hanakoImage }))?.toString()).toBe('image bytes');
    expect((await jp.keys.open({ recordId: 'm2', category: message, sealed: yuiMessage }))?.toString()).toBe('yui says hi');
    // A new message of hers gets a new key; the old one stays unreadable.
    const fresh = (await jp.keys.dataKey('hanako', message)).seal('m3', text('new'));
    expect((await jp.keys.open({ recordId: 'm3', category: message, sealed: fresh }))?.toString()).toBe('new');
    await cells.close();
    cells = await open(configs);
    const again = cells.get('jp');
    expect(await again.keys.open({ recordId: 'm1', category: message, sealed: hanakoMessage })).toBeNull();
    // Many subjects at once (a migration's batch): each loses only the categories picked for it.
    await again.keys.shredMany([
      { subjectId: 'yui', pick: (c) => c === message },
      { subjectId: 'hanako', pick: (c) => c === categories.media },
    ]);
    expect(await again.keys.open({ recordId: 'm2', category: message, sealed: yuiMessage })).toBeNull();
    expect(await again.keys.open({ recordId: 'i1', category: categories.media, sealed: hanakoImage })).toBeNull();
    expect((await again.keys.open({ recordId: 'm3', category: message, sealed: fresh }))?.toString()).toBe('new');
  });

  it('another process that cached a key drops it once it sees the shred', async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const serving = await open(configs);
    try {
      const sealed = (await serving.get('jp').keys.dataKey('hanako', message)).seal('m1', text('cached'));
      expect((await serving.get('jp').keys.open({ recordId: 'm1', category: message, sealed }))?.toString()).toBe('cached');
      await cells.get('jp').keys.shred({ subjectId: 'hanako' });
      await serving.get('jp').keys.refresh();
      expect(await serving.get('jp').keys.open({ recordId: 'm1', category: message, sealed })).toBeNull();
    } finally {
      await serving.close();
    }
  });

  it('rotates the master key: keys rewrapped, data untouched, the old master destroyed, everything opens after a restart', async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const jp = cells.get('jp');
    const sealed = await Promise.all(['a', 'b', 'c'].map(async (s) => (await jp.keys.dataKey(s, message)).seal(`m${s}`, text(`from ${s}`))));
    const file = masterKeyFile(keyDirOf(configs[0] as CellConfig), 'jp');
    const before = fs.readFileSync(file, 'utf8');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Through the use case `domicile keys rotate` runs: logged first, in the cell's own log.
    const logs = await openAccessLogs({ cells, dataDir: tempDir('domicile-keys'), deployment: 'domicile.test' });
    const result = await rotateCellKeys({ cell: jp, log: logs.get('jp'), actor: 'system:local-cli', at: new Date(), settleMs: 10 });
    expect(result.rewrapped).toBe(3);
    const [logged] = await readOpenedEntries(jp.db, result.logged.index, result.logged.index + 1);
    expect(logged?.entry).toMatchObject({ action: 'key-rotate', purpose: 'KEY_ROTATION', caseRef: 'cell:jp', subjectJurisdiction: 'JP', subjects: [], actor: 'system:local-cli' });
    await logs.close();
    const after = fs.readFileSync(file, 'utf8');
    expect(after).not.toBe(before);
    expect(fs.existsSync(`${file}.next`)).toBe(false);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const masters = await jp.db.selectFrom('data_key').select('master_id').distinct().execute();
    expect(masters).toEqual([{ master_id: result.masterId }]);
    await cells.close();
    cells = await open(configs);
    const reopened = cells.get('jp');
    const opened = await Promise.all(['a', 'b', 'c'].map(async (s, i) => (await reopened.keys.open({ recordId: `m${s}`, category: message, sealed: sealed[i] as Buffer }))?.toString()));
    expect(opened).toEqual(['from a', 'from b', 'from c']);
    // The kr cell's master is its own and untouched.
    expect(fs.existsSync(path.join(path.dirname(file), 'kr.master.key'))).toBe(true);
  });

  it('seals message bodies and image files stored in plaintext before, at the next start', async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const jp = cells.get('jp');
    const bodies = Array.from({ length: 1203 }, (_, i) => `old message ${i}`);
    const ids = await plaintextMessages(jp, 'hanako', bodies);
    const png = gradientPng(4, 4, [1, 2, 3], [4, 5, 6]);
    const kr = cells.get('kr');
    await kr.db
      .insertInto('media')
      .values({ id: 'img0000000001', conversation_id: null, content_type: 'image/png', size: png.length, sha256: 'x', created_at: new Date().toISOString(), ...personalColumns({ subject: { id: 'hanako', home: 'JP' }, scope: { home: 'JP', class: 'consumer' }, category: categories.media, cell: kr }) })
      .execute();
    await kr.blobs.put('img0000000001', png);
    // As a database from before encryption at rest: no progress marks.
    await jp.db.deleteFrom('cell_meta').where('key', 'like', 'sealed:%').execute();
    await kr.db.deleteFrom('cell_meta').where('key', 'like', 'sealed:%').execute();
    await cells.close();

    cells = await open(configs);
    const stored = await cells.get('jp').db.selectFrom('message').select(['id', 'text']).orderBy('id').execute();
    expect(stored).toHaveLength(bodies.length);
    expect(stored.every((r) => r.text !== null && isSealedText(r.text))).toBe(true);
    const opened = await Promise.all(stored.map((r) => cells?.get('jp').keys.openText({ recordId: r.id, category: message, value: r.text as string })));
    expect(opened).toEqual(ids.map((_, i) => bodies[i]));
    const file = (await cells.get('kr').blobs.get('img0000000001')) as Buffer;
    expect(isSealedBytes(file)).toBe(true);
    expect(Buffer.compare((await cells.get('kr').keys.open({ recordId: 'img0000000001', category: categories.media, sealed: file })) as Buffer, png)).toBe(0);
  });

  it('seals payment cards and money-request notes stored in plaintext before, at the next start', async () => {
    const configs = await buildCellConfigs(dialect);
    cells = await open(configs);
    const jp = cells.get('jp');
    const card = JSON.stringify({ type: 'request', status: 'open', amount: 1500, currency: 'JPY', note: 'concert tickets', payerId: 'ren', payeeId: 'hanako', paymentId: null, requestId: 'rq1' });
    const [cardId] = await plaintextMessages(jp, 'hanako', ['']);
    await jp.db.updateTable('message').set({ kind: 'payment', text: null, card }).where('id', '=', cardId as string).execute();
    const at = new Date().toISOString();
    const request = { id: 'rq1', requester_id: 'hanako', payer_id: 'ren', conversation_id: 'chanako', amount: 1500, currency: 'JPY', note: 'concert tickets', idempotency_key: 'k1', status: 'open', accept_key: null, payment_id: null, created_at: at, decided_at: null };
    await jp.db
      .insertInto('pay_request')
      .values({ ...request, ...personalColumns({ subject: { id: 'hanako', home: 'JP' }, scope: { home: 'JP', class: 'consumer' }, category: categories.payment, cell: jp }) })
      .execute();
    await jp.db.deleteFrom('cell_meta').where('key', 'in', ['sealed:message.card', 'sealed:pay_request.note']).execute();
    await cells.close();

    cells = await open(configs);
    const reopened = cells.get('jp');
    const storedCard = await reopened.db.selectFrom('message').select('card').where('id', '=', cardId as string).executeTakeFirstOrThrow();
    const storedNote = await reopened.db.selectFrom('pay_request').select('note').where('id', '=', 'rq1').executeTakeFirstOrThrow();
    expect([storedCard.card, storedNote.note].every((v) => v !== null && isSealedText(v))).toBe(true);
    expect(await reopened.keys.openText({ recordId: cardId as string, category: message, value: storedCard.card as string })).toBe(card);
    expect(await reopened.keys.openText({ recordId: 'rq1', category: categories.payment, value: storedNote.note as string })).toBe('concert tickets');
  });
});
