// Ids no longer decide where a record lives: when placement changes and a conversation and an
// image are moved to the cells it now names, both are found by their old ids, served from the
// new cells, and the residency scan is clean. Also: a subject's new home reaches every reader
// of the directory at once. On SQLite and PostgreSQL cells.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../src/cells/cell.registry.js';
import type { PersonalTable } from '../../src/cells/cell.schema.js';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { gradientPng } from '../../src/demo/png.js';
import { dialects } from '../support/databases.js';
import { cellSchema } from '../../src/app/schema.js';
import { reseal, resealText } from '../../src/cells/keys/key-ring.js';
import { recordIdOf } from '../../src/cells/keys/sealing.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

/**
 * Copies the rows matching `column = value` of `table` from one cell to another (what a
 * migration's copy step does): sealed columns are re-encrypted under the destination's keys.
 */
async function copyRows(from: Cell, to: Cell, table: PersonalTable, column: 'id' | 'conversation_id', value: string): Promise<number> {
  const rows = (await from.db.selectFrom(table).selectAll().where(column, '=', value).execute()) as Record<string, unknown>[];
  const sealed = cellSchema.sealedColumns.filter((c) => c.table === table);
  const copies = await Promise.all(
    rows.map(async (r) => {
      const copy: Record<string, unknown> = { ...r, cell_id: to.id };
      for (const c of sealed) {
        if (typeof r[c.column] !== 'string') continue;
        const props = { from: from.keys, to: to.keys, subjectId: String(r.subject_id), category: String(r.category), recordId: recordIdOf(c.rowKey.map((k) => r[k])) };
        copy[c.column] = await resealText({ ...props, value: r[c.column] as string });
      }
      return copy;
    }),
  );
  if (copies.length > 0) await to.db.insertInto(table).values(copies as never).execute();
  return rows.length;
}

describe.each(dialects)('a record whose placement changes, on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is found by its id after it moved to the cell the new placement names', async () => {
    const { runtime } = server;
    const mio = new ApiClient(server.url);
    await mio.signUp({ handle: 'mio', home: 'JP' });
    const yui = new ApiClient(server.url);
    await yui.signUp({ handle: 'yui', home: 'JP' });
    const conversationId = ((await mio.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['yui'] })).body as { id: string }).id;
    await mio.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'm1', text: 'before the move' });
    const png = gradientPng(5, 5, [10, 20, 30], [200, 100, 0]);
    const mediaId = ((await mio.request('POST', `/v1/conversations/${conversationId}/media`, png, { 'content-type': 'image/png' })).body as { id: string }).id;
    expect(await runtime.directory.locations.find('conversation', conversationId)).toBe('jp');
    expect(await runtime.directory.locations.find('media', mediaId)).toBe('kr');
    // Uploads are re-encoded (metadata stripped): the image as served before the move is the reference.
    const served = (await yui.request('GET', `/v1/conversations/${conversationId}/media/${mediaId}`)).raw;

    // The new placement: JP conversations in KR, JP images back home in JP.
    runtime.cells.replacePlacement([
      { home: 'JP', category: 'user.content', cell: 'kr' },
      { home: 'JP', category: 'user.content.media', cell: 'jp' },
    ]);
    const jp = runtime.cells.get('jp');
    const kr = runtime.cells.get('kr');
    expect((await scanResidency({ cells: runtime.cells })).violations.length).toBeGreaterThan(0);

    // Copy → switch → remove, as a migration does; moving people's rows abroad is a transfer, so
    // it is put on record through the gate first (the scan finds rows abroad without one).
    for (const id of ['mio', 'yui']) {
      const subject = await runtime.directory.get(id);
      for (const category of ['user.content.conversation', 'user.content.conversation.membership', 'user.content.message']) {
        await runtime.transfers.gate.authorizeCellWrite({ subject, cellId: 'kr', category, purpose: 'MESSAGING' });
      }
    }
    await copyRows(jp, kr, 'conversation', 'id', conversationId);
    await copyRows(jp, kr, 'membership', 'conversation_id', conversationId);
    expect(await copyRows(jp, kr, 'message', 'conversation_id', conversationId)).toBe(2);
    await runtime.directory.locations.move('conversation', conversationId, 'kr');
    for (const table of ['message', 'membership'] as const) await jp.db.deleteFrom(table).where('conversation_id', '=', conversationId).execute();
    await jp.db.deleteFrom('conversation').where('id', '=', conversationId).execute();

    const bytes = await kr.blobs.get(mediaId);
    expect(bytes).not.toBeNull();
    // A sealed file copied as it is does not open in the other cell; re-encrypted, it does.
    expect(await jp.keys.open({ recordId: mediaId, category: 'user.content.media', sealed: bytes as Buffer })).toBeNull();
    const resealed = await reseal({ from: kr.keys, to: jp.keys, subjectId: 'mio', category: 'user.content.media', recordId: mediaId, sealed: bytes as Buffer });
    await jp.blobs.put(mediaId, resealed as Buffer);
    await copyRows(kr, jp, 'media', 'id', mediaId);
    await runtime.directory.locations.move('media', mediaId, 'jp');
    await kr.db.deleteFrom('media').where('id', '=', mediaId).execute();
    await kr.blobs.delete(mediaId);

    expect((await scanResidency({ cells: runtime.cells })).violations).toEqual([]);

    const conversation = await yui.request('GET', `/v1/conversations/${conversationId}`);
    expect(conversation.status).toBe(200);
    expect(conversation.body).toMatchObject({ id: conversationId, storedIn: { cell: 'kr', jurisdiction: 'KR' } });
    const history = (await yui.request('GET', `/v1/conversations/${conversationId}/messages`)).body as { messages: { text: string | null }[] };
    expect(history.messages.map((m) => m.text)).toContain('before the move');
    const image = await yui.request('GET', `/v1/conversations/${conversationId}/media/${mediaId}`);
    expect(image.status).toBe(200);
    expect(Buffer.compare(image.raw, served)).toBe(0);

    // New writes follow the record to its new cell.
    const sent = await yui.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'm2', text: 'after the move' });
    expect(sent.status).toBe(201);
    const stored = await kr.db.selectFrom('message').select('id').where('conversation_id', '=', conversationId).execute();
    expect(stored).toHaveLength(3);
    expect((await scanResidency({ cells: runtime.cells })).violations).toEqual([]);
  });

  it('tells every reader of the directory about a subject’s new home at once', async () => {
    const { runtime } = server;
    await new ApiClient(server.url).signUp({ handle: 'hina', home: 'JP' });
    const heard: string[] = [];
    const stop = runtime.directory.onSubjectChange((subject) => heard.push(`${subject.id}:${subject.home}`));
    expect((await runtime.directory.get('hina')).home).toBe('JP');
    // Governance (whose broker and cases read homes) has read it too, before the change.
    expect((await runtime.governance.subjectsOf(['hina'])).get('hina')?.home).toBe('JP');
    await runtime.directory.update('hina', { home: 'KR' });
    expect((await runtime.directory.get('hina')).home).toBe('KR');
    expect((await runtime.governance.subjectsOf(['hina'])).get('hina')?.home).toBe('KR');
    expect(heard).toEqual(['hina:KR']);
    stop();
    const stored = await runtime.directory.db.selectFrom('subject').select('home').where('id', '=', 'hina').executeTakeFirstOrThrow();
    expect(stored.home).toBe('KR');
  });
});
