// A message-writer worker whose WAL syncs take a second longer (a margin for a loaded machine): the real worker, with `fs.fdatasync`
// (the call it syncs the WAL with, on libuv's thread pool) started late, so a test can look at
// batches that have committed and are not yet on disk. For test/storage/message-writer.thread.test.ts.
import fs from 'node:fs';

export const syncDelayMs = 1000;
const fdatasync = fs.fdatasync;
fs.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
  setTimeout(() => fdatasync(fd, callback), syncDelayMs);
}) as typeof fs.fdatasync;
await import(new URL('../../src/messaging/message.writer.worker.ts', import.meta.url).href);
