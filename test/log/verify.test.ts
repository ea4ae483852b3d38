// Invariant 6: any edit, deletion or reordering of stored access-log entries is found by
// `domicile log verify`, which exits non-zero naming the first bad entry or checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCells } from '../../src/cells/cell.registry.js';
import { loadConfig } from '../../src/config/config.js';
import { openAccessLogs } from '../../src/governance/log/access-logs.js';
import { CompactRange, leafHash } from '../../src/governance/log/merkle.js';
import { TileTree } from '../../src/governance/log/tile-cache.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { accessEntry } from './support.js';
import { cellSchema } from '../../src/app/schema.js';

let base: { file: string; dataDir: string };

beforeAll(async () => {
  base = writeTestConfig();
  const config = loadConfig({ file: base.file });
  const cells = await openCells(config, cellSchema);
  // No checkpoint timer, so the log holds exactly the checkpoints 0, 300 and 600.
  const logs = await openAccessLogs({ cells, dataDir: config.dataDir, deployment: config.deployment, checkpointIntervalMs: 0 });
  const log = logs.get('jp');
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(accessEntry(i))));
  await log.checkpoint();
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(accessEntry(300 + i))));
  await logs.close();
  await cells.close();
});

/** A private copy of the base deployment, its JP database open for tampering. */
function copy(): { file: string; db: Database.Database; dataDir: string } {
  const dataDir = path.join(tempDir('domicile-tamper'), 'data');
  fs.cpSync(base.dataDir, dataDir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(base.file, 'utf8')) as Record<string, unknown>;
  const file = path.join(path.dirname(dataDir), 'domicile.config.json');
  fs.writeFileSync(file, JSON.stringify({ ...config, dataDir }));
  return { file, dataDir, db: new Database(path.join(dataDir, 'jp.sqlite')) };
}

async function verify(file: string, ...args: string[]) {
  return runDomicile(['log', 'verify', '--config', file, ...args]);
}

const entryText = (db: Database.Database, idx: number): string => (db.prepare('select entry from log_entry where idx = ?').get(idx) as { entry: string }).entry;
const setEntry = (db: Database.Database, idx: number, text: string): void => void db.prepare('update log_entry set entry = ? where idx = ?').run(text, idx);

