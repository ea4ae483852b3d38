// Files that hold a secret key (a log signing key, a cell's master key): written once, in full,
// private (mode 0600 in a 0700 folder) and synced with their folder before anything depends on
// them, so a crash never leaves data signed or sealed under a key that was lost.
import fs from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `text` to `file` unless the file exists; false when another process made it first.
 * Written to a private temporary file, then linked into place: a reader never sees half a key,
 * and link() refuses to replace a key that is there.
 */
export function writeSecretFileOnce(file: string, text: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    fs.unlinkSync(temporary);
  }
  fsyncDir(path.dirname(file));
  return true;
}
