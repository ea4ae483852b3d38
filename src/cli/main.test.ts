// `domicile --help` and a refused command line must not load what the words run: each spawned
// `domicile` process paid ~1.8 s of CPU loading the HTTP app, the stores and the report renderers
// before main.ts loaded its command modules on demand. This follows main.ts's static imports (what
// loads before any word runs) with esbuild, the bundler the tests' spawned programs are built with.
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Source files and packages reached from `entry` by static `import` statements alone. */
async function staticGraph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const { metafile } = await build({ absWorkingDir: root, entryPoints: [entry], bundle: true, write: false, metafile: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent', outdir: 'unused' });
  const files = new Set([entry]);
  const packages = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) packages.add(imported.path);
      else if (!files.has(imported.path)) {
        files.add(imported.path);
        queue.push(imported.path);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

describe('the CLI loads a word only when it runs', () => {
  it('starts with its argument parser, output and help text only', async () => {
    const { files, packages } = await staticGraph('src/cli/main.ts');
    expect(files).toEqual(['src/cli/main.ts', 'src/cli/output.ts', 'src/cli/usage.ts']);
    expect(packages).toEqual(['cli-progress', 'node:util']);
  });

  it('renders a PDF report with pdfkit only when one is asked for', async () => {
    const { packages } = await staticGraph('src/cli/report.command.ts');
    expect(packages).not.toContain('pdfkit');
  });
});
