// The `domicile` command on an old Node: one line that says what to do, no stack trace. The
// machines here keep an end-of-life system Node at /usr/bin/node; where it is absent or new
// enough, only the supported-runtime half of the test has something to run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtEntry, root } from '../support/process.js';

function run(node: string, args: string[]) {
  return spawnSync(node, [builtEntry('src/cli/bin.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('the domicile command and the Node it runs on', () => {
  it('runs on the Node 24 the project installs', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    const res = run(process.execPath, ['--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Usage: domicile/);
  });

  it('refuses an older Node with one line naming `npx domicile`', () => {
    const systemNode = '/usr/bin/node';
    if (!fs.existsSync(systemNode)) return;
    const version = spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) >= 24) return;
    const res = run(systemNode, ['--help']);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringContaining('npx domicile')]);
  });
});
