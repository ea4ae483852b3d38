// What an idle serving node costs its databases: transactions per second it makes against the
// directory and each cell with no client connected (the governance journal / cut-off poll, the key
// ring refresh, the placement poll), from PostgreSQL's own counters (pg_stat_database), on a
// throwaway PostgreSQL cluster (fsync on) with one `domicile serve` node; and the CPU the node and
// PostgreSQL spend meanwhile (/proc).
//
//   npx tsx bench/cluster/idle-polls.ts [--seconds 10]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { processCpuSeconds, startLocalPostgres, waitHealthy } from '../../scripts/local-services.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, port: { type: 'string', default: '18280' } } });
const seconds = Number(values.seconds);
const port = Number(values.port);
const root = path.resolve(import.meta.dirname, '..', '..');
const databases = ['idle_directory', 'idle_jp', 'idle_kr'] as const;

async function transactions(base: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    // The statistics collector flushes every ~0.5 s; ask for a fresh snapshot.
    await client.query('select pg_stat_clear_snapshot()');
    const rows = (await client.query<{ datname: string; n: string }>('select datname, (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = any($1)', [databases])).rows;
    return new Map(rows.map((r) => [r.datname, Number(r.n)]));
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-idle-'));
  fs.chmodSync(dir, 0o755);
  const postgres = startLocalPostgres({ dir: path.join(dir, 'pg'), port: port + 1, stdio: 'pipe' });
  try {
    await postgres.ensureDatabases(databases, true);
    const configFile = path.join(dir, 'domicile.config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        cells: [
          { id: 'jp', jurisdiction: 'JP', database: `${postgres.base}/idle_jp` },
          { id: 'kr', jurisdiction: 'KR', database: `${postgres.base}/idle_kr` },
        ],
        directory: { database: `${postgres.base}/idle_directory` },
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'serve', '--config', configFile], {
      cwd: root,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      await waitHealthy(`http://127.0.0.1:${port}`, child);
      // Start-up work (migrations, recovery) settles first.
      await new Promise((r) => setTimeout(r, 3000));
      const before = await transactions(postgres.base);
      const cpuBefore = { node: processCpuSeconds(child.pid), postgres: postgres.cpuSeconds() };
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const after = await transactions(postgres.base);
      const cpuPercent = {
        node: Number((((processCpuSeconds(child.pid) - cpuBefore.node) / seconds) * 100).toFixed(1)),
        postgres: Number((((postgres.cpuSeconds() - cpuBefore.postgres) / seconds) * 100).toFixed(1)),
      };
      const perSecond = Object.fromEntries(databases.map((d) => [d, Number((((after.get(d) ?? 0) - (before.get(d) ?? 0)) / seconds).toFixed(1))]));
      process.stdout.write(`${JSON.stringify({ seconds, transactionsPerSecond: perSecond, cpuPercentOfOneCore: cpuPercent })}\n`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
