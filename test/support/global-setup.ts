// Starts the shared test services once per run: a throwaway PostgreSQL cluster with template
// databases already migrated (pg-template.ts), and one esbuild bundle of the programs tests run as child processes (the CLI and the kill -9 writers), so a
// spawned server starts from plain JavaScript instead of compiling its sources through tsx each time.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.cluster.js';
import { createTemplates } from './pg-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
    /** Folder of the bundled child programs; see `builtEntry` in process.ts. */
    bundleDir: string;
  }
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** The programs tests spawn, by source path. */
export const spawnedPrograms = ['src/cli/bin.ts', 'test/log/fixtures/append-stream.ts', 'test/durability/incident-writer.ts', 'test/migration/fixtures/start-racer.ts'];

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

interface SharedServices {
  pgBaseUrl: string;
  bundleDir: string;
  stop(): void;
}

async function startServices(): Promise<SharedServices> {
  const [cluster, bundleDir] = await Promise.all([
    startPostgresCluster().then(async (c) => {
      await createTemplates(c.baseUrl);
      return c;
    }),
    bundleSpawnedPrograms(),
  ]);
  return {
    pgBaseUrl: cluster.baseUrl,
    bundleDir,
    stop() {
      try {
        cluster.stop();
      } finally {
        fs.rmSync(bundleDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Every Vitest project (vitest.config.ts: the whole suite, and the PostgreSQL pass) runs this
 * setup; they share one set of services, kept on the main process's global object (each project
 * loads this module anew) and stopped when the last project tears down.
 */
const shared = globalThis as { domicileTestServices?: { services: Promise<SharedServices>; users: number } };

export default async function setup(project: TestProject): Promise<() => void> {
  shared.domicileTestServices ??= { services: startServices(), users: 0 };
  const entry = shared.domicileTestServices;
  entry.users += 1;
  const services = await entry.services;
  project.provide('pgBaseUrl', services.pgBaseUrl);
  project.provide('bundleDir', services.bundleDir);
  return () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.domicileTestServices = undefined;
    services.stop();
  };
}
