// Issue 14.10: `npm install` on a fresh clone rewrote package-lock.json because the lockfile's copy
// of the package's own entry (its `bin` path) was stale. The root entry must say what package.json says.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

describe('package-lock.json', () => {
  it('records the package itself as package.json declares it, so a fresh install leaves it unchanged', () => {
    const pkg = read('package.json');
    const lock = read('package-lock.json') as { name: string; version: string; packages: Record<string, Record<string, unknown>> };
    const self = lock.packages[''] ?? {};
    expect({ name: lock.name, version: lock.version }).toEqual({ name: pkg.name, version: pkg.version });
    for (const field of ['name', 'version', 'bin', 'dependencies', 'devDependencies', 'engines', 'license'] as const) expect(self[field], field).toEqual(pkg[field]);
  });
});
