// A message-writer worker that dies on demand: the real worker, except that a batch holding a row
// whose client id is "crash-before" throws in the worker's message handler before it writes (an
// uncaught error ends the thread: nothing committed), and one holding "crash-after" throws once
// the batch has committed, before the reply. For test/storage/message-writer.thread.test.ts.
import { parentPort } from 'node:worker_threads';

type Listener = (batch: { rows: unknown[][] }) => void;
const port = parentPort as NonNullable<typeof parentPort>;
const on = port.on.bind(port);
const crashes = (batch: { rows: unknown[][] }, when: string) => batch.rows.some((row) => row.includes(`crash-${when}`));
// The real worker's message listener, wrapped as it is registered.
port.on = ((event: string, listener: Listener) =>
  on(event, (batch: { rows: unknown[][] }) => {
    if (event !== 'message') return listener(batch);
    if (crashes(batch, 'before')) throw new Error('the test worker crashed on purpose before writing');
    if (crashes(batch, 'after')) {
      // The reply is held back: the real listener commits and posts, and this thread ends first.
      port.postMessage = () => undefined;
      listener(batch);
      throw new Error('the test worker crashed on purpose after committing');
    }
    return listener(batch);
  })) as typeof port.on;
await import(new URL('../../src/messaging/message.writer.worker.ts', import.meta.url).href);
