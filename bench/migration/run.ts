// A region migration's speed and the write pause it causes: JP subjects' images and payment
// records seeded into cell kr (a fast path: rows and sealed blob files written straight into the
// cell, payments through the use case), a raw copy of the same bytes (file copy of the blobs,
// fsynced; `INSERT … SELECT` of the rows into the other cell's database) as the floor, then the
// real engine moves them to jp — queued and run by the serving runtime's migration runner, as
// `domicile migrate start` does with a server up — while writer loops (payments and image uploads
// through the use cases, by people whose data moves) record each write's latency.
//
//   npx tsx bench/migration/run.ts [--db sqlite|postgres] [--records 5000] [--image-bytes 8192] [--writers 4] [--write-every 100]
//
// Records: half images (media rows + blob files), half payments (payment + two postings each,
// counted as one record per row). PostgreSQL cells run with fsync on (durable defaults).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openRuntime } from '../../src/app/runtime.js';
import { categories } from '../../src/cells/categories.js';
import type { Subject } from '../../src/cells/directory.js';
import { newId } from '../../src/cells/ids.js';
import { finishConfig } from '../../src/config/config.js';
import { seedDemoOperators } from '../../src/demo/demo.operators.js';
import { gradientPng } from '../../src/demo/png.js';
import { enqueueMigration, readJob, type MigrationJobView } from '../../src/governance/migration/migration.service.js';
import { migrationContextOf } from '../../src/governance/migration/migration.runner.js';
import { createConversation } from '../../src/messaging/conversation.service.js';
import { uploadConversationImage } from '../../src/messaging/media.service.js';
import { pay, topUp } from '../../src/pay/pay.service.js';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/local-services.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    records: { type: 'string', default: '5000' },
    'image-bytes': { type: 'string', default: '8192' },
    writers: { type: 'string', default: '4' },
    'write-every': { type: 'string', default: '100' },
    port: { type: 'string', default: '55432' },
  },
});
const dialect = values.db === 'postgres' ? 'postgres' : 'sqlite';
const records = Number(values.records);
const imageBytes = Number(values['image-bytes']);
const writerCount = Number(values.writers);
// Each writer's pause between two writes (a person taps; they do not write in a tight loop).
const writeEveryMs = Number(values['write-every']);
const images = Math.round(records / 2);
// Each payment makes a payment row and two postings: a third of the other half each.
const payments = Math.round((records - images) / 3);
const subjectCount = Math.max(10, Math.round(records / 100));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-migration-'));
fs.chmodSync(dir, 0o755);
let postgres: LocalPostgres | null = null;
const cpuStart = process.cpuUsage();
const log = (line: string) => process.stdout.write(`${line}\n`);

function databases(): { jp?: string; kr?: string; directory?: string } {
  if (!postgres) return {};
  return { jp: `${postgres.base}/bench_jp`, kr: `${postgres.base}/bench_kr`, directory: `${postgres.base}/bench_directory` };
}

if (dialect === 'postgres') {
  postgres = startLocalPostgres({ dir: path.join(dir, 'pg'), port: Number(values.port), stdio: 'pipe' });
  await postgres.ensureDatabases(['bench_jp', 'bench_kr', 'bench_directory'], true);
}
const urls = databases();
const config = finishConfig(
  {
    deployment: 'domicile.bench',
    dataDir: path.join(dir, 'data'),
    cells: [
      { id: 'jp', jurisdiction: 'JP', ...(urls.jp ? { database: urls.jp } : {}) },
      { id: 'kr', jurisdiction: 'KR', ...(urls.kr ? { database: urls.kr } : {}) },
    ],
    ...(urls.directory ? { directory: { database: urls.directory } } : {}),
    placement: {
      rules: [
        { home: 'JP', category: categories.media, cell: 'kr' },
        { home: 'JP', category: 'user.financial', cell: 'kr' },
      ],
    },
    pay: { simulatedFunding: true },
  },
  {},
  process.cwd(),
  null,
);
const runtime = await openRuntime(config, { serving: true });
const kr = runtime.cells.get('kr');
const now = new Date().toISOString();

