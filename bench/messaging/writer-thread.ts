// The SQLite cell's message-writer worker thread alone: batches of sealed-looking rows posted to it
// straight (no sockets, no queueMessage, no sealing), one batch in flight or `--window` at once,
// and the CPU per message of the worker thread, of libuv's pool (the WAL syncs) and of this
// thread (posting, the notices), from the kernel's per-thread run time (/proc/self/task/*/schedstat).
// What the hot-path bench's `writer` column measures, without the main thread's work beside it.
//
//   npx tsx bench/messaging/writer-thread.ts [--conversations 50] [--batches 1,16,64] [--messages 4000] [--window 1] [--sorted-ids]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { categories } from '../../src/cells/categories.js';
import { openCells } from '../../src/cells/cell.registry.js';
import { cellSchema } from '../../src/app/schema.js';
import { finishConfig } from '../../src/config/config.js';
import { newId } from '../../src/cells/ids.js';
import { sqliteFileOf } from '../../src/db/connect.js';
import { startWriterThread, type ThreadWrite } from '../../src/messaging/message.writer.thread.js';
import { workerMessageColumns } from '../../src/messaging/message.writer.worker.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '50' },
    batches: { type: 'string', default: '1,16,64' },
    messages: { type: 'string', default: '4000' },
    window: { type: 'string', default: '1' },
    'sorted-ids': { type: 'boolean', default: false },
  },
});
const conversations = Number(values.conversations);
const messages = Number(values.messages);
const window = Number(values.window);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-writer-thread-'));
const config = finishConfig({ dataDir: dir, cells: [{ id: 'jp', jurisdiction: 'JP' }] }, {}, process.cwd(), null);
const cells = await openCells(config, cellSchema);
const cell = cells.get('jp');
const personal = (subject: string, category: string) => ({ subject_id: subject, subject_home: 'JP', category, cell_id: 'jp', scope_home: 'JP', scope_class: 'consumer' });
const at = new Date().toISOString();
const chats: { id: string; sender: string }[] = [];
for (let i = 0; i < conversations; i += 1) {
  const id = newId();
  const sender = newId();
  await cell.db.insertInto('conversation').values({ id, kind: 'direct', title: null, owner_id: sender, direct_key: null, last_seq: 0, created_at: at, updated_at: at, ...personal(sender, categories.conversation) }).execute();
  for (const member of [sender, newId()]) {
    await cell.db.insertInto('membership').values({ conversation_id: id, role: 'member', last_read_seq: 0, joined_at: at, ...personal(member, categories.membership) }).execute();
  }
  chats.push({ id, sender });
}
const thread = startWriterThread({ file: sqliteFileOf(cell.db) as string, busyTimeoutMs: 5000 });

function threadNanos(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const name = tid === String(process.pid) ? 'main' : fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byName;
}

// A sealed body's size: the header, 12-byte nonce, tag and a short text, base64.
const body = Buffer.alloc(80, 7).toString('base64');
let n = 0;
// `--sorted-ids`: ids that grow with time (a millisecond clock and a counter, then random), so
// consecutive messages land on the same leaf of the id index, not each on a random one.
const idOf = values['sorted-ids'] ? () => `${Date.now().toString(36)}${(n % 1296).toString(36).padStart(2, '0')}${newId()}`.slice(0, 20) : newId;
function rowOf(): unknown[] {
  const chat = chats[n % conversations] as (typeof chats)[number];
  n += 1;
  const row: Record<string, unknown> = { id: idOf(), conversation_id: chat.id, seq: 0, kind: 'text', client_id: `c${n}`, text: body, media_id: null, media_type: null, media_size: null, card: null, created_at: new Date().toISOString(), ...personal(chat.sender, categories.message) };
  return workerMessageColumns.map((c) => row[c]);
}

async function run(batch: number, count: number): Promise<Record<string, number>> {
  const before = threadNanos();
  const start = performance.now();
  const inFlight: ThreadWrite[] = [];
  for (let sent = 0; sent < count; sent += batch) {
    const rows = Array.from({ length: batch }, rowOf);
    inFlight.push(thread.write({ at: new Date().toISOString(), rows }, { fresh: true }));
    if (inFlight.length >= window) await (inFlight.shift() as ThreadWrite).durable;
  }
  await Promise.all(inFlight.map((w) => w.durable));
  const after = threadNanos();
  const us = (name: string) => Math.round(((after.get(name) ?? 0) - (before.get(name) ?? 0)) / 1000 / count);
  return { writer: us('message-writer'), pool: us('libuv-worker'), main: us('main'), wall: Math.round(((performance.now() - start) * 1000) / count) };
}

const rows: Record<string, Record<string, number>> = {};
for (const batch of values.batches.split(',').map(Number)) {
  await run(batch, Math.min(messages, batch * 50)); // warm-up
  rows[`batch ${batch}`] = await run(batch, messages);
}
process.stdout.write(`${JSON.stringify({ conversations, messages, window, sortedIds: values['sorted-ids'], usPerMessage: rows })}\n`);
await thread.close();
await cells.close();
fs.rmSync(dir, { recursive: true, force: true });
