// The messaging storage on both dialects: the demo world, concurrent sends with gap-free
// sequences, idempotent client ids, and a residency scan of the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanResidency } from '../../src/cells/residency.scan.js';
import { sendMessage, listMessages } from '../../src/messaging/message.service.js';
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
});