async function seedSubjects(): Promise<Subject[]> {
  const list: Subject[] = Array.from({ length: subjectCount }, (_, i) => ({ id: `jp${String(i).padStart(6, '0')}`, kind: 'user' as const, home: 'JP', class: 'consumer' as const }));
  for (let i = 0; i < list.length; i += 500) {
    await runtime.directory.db.insertInto('subject').values(list.slice(i, i + 500).map((s) => ({ ...s, created_at: now }))).execute();
  }
  return list;
}

/** Image rows and their sealed blob files, written straight into cell kr (not fsynced: seeding only). */
async function seedImages(subjects: readonly Subject[]): Promise<void> {
  const plain = crypto.randomBytes(imageBytes);
  for (let i = 0; i < images; i += 500) {
    const rows = [];
    const locations = [];
    for (let j = i; j < Math.min(images, i + 500); j++) {
      const subject = subjects[j % subjects.length] as Subject;
      const id = newId();
      const key = await kr.keys.dataKey(subject.id, categories.media);
      const file = kr.blobs.pathOf(id);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, key.seal(id, plain));
      rows.push({
        id,
        conversation_id: null,
        content_type: 'image/png',
        size: plain.length,
        sha256: crypto.createHash('sha256').update(plain).digest('hex'),
        created_at: now,
        subject_id: subject.id,
        subject_home: 'JP',
        category: categories.media,
        cell_id: 'kr',
        scope_home: 'JP',
        scope_class: 'consumer',
      });
      locations.push({ kind: 'media', id, cell_id: 'kr' });
    }
    await kr.db.insertInto('media').values(rows).execute();
    await runtime.directory.db.insertInto('record_location').values(locations).execute();
  }
}

/** Wallets (top-ups) and payments between the subjects, through the use case, a few hundred at a time. */
async function seedPayments(subjects: readonly Subject[]): Promise<void> {
  const ctx = runtime.pay;
  await Promise.all(subjects.map((s) => topUp({ ctx, owner: s, amount: 1_000_000, idempotencyKey: `seed-topup-${s.id}` })));
  for (let i = 0; i < payments; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(payments, i + 200); j++) {
      const payer = subjects[j % subjects.length] as Subject;
      const payee = subjects[(j + 1) % subjects.length] as Subject;
      batch.push(pay({ ctx, payer, to: payee.id, amount: 1, currency: 'JPY', note: `seed ${j}`, idempotencyKey: `seed-payment-${j}` }));
    }
    await Promise.all(batch);
  }
}

/** Rows of the moving categories per table in cell kr, and the blob bytes. */
async function sourceSize(): Promise<{ rows: Record<string, number>; blobBytes: number }> {
  const rows: Record<string, number> = {};
  for (const table of ['media', 'wallet', 'payment', 'posting', 'pay_request'] as const) {
    const r = await kr.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('scope_home', '=', 'JP').executeTakeFirstOrThrow();
    rows[table] = Number(r.n);
  }
  const b = await kr.db.selectFrom('media').select((eb) => eb.fn.sum<number>('size').as('n')).where('scope_home', '=', 'JP').executeTakeFirstOrThrow();
  return { rows, blobBytes: Number(b.n ?? 0) };
}

