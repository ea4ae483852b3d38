// Starts the shared test services once per run: a throwaway PostgreSQL cluster, and one esbuild
// bundle of the programs tests run as child processes (the CLI and the kill -9 writers), so a
// spawned server starts from plain JavaScript instead of compiling its sources through tsx each time.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
    /** Folder of the bundled child programs; see `builtEntry` in process.ts. */
    bundleDir: string;
  }
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** The programs tests spawn, by source path. */
export const spawnedPrograms = ['src/cli/bin.ts', 'test/log/fixtures/append-stream.ts', 'test/durability/incident-writer.ts'];

/**
 * Bundles the spawned programs under node_modules/.cache (a fresh folder per run, so parallel runs
 * do not share one). The bundle stays inside the package, so packages resolve from node_modules
 * and the code that finds policies/, registries/ and web/dist by walking up to package.json still
 * finds them. Code splitting keeps `bin.ts`'s Node-version check ahead of the code it guards.
 */
async function bundleSpawnedPrograms(): Promise<string> {
  const cache = path.join(root, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const outdir = fs.mkdtempSync(path.join(cache, 'domicile-test-'));
  await build({
    absWorkingDir: root,
    entryPoints: spawnedPrograms,
    outdir,
    outbase: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return outdir;
}

export default async function setup(project: TestProject): Promise<() => void> {
  const [cluster, bundleDir] = await Promise.all([startPostgresCluster(), bundleSpawnedPrograms()]);
  project.provide('pgBaseUrl', cluster.baseUrl);
  project.provide('bundleDir', bundleDir);
  return () => {
    try {
      cluster.stop();
    } finally {
      fs.rmSync(bundleDir, { recursive: true, force: true });
    }
  };
}
