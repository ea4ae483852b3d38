// The `domicile log` commands around keys and auditors.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDirectory } from '../../src/cells/directory.js';
import { loadConfig } from '../../src/config/config.js';
import { authenticateAuditor } from '../../src/governance/log/auditors.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { directoryMigrations } from '../../src/app/schema.js';

describe('domicile log', () => {
  it('makes each cell its key on first use, private to its owner, and prints the verifier key', async () => {
    const { file, dataDir } = writeTestConfig();
    const all = await runDomicile(['log', 'key', '--config', file]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['jp', 'kr']);
    const jp = (await runDomicile(['log', 'key', '--cell', 'jp', '--config', file])).stdout.trim();
    expect(lines[0]).toBe(`jp\t${jp}`);
    const keyFile = path.join(dataDir, 'keys', 'jp.log.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, 'utf8')).toMatch(/^PRIVATE\+KEY\+domicile\.test\/log\/jp\+/);

    fs.chmodSync(keyFile, 0o644);
    await expect(runDomicile(['log', 'verify', '--config', file])).rejects.toThrow(/readable by other users; run chmod 600/);
  });

  it('adds an auditor whose token is shown once and kept only as a hash', async () => {
    const { file } = writeTestConfig();
    const added = await runDomicile(['log', 'auditor', 'add', 'PPC', 'inspector', '--config', file]);
    expect(added.code).toBe(0);
    const token = added.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^dla_[A-Za-z0-9_-]{43}$/);
    const directory = await openDirectory(loadConfig({ file }).directoryDatabase, directoryMigrations);
    try {
      expect(await authenticateAuditor({ db: directory.db, token })).toMatchObject({ name: 'PPC inspector' });
      expect(await authenticateAuditor({ db: directory.db, token: `${token}x` })).toBeNull();
      const stored = await directory.db.selectFrom('auditor').select('token_hash').execute();
      expect(JSON.stringify(stored)).not.toContain(token);
    } finally {
      await directory.close();
    }
    const again = await runDomicile(['log', 'auditor', 'add', 'PPC', 'inspector', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect((await runDomicile(['log', 'auditor', '--config', file])).code).toBe(2);
    expect((await runDomicile(['log', 'frobnicate', '--config', file])).code).toBe(2);
    expect((await runDomicile(['--help'])).stdout).toContain('log verify [--cell <cell>]');
  });
});