function sqliteFile(cellId: string): string {
  const cell = config.cells.find((c) => c.id === cellId);
  if (!cell) throw new Error(`no cell ${cellId}`);
  return cell.database.slice('sqlite:'.length);
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The floor: the same rows copied with `INSERT … SELECT` into scratch tables of cell jp's database
 * (one statement per table; PostgreSQL databases cannot select across each other, so there the
 * rows are read and inserted in 1,000-row statements), and the blob files copied and fsynced.
 */
async function rawCopy(tables: readonly string[]): Promise<{ seconds: number }> {
  const started = performance.now();
  const target = path.join(dir, 'raw-blobs');
  fs.mkdirSync(target, { recursive: true });
  const ids = (await kr.db.selectFrom('media').select('id').where('scope_home', '=', 'JP').execute()).map((r) => r.id);
  const copied: string[] = [];
  for (let i = 0; i < ids.length; i += 64) {
    await Promise.all(
      ids.slice(i, i + 64).map(async (id) => {
        const to = path.join(target, id);
        await fsp.copyFile(kr.blobs.pathOf(id), to);
        copied.push(to);
      }),
    );
  }
  for (let i = 0; i < copied.length; i += 64) await Promise.all(copied.slice(i, i + 64).map(fsyncPath));
  await fsyncPath(target);
  if (dialect === 'sqlite') {
    const db = new Database(sqliteFile('jp'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.prepare(`ATTACH DATABASE ? AS src`).run(sqliteFile('kr'));
    db.transaction(() => {
      for (const t of tables) {
        db.exec(`CREATE TABLE raw_${t} AS SELECT * FROM src.${t} WHERE 0`);
        db.exec(`INSERT INTO raw_${t} SELECT * FROM src.${t} WHERE scope_home = 'JP' AND category LIKE 'user.%'`);
      }
    })();
    db.close();
  } else {
    const src = new pg.Client({ connectionString: urls.kr });
    const dst = new pg.Client({ connectionString: urls.jp });
    await src.connect();
    await dst.connect();
    for (const t of tables) {
      await dst.query(`CREATE TABLE raw_${t} (LIKE ${t})`);
      const { rows, fields } = await src.query(`SELECT * FROM ${t} WHERE scope_home = 'JP'`);
      const cols = fields.map((f) => f.name);
      await dst.query('BEGIN');
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000) as Record<string, unknown>[];
        const params: unknown[] = [];
        const tuples = chunk.map((r) => `(${cols.map((c) => `$${params.push(r[c])}`).join(',')})`);
        await dst.query(`INSERT INTO raw_${t} (${cols.join(',')}) VALUES ${tuples.join(',')}`, params);
      }
      await dst.query('COMMIT');
    }
    await src.end();
    await dst.end();
  }
  return { seconds: (performance.now() - started) / 1000 };
}

async function dropRaw(tables: readonly string[]): Promise<void> {
  fs.rmSync(path.join(dir, 'raw-blobs'), { recursive: true, force: true });
  if (dialect === 'sqlite') {
    const db = new Database(sqliteFile('jp'));
    for (const t of tables) db.exec(`DROP TABLE raw_${t}`);
    db.close();
  } else {
    const dst = new pg.Client({ connectionString: urls.jp });
    await dst.connect();
    for (const t of tables) await dst.query(`DROP TABLE raw_${t}`);
    await dst.end();
  }
}

interface Write {
  readonly kind: 'payment' | 'image';
  readonly at: number;
  readonly ms: number;
}

/**
 * One person's writes in a loop until `stop`: a payment to the next writer, or an image upload to
 * their chat. A write refused while the switch's fence stands is retried with the same key: its
 * latency is from the first try to the acknowledgement (what the person waits).
 */
async function writer(kind: Write['kind'], me: Subject, peer: Subject, stop: () => boolean, out: Write[]): Promise<void> {
  const conversation = kind === 'image' ? (await createConversation({ ctx: runtime.messaging, actor: me, kind: 'direct', memberIds: [peer.id] })).conversation.id : '';
  const png = gradientPng(8, 8, [10, 20, 30], [200, 100, 50]);
  for (let i = 0; !stop(); i++) {
    const t0 = performance.now();
    const at = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        if (kind === 'payment') await pay({ ctx: runtime.pay, payer: me, to: peer.id, amount: 1, currency: 'JPY', idempotencyKey: `w-${me.id}-${i}` });
        else await uploadConversationImage({ ctx: runtime.messaging, actor: me, conversationId: conversation, contentType: 'image/png', bytes: png });
        break;
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    out.push({ kind, at, ms: performance.now() - t0 });
    await new Promise((r) => setTimeout(r, writeEveryMs));
  }
}

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};

