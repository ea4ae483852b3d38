// The new write path of cases (index row, journal event and cell rows) under kill -9: every
// ticket a person was told was opened is there exactly once after a restart, and its opening is
// in the access log exactly once (the journal event is written at start if the log missed it, and
// not again if the log had it; see test/governance/journal.storage.test.ts for the crash between).
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeTestConfig } from '../../support/cli.js';
import { spawnServer } from '../../support/process.js';
import { ApiClient } from '../../support/server.js';

describe('support tickets under kill -9', () => {
  it('keeps every acknowledged ticket, once, with its log entry once', async () => {
    const { file, dataDir } = writeTestConfig();
    const server = await spawnServer({ configFile: file, demo: true });
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');

    const acked = new Set<string>();
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const res = await hanako.request('POST', '/v1/support/tickets', { reason: 'account' }).catch(() => null);
        if (res?.status === 201) acked.add((res.body as { ref: string }).ref);
      }
    });
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 5));
    await server.kill9();
    stop = true;
    await Promise.all(writers);

    // The restart writes journal events the log had not taken yet.
    const again = await spawnServer({ configFile: file });
    await again.stop();

    const directory = new Database(path.join(dataDir, 'directory.sqlite'), { readonly: true });
    const indexed = directory.prepare("select ref from case_index where ref like 'T-%'").all() as { ref: string }[];
    const pending = (directory.prepare('select count(*) as n from governance_event where logged_at is null').get() as { n: number }).n;
    directory.close();
    const records: { ref: string }[] = [];
    const logged: { action: string; caseRef: string }[] = [];
    for (const cell of ['jp', 'kr']) {
      const db = new Database(path.join(dataDir, `${cell}.sqlite`), { readonly: true });
      records.push(...(db.prepare("select ref from case_record where ref like 'T-%'").all() as { ref: string }[]));
      logged.push(...(db.prepare('select entry from log_entry').all() as { entry: string }[]).map((r) => JSON.parse(r.entry) as { action: string; caseRef: string }));
      db.close();
    }

    const count = (refs: readonly string[], ref: string) => refs.filter((r) => r === ref).length;
    const opened = logged.filter((e) => e.action === 'case-open').map((e) => e.caseRef);
    for (const ref of acked) {
      expect(count(indexed.map((r) => r.ref), ref), ref).toBe(1);
      expect(count(records.map((r) => r.ref), ref), ref).toBe(1);
      // Exactly once, also when the kill fell between the journal's append and its "logged" mark:
      // the restart appends the event again and the log answers its entry ids with the stored ones.
      expect(count(opened, ref), ref).toBe(1);
    }
    expect(pending).toBe(0);
    // Nothing half-made: every indexed ticket has its rows in a cell, and its opening in a log.
    expect(indexed.map((r) => r.ref).filter((ref) => count(records.map((r) => r.ref), ref) === 0)).toEqual([]);
    expect(indexed.map((r) => r.ref).filter((ref) => count(opened, ref) === 0)).toEqual([]);
  }, 120_000);
});
