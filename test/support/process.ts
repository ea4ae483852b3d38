// Runs the real `domicile serve` (and the other kill -9 writers) as child processes, for tests that
// kill them. They run from the bundle global-setup.ts builds once per run, not through tsx.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { assertRequestedDialect } from './databases.js';
import { freePort } from './postgres.cluster.js';

export const root = path.resolve(import.meta.dirname, '..', '..');

/** The bundled JavaScript of a spawned program, by its source path (one of global-setup's `spawnedPrograms`). */
export function builtEntry(source: string): string {
  const file = path.join(inject('bundleDir'), source.replace(/\.ts$/, '.js'));
  if (!fs.existsSync(file)) throw new Error(`${source} is not bundled for tests: add it to spawnedPrograms in test/support/global-setup.ts`);
  return file;
}

/** Starts a bundled program on the project's Node, from the package root, with piped output. */
export function spawnProgram(source: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [builtEntry(source), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnServer(props: { configFile: string; demo?: boolean }): Promise<ServerProcess> {
  assertRequestedDialect(loadConfig({ file: props.configFile }), `the server of ${props.configFile}`);
  const port = await freePort();
  const child = spawnProgram('src/cli/bin.ts', ['serve', '--config', props.configFile, ...(props.demo ? ['--demo'] : [])], { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start in 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    url,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `domicile <args>` in its own process, for tests that kill it: kill9 ends it at once, wait lets it finish. */
export function spawnDomicile(args: string[]) {
  const child = spawnProgram('src/cli/bin.ts', args);
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    running: () => child.exitCode === null && child.signalCode === null,
    async kill9(): Promise<void> {
      child.kill('SIGKILL');
      await exited;
    },
    wait: async (): Promise<{ code: number | null; stderr: string }> => ({ code: await exited, stderr }),
  };
}
