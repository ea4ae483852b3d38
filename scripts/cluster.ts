// `npm run cluster`: a local demo cluster on one machine — a PostgreSQL cluster from the system's
// binaries (data under ./data/pg), Debian's nats-server, and two app nodes on two ports sharing
// the same PostgreSQL cells and directory. Ctrl-C stops everything; the data stays for next time.
// Ports: PG_PORT (5433), NATS_PORT (4222), PORT (8080) and PORT+1 for the second node.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startLocalPostgres, startNats, waitHealthy, type LocalPostgres } from './local-services.js';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, 'data');
const pgDir = path.join(dataDir, 'pg');
const pgPort = Number(process.env.PG_PORT ?? 5433);
const natsPort = Number(process.env.NATS_PORT ?? 4222);
const firstPort = Number(process.env.PORT ?? 8080);

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  let stopping = false;
  let postgres: LocalPostgres | null = null;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    setTimeout(() => {
      try {
        postgres?.stop();
      } finally {
        process.exit(0);
      }
    }, 1500);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  postgres = startLocalPostgres({ dir: pgDir, port: pgPort });
  await postgres.ensureDatabases(['domicile_jp', 'domicile_kr', 'domicile_directory']);
  const base = postgres.base;
  const nats = startNats(natsPort);
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
