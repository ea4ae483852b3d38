// queueMessageNow, on both dialects: the common send (text, a conversation this process has
// cached, stored at the sender's home) is checked and queued before the call returns, a refusal
// throws at once, and a send that needs a lookup (a transfer's basis abroad) comes back as a
// promise — each stored with the next seq, in the order queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors/catalogue.js';
import { queueMessageNow, sendMessage, type QueuedSend } from '../../src/messaging/message.service.js';
import { dialects } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(dialects)('queueMessageNow on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true });
  });
  afterAll(async () => {
    await server.close();
  });

  /** The demo's direct chat of two people (stored in Japan). */
  async function chatOf(key: string): Promise<string> {
    const row = await server.runtime.cells.get('jp').db.selectFrom('conversation').select('id').where('direct_key', '=', key).executeTakeFirstOrThrow();
    return row.id;
  }

  it('queues a text send into a cached chat at home before it returns, and refuses a bad one at once', async () => {
    const ctx = server.runtime.messaging;
    const hanako = await server.runtime.directory.get('hanako');
    const conversationId = await chatOf('hanako|taro');
    const first = await sendMessage({ ctx, actor: hanako, conversationId, clientId: 'now-0', text: 'warm the cache' });
    const queued = [1, 2, 3].map((i) => queueMessageNow({ ctx, actor: hanako, conversationId, clientId: `now-${i}`, text: `now ${i}` }));
    for (const q of queued) expect(q).not.toBeInstanceOf(Promise);
    const stored = await Promise.all(queued.map((q) => (q as QueuedSend).stored));
    expect(stored.map((m) => [m.seq, m.text])).toEqual([1, 2, 3].map((i) => [first.seq + i, `now ${i}`]));
    expect(() => queueMessageNow({ ctx, actor: hanako, conversationId, clientId: 'now-blank', text: '   ' })).toThrow(DomainError);
    expect(() => queueMessageNow({ ctx, actor: hanako, conversationId, clientId: 'bad id!', text: 'x' })).toThrow('clientId must be');
  });

  it('waits where a lookup is needed: a send into a chat stored abroad checks the transfer basis first', async () => {
    const ctx = server.runtime.messaging;
    const minjun = await server.runtime.directory.get('minjun');
    const conversationId = await chatOf('hanako|minjun');
    await sendMessage({ ctx, actor: minjun, conversationId, clientId: 'abroad-0', text: 'warm the cache' });
    const queued = queueMessageNow({ ctx, actor: minjun, conversationId, clientId: 'abroad-1', text: 'from Korea' });
    expect(queued).toBeInstanceOf(Promise);
    const message = await (await queued).stored;
    expect(message).toMatchObject({ conversationId, senderId: minjun.id, text: 'from Korea' });
    // Not a member: the same refusal as queueMessage's, as a rejected promise.
    const taro = await server.runtime.directory.get('taro');
    await expect(Promise.resolve(queueMessageNow({ ctx, actor: taro, conversationId, clientId: 'not-mine', text: 'x' }))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });
});
