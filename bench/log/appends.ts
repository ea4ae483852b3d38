// Benchmark of the durable access log on SQLite (WAL, synchronous=FULL) or, with `--db postgres`,
// on a throwaway PostgreSQL cluster from the system's binaries (fsync on; the settings in force are
// printed): group-committed appends per second at several concurrencies, inclusion-proof time
// against a 1,000,000-entry log (from a cold and a warm tile cache), reopening that log after a
// restart, and its full verification.
// Run: npx tsx bench/log/appends.ts [--db sqlite|postgres] [--port 18380]   (ENTRIES=1000000 SECONDS=3 CONCURRENCY=1,64,1024,4096)
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openCells } from '../../src/cells/cell.registry.js';
import { createPlacement } from '../../src/cells/placement.js';
import { openAccessLog, type AccessLog } from '../../src/governance/log/access-log.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { loadOrCreateLogKey } from '../../src/governance/log/log-keys.js';
import { verifyCellLog } from '../../src/governance/log/log.verify.js';
import { verifyInclusion, leafHash } from '../../src/governance/log/merkle.js';
import { cellSchema } from '../../src/app/schema.js';
import { benchDb, startBenchPostgres } from '../support/domicile.server.js';

const ENTRIES = Number(process.env.ENTRIES ?? 1_000_000);
const SECONDS = Number(process.env.SECONDS ?? 3);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,64,1024,4096').split(',').map(Number);
const PROOFS = 20_000;

const countries = ['JP', 'CN', 'KR', 'US'];
const purposes = ['SUPPORT_CASE', 'ABUSE_REPORT', 'SERVICE_OPERATION', 'PAYMENT_SUPPORT'];

function entry(i: number): AccessEntry {
  return {
    eventId: `evt-${i.toString(36)}-${(i * 2_654_435_761) % 1_000_003}`,
    time: new Date(1_750_000_000_000 + i * 10).toISOString(),
    actor: `op-${i % 500}`,
    actorEmployer: i % 3 === 0 ? 'Shanghai Dev Ltd.' : 'Nihon Talk Corp',
    actorEmployerCountry: i % 3 === 0 ? 'CN' : 'JP',
    actorOfficeCountry: i % 3 === 0 ? 'CN' : 'JP',
    actorPhysicalCountry: countries[i % 4] ?? 'JP',
    subjectJurisdiction: 'JP',
    subjects: i % 10 === 0 ? [`u${i % 100_003}`, `u${(i * 7) % 100_003}`] : [`u${i % 100_003}`],
    categories: ['user.contact.phone_number', 'user.content.message'],
    fields: ['phone', 'text'],
    action: 'read',
    purpose: purposes[i % 4] ?? 'SUPPORT_CASE',
    caseRef: `T-${100_000 + (i % 9973)}`,
    grantId: i % 2 === 0 ? `grant-${i % 777}` : null,
    decision: i % 17 === 0 ? 'deny' : 'allow',
    policyIds: ['support-case'],
    released: i % 17 === 0 ? 0 : 1 + (i % 5),
  };
}

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string', default: '18380' } } });
const db = benchDb(values.db);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-log-'));
const postgres = db === 'postgres' ? await startBenchPostgres({ dir, port: Number(values.port), databases: ['bench_log_jp'] }) : null;
const cellConfig = { id: 'jp', jurisdiction: 'JP', database: postgres ? `${postgres.base}/bench_log_jp` : `sqlite:${path.join(dir, 'jp.sqlite')}`, blobDir: path.join(dir, 'blobs') };
const cells = await openCells({ cells: [cellConfig], placement: createPlacement([cellConfig], []) }, cellSchema);
const cell = cells.get('jp');
const key = loadOrCreateLogKey({ dataDir: dir, cellId: 'jp', origin: 'bench.domicile/log/jp' });
const open = (): Promise<AccessLog> => openAccessLog({ cellId: 'jp', db: cell.db, key });

const lines: string[] = [];
const say = (line: string): void => {
  lines.push(line);
  console.log(line);
};

