// Invariant 7: an acknowledged message survives kill -9 of the server at any moment.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/cli.js';
import { spawnServer } from '../support/process.js';
import { ApiClient, RealtimeClient } from '../support/server.js';

// Both ways a SQLite cell syncs a batch: on the main thread (default) and on the thread pool.
describe.each([false, true])('durability (storage.deferSync %s)', (deferSync) => {
  it('keeps every acknowledged message across kill -9 during a stream of sends', async () => {
    // One person sends 500 messages in seconds: far past the per-person send limit a real server keeps.
    const { file, dataDir } = writeTestConfig({ limits: { sendsPerMinute: 100_000 }, storage: { deferSync } });
    const server = await spawnServer({ configFile: file, demo: true });
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const conversations = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string }[] };
    const conversationId = conversations.conversations.find((c) => c.kind === 'group')?.id ?? '';
    const ws = await RealtimeClient.connect(server.wsUrl, hanako.token ?? '');

    const acked = new Set<string>();
    ws.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: { id: string } };
      if (frame.type === 'ack' && frame.message) acked.add(frame.message.id);
    });
    ws.socket.on('error', () => undefined);
    let sent = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 50 && ws.socket.readyState === ws.socket.OPEN; i += 1) {
        ws.send({ type: 'send', clientId: `k${sent}`, conversationId, text: `durable ${sent}` });
        sent += 1;
      }
    }, 2);
    while (acked.size < 500) await new Promise((r) => setTimeout(r, 5));
    await server.kill9();
    clearInterval(pump);
    expect(sent).toBeGreaterThan(acked.size);

    const db = new Database(path.join(dataDir, 'jp.sqlite'), { readonly: false });
    const stored = new Set((db.prepare('select id from message where conversation_id = ?').all(conversationId) as { id: string }[]).map((r) => r.id));
    const seqs = (db.prepare('select seq from message where conversation_id = ? order by seq').all(conversationId) as { seq: number }[]).map((r) => r.seq);
    db.close();
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));

    // The restarted server serves the same history.
    const again = await spawnServer({ configFile: file });
    const relogged = new ApiClient(again.url);
    await relogged.signIn('hanako', 'domicile-demo');
    const page = (await relogged.request('GET', `/v1/conversations/${conversationId}/messages?limit=1`)).body as { messages: { seq: number }[] };
    expect(page.messages[0]?.seq).toBe(seqs.at(-1));
    await again.stop();
  }, 90_000);
});
