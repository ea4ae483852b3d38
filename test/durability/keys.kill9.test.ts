// Invariant 7 for the key ring: kill -9 during a master-key rotation and during the start-up
// migration that seals plaintext, several times each. After every crash nothing is unreadable:
// every sealed record opens, every old row is either still its plaintext or sealed (never twice),
// and running the step again finishes it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellSchema } from '../../src/app/schema.js';
import { keyDirOf, openCells } from '../../src/cells/cell.registry.js';
import { masterKeyFile } from '../../src/cells/keys/master-key.js';
import { isSealedText } from '../../src/cells/keys/sealing.js';
import { categories } from '../../src/cells/records.js';
import { loadConfig, type CellConfig } from '../../src/config/config.js';
import { writeTestConfig } from '../support/cli.js';
import { spawnDomicile } from '../support/process.js';
import { rawRows } from '../support/raw-file.js';
import { plaintextMessages } from '../support/factories.js';

const message = categories.message;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the key ring across kill -9', () => {
  it('rotation: every record opens after each crash, and a rerun retires the old master', async () => {
    const { file, dataDir } = writeTestConfig();
    const config = loadConfig({ file });
    const keyFile = masterKeyFile(keyDirOf(config.cells[0] as CellConfig), 'jp');
    const count = 1500;
    let cells = await openCells(config, cellSchema);
    const sealed: Buffer[] = [];
    for (let i = 0; i < count; i++) sealed.push((await cells.get('jp').keys.dataKey(`s${i}`, message)).seal(`r${i}`, Buffer.from(`body ${i}`)));
    await cells.close();
    const firstMaster = rawRows<{ master_id: string }>(path.join(dataDir, 'jp.sqlite'), 'select distinct master_id from data_key');
    expect(firstMaster).toHaveLength(1);

    const allOpen = async () => {
      cells = await openCells(config, cellSchema);
      try {
        const jp = cells.get('jp');
        const bodies = await Promise.all(sealed.map(async (s, i) => (await jp.keys.open({ recordId: `r${i}`, category: message, sealed: s }))?.toString()));
        return bodies.every((b, i) => b === `body ${i}`);
      } finally {
        await cells.close();
      }
    };

    let crashedMidway = 0;
    for (let cycle = 0; cycle < 3; cycle++) {
      const rotation = spawnDomicile(['keys', 'rotate', '--cell', 'jp', '--config', file]);
      while (!fs.existsSync(`${keyFile}.next`) && rotation.running()) await sleep(5);
      await sleep(50 + Math.random() * 400);
      await rotation.kill9();
      const masters = rawRows<{ master_id: string }>(path.join(dataDir, 'jp.sqlite'), 'select distinct master_id from data_key');
      if (masters.length > 1) crashedMidway++;
      expect(await allOpen()).toBe(true);
    }
    expect(crashedMidway).toBeGreaterThan(0);

    const finish = await spawnDomicile(['keys', 'rotate', '--cell', 'jp', '--config', file]).wait();
    expect(finish.stderr).toBe('');
    expect(finish.code).toBe(0);
    expect(fs.existsSync(`${keyFile}.next`)).toBe(false);
    const masters = rawRows<{ master_id: string }>(path.join(dataDir, 'jp.sqlite'), 'select distinct master_id from data_key');
    expect(masters).toHaveLength(1);
    expect(masters[0]?.master_id).not.toBe(firstMaster[0]?.master_id);
    expect(JSON.parse(fs.readFileSync(keyFile, 'utf8'))).toMatchObject({ id: masters[0]?.master_id });
    expect(await allOpen()).toBe(true);
  }, 240_000);

  it('sealing existing data at start: each crash leaves every row its plaintext or sealed once, and the next start finishes', async () => {
    const { file, dataDir } = writeTestConfig();
    const config = loadConfig({ file });
    const bodies = Array.from({ length: 20_000 }, (_, i) => `stored before encryption ${i}`);
    let cells = await openCells(config, cellSchema);
    const ids = await plaintextMessages(cells.get('jp'), 'hanako', bodies);
    await cells.get('jp').db.deleteFrom('cell_meta').where('key', 'like', 'sealed:%').execute();
    await cells.close();
    const bodyOf = new Map(ids.map((id, i) => [id, bodies[i] as string]));
    const jpFile = path.join(dataDir, 'jp.sqlite');

    let crashedMidway = 0;
    for (let cycle = 0; cycle < 3; cycle++) {
      const start = spawnDomicile(['report', 'residency', '--json', '--config', file]);
      const progressed = () => rawRows<{ n: number }>(jpFile, "select count(*) as n from cell_meta where key = 'sealed:message.text'")[0]?.n === 1;
      while (start.running() && !progressed()) await sleep(10);
      await sleep(Math.random() * 300);
      await start.kill9();
      const rows = rawRows<{ id: string; text: string }>(jpFile, 'select id, text from message');
      const sealedNow = rows.filter((r) => isSealedText(r.text)).length;
      if (sealedNow > 0 && sealedNow < rows.length) crashedMidway++;
      expect(rows.filter((r) => !isSealedText(r.text)).every((r) => r.text === bodyOf.get(r.id))).toBe(true);
    }
    expect(crashedMidway).toBeGreaterThan(0);

    cells = await openCells(config, cellSchema);
    try {
      const jp = cells.get('jp');
      const rows = await jp.db.selectFrom('message').select(['id', 'text']).execute();
      expect(rows).toHaveLength(bodies.length);
      expect(rows.every((r) => isSealedText(r.text as string))).toBe(true);
      const opened = await Promise.all(rows.map(async (r) => [r.id, await jp.keys.openText({ recordId: r.id, category: message, value: r.text as string })] as const));
      expect(opened.filter(([id, text]) => text !== bodyOf.get(id))).toEqual([]);
    } finally {
      await cells.close();
    }
  }, 240_000);
});