try {
  log(`runtime open (${dialect}) after ${(process.uptime()).toFixed(1)} s`);
  const t0 = performance.now();
  await seedDemoOperators(runtime);
  const subjects = await seedSubjects();
  await seedImages(subjects);
  await seedPayments(subjects);
  const size = await sourceSize();
  const rowCount = Object.values(size.rows).reduce((a, b) => a + b, 0);
  log(`seeded ${rowCount} rows (${JSON.stringify(size.rows)}), ${(size.blobBytes / 1e6).toFixed(1)} MB of images, ${subjectCount} JP subjects in kr (${dialect}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const tables = Object.entries(size.rows).filter(([, n]) => n > 0).map(([t]) => t);
  const raw = await rawCopy(tables);
  const rawRate = rowCount / raw.seconds;
  log(`raw copy: ${rowCount} rows + ${size.rows.media ?? 0} blob files in ${raw.seconds.toFixed(2)} s: ${Math.round(rawRate)} records/s, ${(size.blobBytes / 1e6 / raw.seconds).toFixed(1)} MB/s`);
  await dropRaw(tables);

  const writes: Write[] = [];
  let stop = false;
  const loops = Array.from({ length: writerCount }, (_, w) => writer(w % 2 === 0 ? 'payment' : 'image', subjects[w] as Subject, subjects[w + 1] as Subject, () => stop, writes));
  await new Promise((r) => setTimeout(r, 300));

  const ctx = migrationContextOf({
    cells: runtime.cells,
    directoryDb: runtime.directory.db,
    locations: runtime.directory.locations,
    logs: runtime.logs,
    gate: runtime.transfers.gate,
    deployment: config.deployment,
    operators: runtime.governance.operators,
  });
  const moveCpu = process.cpuUsage();
  const moveMainCpu = process.threadCpuUsage();
  const queued = await enqueueMigration({ ctx, request: { home: 'JP', categories: [categories.media, 'user.financial'], to: 'jp' }, actor: 'op-tokyo-admin', graceSeconds: 0 });
  let job: MigrationJobView = await readJob(ctx, queued.id);
  while (job.phase !== 'done' && job.phase !== 'failed' && job.phase !== 'aborted') {
    await new Promise((r) => setTimeout(r, 1000));
    job = await readJob(ctx, queued.id);
    const p = job.progress;
    log(`  ${p.phase.padEnd(11)} ${p.records}/${p.total} records, ${(p.bytes / 1e6).toFixed(1)} MB, ${p.rate}/s`);
  }
  const cpu = process.cpuUsage(moveCpu);
  const mainCpu = process.threadCpuUsage(moveMainCpu);
  stop = true;
  await Promise.all(loops);
  if (job.phase !== 'done') throw new Error(`migration ${job.id} ended ${job.phase}: ${job.error ?? ''}`);

  const started = Date.parse(job.startedAt);
  const switched = Date.parse(job.switchedAt as string);
  const finished = Date.parse(job.finishedAt as string);
  const total = job.progress.total;
  const copySeconds = (switched - started) / 1000;
  const allSeconds = (finished - started) / 1000;
  const left = await sourceSize();
  const leftRows = Object.values(left.rows).reduce((a, b) => a + b, 0);
  log(`move (verified, ${total} records, ${(job.progress.bytes / 1e6).toFixed(1)} MB): copy+verify ${copySeconds.toFixed(2)} s = ${Math.round(total / copySeconds)} records/s, ${(job.progress.bytes / 1e6 / copySeconds).toFixed(1)} MB/s (${Math.round((100 * total) / copySeconds / rawRate)} % of raw); start to done incl. switch and shred ${allSeconds.toFixed(2)} s = ${Math.round(total / allSeconds)} records/s (${Math.round((100 * total) / allSeconds / rawRate)} % of raw); process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)}; main thread ${((mainCpu.user + mainCpu.system) / 1e6).toFixed(1)} s, with the writers'); left in kr: ${leftRows} rows`);

  // Writes that overlapped the fence (switch to fence lifted): the ones the switch could hold.
  const fenceEnd = switched + (job.pauseMs ?? 0);
  const during = writes.filter((w) => w.at <= fenceEnd && w.at + w.ms >= switched);
  const ms = writes.map((w) => w.ms);
  log(`fence up ${job.pauseMs ?? '?'} ms; writes during the move: ${writes.length} (${writes.filter((w) => w.kind === 'payment').length} payments, ${writes.filter((w) => w.kind === 'image').length} images), latency p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms, max ${Math.max(0, ...ms).toFixed(1)} ms; around the switch: ${during.length} writes, max ${Math.max(0, ...during.map((w) => w.ms)).toFixed(1)} ms`);
  const all = process.cpuUsage(cpuStart);
  log(`bench process CPU ${((all.user + all.system) / 1e6).toFixed(1)} s; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await runtime.close();
  postgres?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