describe('log verify', () => {
  it('passes an untouched log', async () => {
    const { file } = copy();
    const result = await verify(file);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/cell jp \(domicile\.test\/log\/jp\): OK — 600 entries, 3 checkpoints/);
    expect(result.stdout).toMatch(/cell kr \(domicile\.test\/log\/kr\): OK — 0 entries/);
    const json = await verify(file, '--cell', 'jp', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ cells: [{ cellId: 'jp', entries: 600, problem: null }] });
  });

  it('finds one changed byte in an entry', async () => {
    const { file, db } = copy();
    const text = entryText(db, 137);
    const at = text.indexOf('"read"') + 2;
    setEntry(db, 137, `${text.slice(0, at)}x${text.slice(at + 1)}`);
    db.close();
    const result = await verify(file, '--cell', 'jp');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED at entry 137: entry 137 does not match its leaf hash');
  });

  it('finds a deleted entry, in the middle or at the end', async () => {
    const middle = copy();
    middle.db.prepare('delete from log_entry where idx = 200').run();
    middle.db.close();
    const result = await verify(middle.file, '--cell', 'jp');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED at entry 200: entry 200 is missing');

    const last = copy();
    last.db.prepare('delete from log_entry where idx = 599').run();
    last.db.prepare('delete from log_subject where idx = 599').run();
    last.db.prepare('delete from log_opening where idx = 599').run();
    last.db.close();
    expect((await verify(last.file, '--cell', 'jp')).stdout).toContain('FAILED at entry 599: entry 599 is missing');
  });

  it('finds two swapped entries', async () => {
    const { file, db } = copy();
    const a = entryText(db, 50);
    const b = entryText(db, 260);
    // Swapping the rows' positions: the entries trade places, their hashes stay behind.
    db.prepare('update log_entry set idx = -1 where idx = 50').run();
    db.prepare('update log_entry set idx = 50 where idx = 260').run();
    db.prepare('update log_entry set idx = 260 where idx = -1').run();
    expect(entryText(db, 50)).toBe(b);
    expect(entryText(db, 260)).toBe(a);
    db.close();
    const result = await verify(file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED at entry 50: entry 50 does not match its leaf hash');
  });

  it('names the checkpoint when an entry is rewritten together with every stored hash', async () => {
    const { file, db } = copy();
    const text = entryText(db, 400);
    setEntry(db, 400, text.replace('"caseRef":"T-', '"caseRef":"X-'));
    // Rebuild all hash tiles from the forged entries, as a careful forger would.
    const rows = db.prepare('select entry from log_entry order by idx').all() as { entry: string }[];
    const tiles = new Map<string, { level: number; idx: number; tree: TileTree }>();
    const range = new CompactRange();
    for (const row of rows) {
      range.append(leafHash(Buffer.from(row.entry)), (level, index, hash) => {
        if (level % 8 !== 0) return;
        const key = `${level / 8}/${Math.floor(index / 256)}`;
        const tile = tiles.get(key) ?? { level: level / 8, idx: Math.floor(index / 256), tree: TileTree.empty() };
        tile.tree.append(hash);
        tiles.set(key, tile);
      });
    }
    const put = db.prepare('update log_tile set nodes = ?, width = ? where level = ? and idx = ?');
    for (const t of tiles.values()) put.run(t.tree.packed, t.tree.width, t.level, t.idx);
    db.close();
    const result = await verify(file, '--cell', 'jp');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED at checkpoint size 600: checkpoint at size 600 does not match the entries: one of entries 300..599 was changed, removed or reordered');
  });

  it('finds a stored hash tile that disagrees with the entries', async () => {
    const { file, db } = copy();
    const row = db.prepare('select nodes from log_tile where level = 0 and idx = 1').get() as { nodes: Buffer };
    row.nodes.writeUInt8(row.nodes.readUInt8(32 * 256 + 5) ^ 1, 32 * 256 + 5); // the node over entries 256 and 257
    db.prepare('update log_tile set nodes = ? where level = 0 and idx = 1').run(row.nodes);
    db.close();
    const result = await verify(file, '--cell', 'jp');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED at entry 256: hash tile 0/1 does not match entries 256..257 at tree level 1');
  });

  it('finds a forged checkpoint, a replaced key, a thinned subject index and a thinned opening', async () => {
    const forged = copy();
    const note = (forged.db.prepare('select note from log_checkpoint where size = 300').get() as { note: string }).note;
    forged.db.prepare('update log_checkpoint set note = ? where size = 300').run(note.replace('\n300\n', '\n299\n'));
    forged.db.close();
    expect((await verify(forged.file)).stdout).toContain('FAILED at checkpoint size 300: checkpoint at size 300: signature by domicile.test/log/jp does not verify');

    const rekeyed = copy();
    rekeyed.db.prepare("update cell_meta set value = 'domicile.test/log/jp+00000000+AQ==' where key = 'log_verifier_key'").run();
    rekeyed.db.close();
    const rekeyedResult = await verify(rekeyed.file, '--cell', 'jp');
    expect(rekeyedResult.code).toBe(1);
    expect(rekeyedResult.stdout).toContain('FAILED: the key pinned in the cell');

    const thinned = copy();
    thinned.db.prepare("delete from log_subject where subject_id = 'hanako' and idx = 30").run();
    thinned.db.close();
    expect((await verify(thinned.file)).stdout).toContain('FAILED: the subject index');

    // The openings row of entry 30 loses one of its subjects: its person could not find it.
    const unopened = copy();
    const pairs = JSON.parse((unopened.db.prepare('select subjects from log_opening where idx = 30').get() as { subjects: string }).subjects) as unknown[];
    expect(pairs.length).toBeGreaterThan(1);
    unopened.db.prepare('update log_opening set subjects = ? where idx = 30').run(JSON.stringify(pairs.slice(1)));
    unopened.db.close();
    expect((await verify(unopened.file)).stdout).toContain('FAILED at entry 30: the subject openings beside entry 30 do not open the subjects it names');
  });
});
