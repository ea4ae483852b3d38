// A throwaway PostgreSQL cluster for the test run, started from the system's binaries
// (initdb/pg_ctl in a temporary directory, on a free port) and removed afterwards.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { postmasterCpuSeconds } from '../../scripts/local-services.js';

export interface PostgresCluster {
  /** Base URL without a database name, e.g. postgres://postgres@127.0.0.1:5999 */
  baseUrl: string;
  stop(): void;
}

function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. ' +
      'The storage tests need them: apt-get install -y postgresql',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-pg-'));
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root; run the server as the postgres system user then.
  const run = (cmd: string, args: string[]): void => {
    const full = path.join(bin, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'pipe' });
    else execFileSync(full, args, { stdio: 'pipe' });
  };
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', 'start']);
  return {
    baseUrl: `postgres://postgres@127.0.0.1:${port}`,
    stop() {
      try {
        // DOMICILE_TEST_PG_CPU=1: how much CPU the run's PostgreSQL took (the test processes' own CPU does not count it).
        if (process.env.DOMICILE_TEST_PG_CPU) process.stderr.write(`PostgreSQL CPU: ${postmasterCpuSeconds(Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])).toFixed(1)} s\n`);
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
