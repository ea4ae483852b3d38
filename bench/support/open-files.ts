// The open-files limit a load generator needs: every socket is a descriptor on each side, and a
// server started from the generator inherits its limit. Checked before any login, so a run fails
// with the command to fix it instead of with EMFILE halfway through.
import fs from 'node:fs';

/** This process's soft limit on open files (from /proc; Infinity where there is none). */
export function openFilesLimit(): number {
  try {
    return Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  } catch {
    return Infinity;
  }
}

/** Throws unless `sockets` descriptors, plus room for files and logs, fit under the limit. */
export function checkOpenFiles(sockets: number, what: string): void {
  const needed = sockets + 256;
  const limit = openFilesLimit();
  if (limit < needed) throw new Error(`open files limit ${limit} < ${needed} for ${what}: raise it first (ulimit -n ${needed})`);
}
