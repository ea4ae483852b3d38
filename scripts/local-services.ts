// The services a local cluster runs beside its app nodes, from the system's binaries: a PostgreSQL
// cluster (fsync on — it holds data people send, and benchmarks must not flatter it) and
// nats-server. Shared by `npm run cluster` (scripts/cluster.ts) and bench/cluster.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const asRoot = process.getuid?.() === 0;

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const version = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)).find((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : undefined;
  if (!version) throw new Error('PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql');
  return path.join(base, version, 'bin');
}

/** initdb refuses to run as root: run the server as the postgres system user then. */
function runPg(cmd: string, args: string[], stdio: 'inherit' | 'pipe'): void {
  const full = path.join(pgBin(), cmd);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio });
  else execFileSync(full, args, { stdio });
}

export function natsBin(): string {
  const found = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((f) => fs.existsSync(f));
  if (!found) throw new Error('nats-server was not found: apt-get install -y nats-server');
  return found;
}

/** CPU seconds of a process and the children it reaped (/proc/<pid>/stat utime+stime+cutime+cstime); NaN when gone. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** A PostgreSQL cluster's CPU seconds: its postmaster, the backends it reaped, and the live ones. */
export function postmasterCpuSeconds(pid: number): number {
  let total = processCpuSeconds(pid);
  for (const child of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) total += processCpuSeconds(Number(child)) || 0;
  return total;
}

export interface LocalPostgres {
  /** postgres://postgres@127.0.0.1:<port>, without a database name. */
  base: string;
  /** The postmaster's process id (its CPU time counts the backends it reaped). */
  pid(): number;
  /** CPU seconds the cluster has used (postmaster and every backend, ended or live). */
  cpuSeconds(): number;
  /** The durability settings in force, as PostgreSQL reports them: `fsync=on, synchronous_commit=on, full_page_writes=on`. */
  durability(): Promise<string>;
  /** Creates the databases that do not exist yet; `fresh` drops and recreates them. */
  ensureDatabases(names: readonly string[], fresh?: boolean): Promise<void>;
  stop(): void;
}

/** Starts (creating when new) a PostgreSQL cluster in `dir` with durable settings. */
export function startLocalPostgres(props: { dir: string; port: number; stdio?: 'inherit' | 'pipe' }): LocalPostgres {
  const stdio = props.stdio ?? 'inherit';
  fs.mkdirSync(props.dir, { recursive: true });
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', props.dir]);
  if (!fs.existsSync(path.join(props.dir, 'PG_VERSION'))) runPg('initdb', ['-D', props.dir, '-A', 'trust', '-U', 'postgres'], stdio);
  // fsync, synchronous_commit and full_page_writes stay at their durable defaults.
  runPg('pg_ctl', ['-D', props.dir, '-o', `-p ${props.port} -k ${props.dir} -c listen_addresses=127.0.0.1 -c max_connections=300`, '-l', path.join(props.dir, 'server.log'), '-w', 'start'], stdio);
  const base = `postgres://postgres@127.0.0.1:${props.port}`;
  const pid = (): number => Number(fs.readFileSync(path.join(props.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    base,
    pid,
    cpuSeconds: () => postmasterCpuSeconds(pid()),
    async durability() {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        const rows = (await client.query<{ name: string; setting: string }>("select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes') order by name")).rows;
        return rows.map((r) => `${r.name}=${r.setting}`).join(', ');
      } finally {
        await client.end();
      }
    },
    async ensureDatabases(names, fresh = false) {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        const existing = new Set((await client.query<{ datname: string }>('select datname from pg_database')).rows.map((r) => r.datname));
        for (const name of names) {
          if (fresh && existing.has(name)) await client.query(`DROP DATABASE ${name} WITH (FORCE)`);
          if (fresh || !existing.has(name)) await client.query(`CREATE DATABASE ${name}`);
        }
      } finally {
        await client.end();
      }
    },
    stop() {
      runPg('pg_ctl', ['-D', props.dir, '-m', 'fast', '-w', 'stop'], stdio);
    },
  };
}

export function startNats(port: number, stdio: 'inherit' | 'ignore' = 'inherit'): ChildProcess {
  return spawn(natsBin(), ['-a', '127.0.0.1', '-p', String(port)], { stdio });
}

/** Waits until a node answers /healthz (90 s at most), failing early if it exits. */
export async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}) before it answered ${url}/healthz`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer in 90 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
