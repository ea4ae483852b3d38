// Invariants 6 and 7 for the access log: kill -9 during a stream of appends, twice, then restart.
// Every acknowledged entry is there, the tree has no hole, it is consistent with the last
// checkpoint published before the crash, and `domicile log verify` passes. Every acknowledged
// bulk access (1,000 people) is found exactly once by its people, indexed or not at the kill.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openCells } from '../../src/cells/cell.registry.js';
import { loadConfig } from '../../src/config/config.js';
import { openAccessLog } from '../../src/governance/log/access-log.js';
import { openCheckpoint } from '../../src/governance/log/checkpoint.js';
import { loadOrCreateLogKey, logOrigin } from '../../src/governance/log/log-keys.js';
import { verifyConsistency } from '../../src/governance/log/merkle.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { spawnProgram } from '../support/process.js';
import { bulkPeople } from './support.js';
import { cellSchema } from '../../src/app/schema.js';


/** Runs the append stream until `acks` more entries are acknowledged, then kills it with SIGKILL. */
async function streamThenKill(configFile: string, acks: number): Promise<{ start: number; acked: number[] }> {
  const child = spawnProgram('test/log/fixtures/append-stream.ts', [configFile]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const acked: number[] = [];
  let start = -1;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`append stream exited early: ${stderr}`)));
    child.stdout.on('data', (d: Buffer) => {
      buffered += String(d);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready ')) start = Number(line.slice(6));
        else acked.push(Number(line));
      }
      if (acked.length >= acks) resolve();
    });
  });
  child.kill('SIGKILL');
  await exited;
  return { start, acked };
}

describe('access log crash safety', () => {
  it('keeps every acknowledged entry across kill -9, consistent with the last checkpoint', async () => {
    const { file, dataDir } = writeTestConfig();
    const db = path.join(dataDir, 'jp.sqlite');

    const first = await streamThenKill(file, 6000);
    expect(first.start).toBe(0);
    const second = await streamThenKill(file, 6000);
    // The restarted writer continues after every acknowledged entry of the first run.
    expect(second.start).toBeGreaterThan(Math.max(...first.acked));
    const acked = [...first.acked, ...second.acked];

    const raw = new Database(db, { readonly: true });
    const lastPublished = raw.prepare('select size, note from log_checkpoint order by size desc limit 1').get() as { size: number; note: string };
    const stored = new Map(
      (raw.prepare('select idx, entry from log_entry').all() as { idx: number; entry: string }[]).map((r) => [r.idx, JSON.parse(r.entry) as { eventId: string }]),
    );
    raw.close();
    expect(lastPublished.size).toBeGreaterThan(0);
    expect(acked.filter((i) => stored.get(i)?.eventId !== `evt-${i}`)).toEqual([]);

    // Reopening checks the stored tree against that checkpoint and refuses on any mismatch.
    const config = loadConfig({ file });
    const cells = await openCells(config, cellSchema);
    const key = loadOrCreateLogKey({ dataDir: config.dataDir, cellId: 'jp', origin: logOrigin(config.deployment, 'jp') });
    const log = await openAccessLog({ cellId: 'jp', db: cells.get('jp').db, key });
    expect(log.size()).toBe(stored.size);
    expect(log.size()).toBeGreaterThan(Math.max(...acked));
    const before = openCheckpoint(lastPublished.note, [key.verifier], key.origin).checkpoint;
    const now = log.latestCheckpoint();
    expect(now.size).toBe(log.size());
    if (before.treeSize < now.size) {
      expect(verifyConsistency(before.treeSize, now.size, await log.consistencyProof(before.treeSize, now.size), before.rootHash, now.rootHash)).toBe(true);
    }
    // Each acknowledged bulk access: one of its people for all of them, and every 25th person of
    // the last one of each run (killed closest to it, so likely above the index's watermark),
    // before the restarted log indexes anything and after it has indexed everything.
    const bulk = acked.filter((i) => i % 250 === 0);
    const lastOfRun = [first.acked, second.acked].map((run) => Math.max(...run.filter((i) => i % 250 === 0)));
    expect(bulk.length).toBeGreaterThanOrEqual(20);
    const expectFoundOnce = async () => {
      for (const i of bulk) {
        const people = bulkPeople(i).filter((_, k) => k === i % 1000 || (lastOfRun.includes(i) && k % 25 === 0));
        for (const subjectId of people) expect((await log.entriesAbout({ subjectId, limit: 5 })).map((a) => a.index)).toEqual([i]);
      }
    };
    await expectFoundOnce();
    await log.indexSubjects();
    await expectFoundOnce();
    await log.close();
    await cells.close();

    const verified = await runDomicile(['log', 'verify', '--cell', 'jp', '--config', file]);
    expect(verified.stdout).toContain(`OK — ${stored.size} entries`);
    expect(verified.code).toBe(0);
  }, 60_000);
});
