// Invariant 7 for incidents: every incident acknowledged before kill -9 is in the directory
// exactly once afterwards.
import { describe, expect, it } from 'vitest';
import { directoryMigrations } from '../../src/app/schema.js';
import { openDirectory } from '../../src/cells/directory.js';
import { loadConfig } from '../../src/config/config.js';
import { listIncidents } from '../../src/governance/reports/incidents.js';
import { writeTestConfig } from '../support/cli.js';
import { spawnProgram } from '../support/process.js';

describe('incidents survive kill -9', () => {
  it('keeps every acknowledged incident, once', async () => {
    const { file } = writeTestConfig();
    const child = spawnProgram('test/durability/incident-writer.ts', [file]);
    const acked = new Map<number, string>();
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.stdout.on('data', (d: Buffer) => {
      buffer += String(d);
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [n, id] = line.split(' ');
        acked.set(Number(n), id ?? '');
      }
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (acked.size < 40) {
      if (child.exitCode !== null) throw new Error(`writer exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`only ${acked.size} incidents in 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await exited;

    const directory = await openDirectory(loadConfig({ file }).directoryDatabase, directoryMigrations);
    try {
      const stored = await listIncidents({ directory, limit: 100_000 });
      for (const [n, id] of acked) {
        expect(stored.filter((i) => i.id === id).map((i) => i.title)).toEqual([`kill9 #${n}`]);
        expect(stored.filter((i) => i.title === `kill9 #${n}`)).toHaveLength(1);
      }
    } finally {
      await directory.close();
    }
  }, 90_000);
});
