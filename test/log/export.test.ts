// `domicile log export` writes a static tlog-tiles copy of a cell log that an independent client,
// written from the C2SP specifications alone, verifies offline with the key from `log key`.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { seedDemoAccesses } from '../../src/demo/demo.accesses.js';
import { COMMITMENT } from '../../src/governance/log/entry.js';
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { accessEntry } from './support.js';
import { verifyTiledLog, type TlogFetch } from './tlog-client.js';

let config: { file: string; dataDir: string };

beforeAll(async () => {
  config = writeTestConfig();
  const runtime = await openRuntime(loadConfig({ file: config.file }));
  await seedDemoAccesses(runtime);
  // Enough entries for full tiles at level 0 and a tile at level 1.
  await Promise.all(Array.from({ length: 700 }, (_, i) => runtime.logs.recordAccess(accessEntry(i, { subjects: [`u${i}`] }))));
  await runtime.close();
});

const fromDir =
  (dir: string): TlogFetch =>
  async (p) => {
    try {
      return fs.readFileSync(path.join(dir, p));
    } catch {
      return null;
    }
  };

describe('log export', () => {
  it('verifies offline with an independent tlog-tiles client and the cell key', async () => {
    const out = path.join(tempDir('domicile-export'), 'jp');
    const exported = await runDomicile(['log', 'export', '--cell', 'jp', '--out', out, '--config', config.file]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('Exported domicile.test/log/jp: 739 entries');
    const key = (await runDomicile(['log', 'key', '--cell', 'jp', '--config', config.file])).stdout.trim();
    expect(key).toMatch(/^domicile\.test\/log\/jp\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);

    const log = await verifyTiledLog({ fetch: fromDir(out), verifierKey: key, origin: 'domicile.test/log/jp' });
    expect(log.size).toBe(739);
    expect(fs.existsSync(path.join(out, 'tile/0/001'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'tile/0/002.p/227'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'tile/1/000.p/2'))).toBe(true);
    const first = JSON.parse(log.entries[0]?.toString() ?? '{}') as Record<string, unknown>;
    // The leaf commits to the operator; its id is beside it in the cell, for the operator side.
    expect(first).toMatchObject({ actor: expect.stringMatching(COMMITMENT) as unknown, actorEmployer: 'Shanghai Dev Ltd.', actorPhysicalCountry: 'CN', subjectJurisdiction: 'JP' });
    const runtime = await openRuntime(loadConfig({ file: config.file }));
    try {
      expect((await readOpenedEntries(runtime.cells.get('jp').db, 0, 1))[0]?.entry.actor).toBe('op-shanghai-eng1');
    } finally {
      await runtime.close();
    }
    expect(log.entries.some((e) => e.toString().includes('"caseRef":"T-1001"'))).toBe(true);

    // The client is not a rubber stamp: one flipped byte in a bundle, or another log's key, fails.
    const bundle = path.join(out, 'tile/entries/001');
    const bytes = fs.readFileSync(bundle);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100);
    fs.writeFileSync(bundle, bytes);
    await expect(verifyTiledLog({ fetch: fromDir(out), verifierKey: key, origin: 'domicile.test/log/jp' })).rejects.toThrow(/does not match tile 0\/1/);
    const krKey = (await runDomicile(['log', 'key', '--cell', 'kr', '--config', config.file])).stdout.trim();
    await expect(verifyTiledLog({ fetch: fromDir(out), verifierKey: krKey, origin: 'domicile.test/log/jp' })).rejects.toThrow(/no signature/);
  });

  it('explains what it needs', async () => {
    const missing = await runDomicile(['log', 'export', '--cell', 'jp', '--config', config.file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('log export needs --cell <cell> and --out <dir>');
    const unknown = await runDomicile(['log', 'export', '--cell', 'us', '--out', tempDir(), '--config', config.file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no cell "us"');
  });
});
