// `npm run cluster`: a local demo cluster on one machine — a PostgreSQL cluster from the system's
// binaries (data under ./data/pg), Debian's nats-server, and two app nodes on two ports sharing
// the same PostgreSQL cells and directory. Ctrl-C stops everything; the data stays for next time.
// Ports: PG_PORT (5433), NATS_PORT (4222), PORT (8080) and PORT+1 for the second node.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, 'data');
const pgDir = path.join(dataDir, 'pg');
const pgPort = Number(process.env.PG_PORT ?? 5433);
const natsPort = Number(process.env.NATS_PORT ?? 4222);
const firstPort = Number(process.env.PORT ?? 8080);
const asRoot = process.getuid?.() === 0;

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const version = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)).find((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : undefined;
  if (!version) throw new Error('PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql');
  return path.join(base, version, 'bin');
}

/** initdb refuses to run as root: run the server as the postgres system user then. */
function runPg(cmd: string, args: string[]): void {
  const full = path.join(pgBin(), cmd);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'inherit' });
  else execFileSync(full, args, { stdio: 'inherit' });
}

function natsBin(): string {
  const found = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((f) => fs.existsSync(f));
  if (!found) throw new Error('nats-server was not found: apt-get install -y nats-server');
  return found;
}

async function startPostgres(): Promise<string> {
  fs.mkdirSync(pgDir, { recursive: true });
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', pgDir]);
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) runPg('initdb', ['-D', pgDir, '-A', 'trust', '-U', 'postgres']);
  // Durable settings (fsync on): this cluster holds data people send.
  runPg('pg_ctl', ['-D', pgDir, '-o', `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1`, '-l', path.join(pgDir, 'server.log'), '-w', 'start']);
  const base = `postgres://postgres@127.0.0.1:${pgPort}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  const existing = new Set((await client.query<{ datname: string }>('select datname from pg_database')).rows.map((r) => r.datname));
  for (const name of ['domicile_jp', 'domicile_kr', 'domicile_directory']) if (!existing.has(name)) await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return base;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}) before it answered ${url}/healthz`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer in 90 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    setTimeout(() => {
      try {
        runPg('pg_ctl', ['-D', pgDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        process.exit(0);
      }
    }, 1500);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const base = await startPostgres();
  const nats = spawn(natsBin(), ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'inherit' });
  children.push(nats);
  const configFile = path.join(dataDir, 'cluster.config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      {
        deployment: 'domicile.local',
        dataDir: path.join(dataDir, 'cluster'),
        cells: [
          { id: 'jp', jurisdiction: 'JP', database: `${base}/domicile_jp` },
          { id: 'kr', jurisdiction: 'KR', database: `${base}/domicile_kr` },
        ],
        directory: { database: `${base}/domicile_directory` },
        bus: { url: `nats://127.0.0.1:${natsPort}` },
      },
      null,
      2,
    ),
  );
  const bin = path.join(root, 'src/cli/bin.ts');
  for (const [i, port] of [firstPort, firstPort + 1].entries()) {
    // The first node seeds the demo world; the second joins the same cells.
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'serve', '--config', configFile, ...(i === 0 ? ['--demo'] : [])], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: 'inherit',
    });
    children.push(child);
    await waitHealthy(`http://127.0.0.1:${port}`, child);
  }
  console.log(`\nDomicile cluster: node A http://localhost:${firstPort}, node B http://localhost:${firstPort + 1}`);
  console.log(`PostgreSQL ${base} (data in ${pgDir}), NATS nats://127.0.0.1:${natsPort}. Ctrl-C stops it.\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