let log = await open();
let next = 0;

async function run(concurrency: number, until: (done: number, ms: number) => boolean): Promise<{ done: number; ms: number; p50: number; p99: number }> {
  let done = 0;
  const latencies: number[] = [];
  const start = performance.now();
  let stop = false;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop) {
        const t = performance.now();
        await log.append(entry(next++));
        latencies.push(performance.now() - t);
        done += 1;
        if (until(done, performance.now() - start)) stop = true;
      }
    }),
  );
  const ms = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { done, ms, p50: at(0.5), p99: at(0.99) };
}

const durability = postgres ? `PostgreSQL ${await postgres.durability()}` : 'SQLite (WAL, synchronous=FULL)';
say(`Domicile access log on ${durability} — ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}`);
say('');
say('| concurrent appenders | durable appends/s | p50 latency ms | p99 latency ms |');
say('|---:|---:|---:|---:|');
for (const c of CONCURRENCY) {
  const r = await run(c, (_done, ms) => ms > SECONDS * 1000);
  say(`| ${c} | ${Math.round((r.done * 1000) / r.ms).toLocaleString('en')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
}

// Fill to ENTRIES with the fastest setting, then measure reads on a log of that size.
const fillStart = performance.now();
const before = log.size();
await run(4096, () => log.size() + 4096 >= ENTRIES);
while (log.size() < ENTRIES) await log.append(entry(next++));
say('');
say(`filled to ${log.size().toLocaleString('en')} entries at ${Math.round(((log.size() - before) * 1000) / (performance.now() - fillStart)).toLocaleString('en')} appends/s`);
const checkpoint = await log.checkpoint();
await log.close();

let t = performance.now();
log = await open();
say(`reopen after restart (rebuild tree from stored hashes, check last checkpoint): ${(performance.now() - t).toFixed(1)} ms`);

let seed = 7;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const size = checkpoint.size;
const indices = Array.from({ length: PROOFS }, () => Math.floor(random() * size));

t = performance.now();
for (const i of indices) await log.inclusionProof(i, size);
const cold = ((performance.now() - t) * 1000) / PROOFS;
// Warm: proofs for entries whose tiles are already in memory (500 entries, 20,000 proofs).
const hot = indices.slice(0, 500);
for (const i of hot) await log.inclusionProof(i, size);
t = performance.now();
for (let k = 0; k < PROOFS; k++) await log.inclusionProof(hot[k % hot.length] as number, size);
const warm = ((performance.now() - t) * 1000) / PROOFS;
say(`inclusion proof against the ${size.toLocaleString('en')}-entry checkpoint: ${cold.toFixed(1)} µs/proof cold (random entries, tiles read from the database), ${warm.toFixed(1)} µs/proof warm (tiles in memory)`);
// The proofs are real: check a sample against the signed root.
const sample = await log.tile(`tile/entries/000`);
if (!verifyInclusion(leafHash(sample.bytes.subarray(2, 2 + sample.bytes.readUInt16BE(0))), 0, size, await log.inclusionProof(0, size), checkpoint.rootHash)) {
  throw new Error('inclusion proof does not verify');
}
await log.close();

t = performance.now();
const verified = await verifyCellLog({ cellId: 'jp', db: cell.db });
const verifySeconds = (performance.now() - t) / 1000;
if (verified.problem) throw new Error(verified.problem.message);
say(`full verification of ${verified.entries.toLocaleString('en')} entries (${verified.checkpoints} checkpoints, subject index included): ${verifySeconds.toFixed(2)} s`);
say(`database: ${((await databaseBytes()) / 1e6).toFixed(0)} MB`);

async function databaseBytes(): Promise<number> {
  if (!postgres) return fs.statSync(path.join(dir, 'jp.sqlite')).size;
  const client = new pg.Client({ connectionString: `${postgres.base}/postgres` });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("select pg_database_size('bench_log_jp')::text as n")).rows[0]?.n);
  } finally {
    await client.end();
  }
}

await cells.close();
postgres?.stop();
fs.rmSync(dir, { recursive: true, force: true });
