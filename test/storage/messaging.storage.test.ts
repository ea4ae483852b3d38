// The messaging storage on both dialects: the demo world, concurrent sends with gap-free
// sequences, idempotent client ids, and a residency scan of the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { sendMessage, listMessages } from '../../src/messaging/message.service.js';
import { messageWriterOf } from '../../src/messaging/messaging.context.js';
import { createConversation } from '../../src/messaging/conversation.service.js';
import { dialects } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(dialects)('messaging storage on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('seeds the demo world where the rules say: JP images in KR, government data in JP', async () => {
    const report = await scanResidency({ cells: server.runtime.cells });
    expect(report.violations).toEqual([]);
    const kr = report.cells.find((c) => c.id === 'kr');
    const jp = report.cells.find((c) => c.id === 'jp');
    expect(kr?.categories['user.content.media']).toBe(3);
    expect(kr?.blobs).toBe(3);
    expect(jp?.categories['user.content.media']).toBeUndefined();
    const channel = await server.runtime.cells.get('jp').db.selectFrom('conversation').select(['scope_class', 'scope_home']).where('kind', '=', 'channel').executeTakeFirstOrThrow();
    expect(channel).toEqual({ scope_class: 'government', scope_home: 'JP' });
  });

  it('gives concurrent sends gap-free sequence numbers and honours client ids', async () => {
    const ctx = server.runtime.messaging;
    const hanako = await server.runtime.directory.get('hanako');
    const taro = await server.runtime.directory.get('taro');
    const list = await ctx.cells.get('jp').db.selectFrom('conversation').select('id').where('direct_key', '=', 'hanako|taro').executeTakeFirstOrThrow();
    const before = await listMessages({ ctx, actor: hanako, conversationId: list.id, limit: 1 });
    const start = before.messages[0]?.seq ?? 0;
    const sends = Array.from({ length: 200 }, (_, i) =>
      sendMessage({ ctx, actor: i % 2 ? hanako : taro, conversationId: list.id, clientId: `burst-${i % 100}`, text: `burst ${i}` }),
    );
    const results = await Promise.all(sends);
    const seqs = [...new Set(results.map((m) => m.seq))].sort((a, b) => a - b);
    // 100 distinct client ids per sender × 2 senders, each pair of duplicates collapsing: 200 sends, 100 + 100 ids.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => start + 1 + i));
    expect(seqs.length).toBe(100);
  });

  it('writes one batch across several conversations: each sequence and each sender\'s read position moves on its own', async () => {
    const ctx = server.runtime.messaging;
    const hanako = await server.runtime.directory.get('hanako');
    const taro = await server.runtime.directory.get('taro');
    const group = async (title: string) => (await createConversation({ ctx, actor: hanako, kind: 'group', memberIds: ['taro'], title })).conversation.id;
    // Three conversations: the batch's statements are sized for four, the last one repeated.
    const ids = [await group('batch one'), await group('batch two'), await group('batch three')];
    const db = ctx.cells.get('jp').db;
    const lastSeqOf = async (id: string) => Number((await db.selectFrom('conversation').select('last_seq').where('id', '=', id).executeTakeFirstOrThrow()).last_seq);
    const start = await Promise.all(ids.map(lastSeqOf));
    const sends = ids.flatMap((id, c) =>
      Array.from({ length: 2 + c }, (_, i) => sendMessage({ ctx, actor: i % 2 ? taro : hanako, conversationId: id, clientId: `multi-${c}-${i}`, text: `m ${c} ${i}` })),
    );
    const stored = await Promise.all(sends);
    for (const [c, id] of ids.entries()) {
      const from = start[c] as number;
      const seqs = stored.filter((m) => m.conversationId === id).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: 2 + c }, (_, i) => from + i + 1));
      expect(await lastSeqOf(id)).toBe(from + 2 + c);
      const reads = await db.selectFrom('membership').select(['subject_id', 'last_read_seq']).where('conversation_id', '=', id).execute();
      const lastBy = (who: string) => Math.max(0, ...stored.filter((m) => m.conversationId === id && m.senderId === who).map((m) => m.seq));
      expect(Object.fromEntries(reads.map((r) => [r.subject_id, Number(r.last_read_seq)]))).toEqual({ hanako: lastBy('hanako'), taro: lastBy('taro') });
    }
  });

  it('continues the stored sequence when its cached one is stale (another writer moved it), without a gap or a twin', async () => {
    const ctx = server.runtime.messaging;
    const hanako = await server.runtime.directory.get('hanako');
    const { conversation } = await createConversation({ ctx, actor: hanako, kind: 'group', memberIds: ['taro'], title: 'stale cache' });
    const first = await sendMessage({ ctx, actor: hanako, conversationId: conversation.id, clientId: 'stale-1', text: 'one' });
    // Another node sharing the cell wrote seq 2 meanwhile: this process's cache still says 1.
    const db = ctx.cells.get('jp').db;
    await db.updateTable('conversation').set({ last_seq: first.seq + 1 }).where('id', '=', conversation.id).execute();
    const next = await sendMessage({ ctx, actor: hanako, conversationId: conversation.id, clientId: 'stale-2', text: 'two' });
    expect(next.seq).toBe(first.seq + 2);
    const again = await sendMessage({ ctx, actor: hanako, conversationId: conversation.id, clientId: 'stale-3', text: 'three' });
    expect(again.seq).toBe(first.seq + 3);
  });

  it('refuses, through the message writer, a message row the rules place in another cell, and writes nothing', async () => {
    const ctx = server.runtime.messaging;
    const minjun = await server.runtime.directory.get('minjun');
    const { conversation } = await createConversation({ ctx, actor: minjun, kind: 'group', memberIds: ['jiwoo'], title: 'kr group' });
    const kr = ctx.cells.get('kr');
    const cached = await ctx.conversations.forMember(conversation.id, minjun.id);
    expect(cached.cellId).toBe('kr');
    // The writer is handed a JP-scoped conversation in the KR cell (a caller's mistake): the row it
    // builds belongs in jp, and the guard's row check must stop it on the batch path too.
    const misplaced = { ...cached, scopeHome: 'JP' };
    const lastSeq = async () => Number((await kr.db.selectFrom('conversation').select('last_seq').where('id', '=', conversation.id).executeTakeFirstOrThrow()).last_seq);
    const before = await lastSeq();
    const write = messageWriterOf(ctx, 'kr').write({
      cell: kr,
      conversation: misplaced,
      senderId: minjun.id,
      senderHome: 'JP',
      kind: 'text',
      clientId: 'misplaced-1',
      text: 'should not land',
      media: null,
    });
    await expect(write).rejects.toMatchObject({ code: 'WRONG_CELL' });
    const rows = await kr.db.selectFrom('message').select('id').where('client_id', '=', 'misplaced-1').execute();
    expect(rows).toEqual([]);
    expect(await lastSeq()).toBe(before);
  });
});
