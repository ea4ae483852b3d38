// Remembers the verdicts of expensive checks that are pure functions of their inputs (the Cedar
// policy set against its schema, the registries against their JSON Schemas), across processes:
// one small file per verdict under `<dataDir>/cache/`, named by the SHA-256 of everything the
// check reads (texts and checker versions). Every spawned process used to redo these checks
// (~1 s CPU of its start). A verdict is only ever a success; a failure is recomputed so its
// located problems stay exact. The cache is advisory: an unreadable, corrupt or mismatched file is
// ignored (the check runs again), and a write that fails leaves the process as it was.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface VerdictCache {
  /** The payload stored under `key`, if a sound file holds it and `accept` recognises its shape. */
  read<T>(key: string, accept: (payload: unknown) => T | undefined): T | undefined;
  /** Stores `payload` (JSON) under `key`, atomically (temporary file, then rename). */
  write(key: string, payload: unknown): void;
}

/** Files kept: a deployment has one policy set and one pair of registries in force; edits leave old ones. */
const MAX_FILES = 32;
const SUFFIX = '.verdict.json';

/** SHA-256 over `parts`, each length-prefixed so no two different lists hash alike. */
export function verdictKey(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

function sumOf(key: string, body: string): string {
  return createHash('sha256').update(key).update('\u0000').update(body).digest('hex');
}

/** Used where no data directory is known (tests, one-off tools): every check runs. */
export const NO_VERDICT_CACHE: VerdictCache = { read: () => undefined, write: () => undefined };

export function openVerdictCache(dir: string): VerdictCache {
  const fileOf = (key: string): string => join(dir, `${key}${SUFFIX}`);
  return {
    read<T>(key: string, accept: (payload: unknown) => T | undefined): T | undefined {
      if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
      try {
        const stored = JSON.parse(readFileSync(fileOf(key), 'utf8')) as { key?: unknown; body?: unknown; sum?: unknown };
        // The sum catches a torn or edited file; the key inside catches a file copied to another name.
        if (stored.key !== key || typeof stored.body !== 'string' || stored.sum !== sumOf(key, stored.body)) return undefined;
        return accept(JSON.parse(stored.body));
      } catch {
        return undefined;
      }
    },
    write(key: string, payload: unknown): void {
      const body = JSON.stringify(payload);
      const temporary = join(dir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(temporary, JSON.stringify({ key, body, sum: sumOf(key, body) }));
        renameSync(temporary, fileOf(key));
        prune(dir);
      } catch {
        // A read-only or full data directory only costs the next process the check.
        try {
          unlinkSync(temporary);
        } catch {
          // never written
        }
      }
    },
  };
}

/** Keeps the newest MAX_FILES verdicts. */
function prune(dir: string): void {
  const files = readdirSync(dir).filter((name) => name.endsWith(SUFFIX));
  if (files.length <= MAX_FILES) return;
  const byAge = files.map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs })).sort((a, b) => a.mtime - b.mtime);
  for (const { name } of byAge.slice(0, files.length - MAX_FILES)) unlinkSync(join(dir, name));
}
