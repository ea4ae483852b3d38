// `domicile placement show` and `domicile migrate plan|start|resume|status|abort|receipt|manifest|
// verify-receipt`: the versioned placement and region migrations. When a server serves the same
// directory (a fresh heartbeat of a living process), `start` and `resume` hand the job to it and
// show its progress from the directory until it is done (Ctrl-C leaves it running); with no
// server, the job runs in this process.
import fs from 'node:fs';
import { openRuntime, type Runtime } from '../app/runtime.js';
import { listPlacementVersions } from '../cells/placement-version.repository.js';
import type { Config } from '../config/config.js';
import { isDomainError } from '../errors/catalogue.js';
import { recoverApprovedRequests } from '../governance/migration/approval.service.js';
import { migrationContextOf, serverServing } from '../governance/migration/migration.runner.js';
import {
  abortMigration,
  graceEndsAt,
  listJobs,
  manifestOf,
  planMigration,
  readJob,
  receiptOf,
  runMigration,
  startMigration,
  unfinished,
  type MigrationContext,
  type MigrationJob,
  type MigrationProgress,
} from '../governance/migration/migration.service.js';
import { manifestLines, verifyReceipt } from '../governance/migration/receipt.js';
import type { CliOutput } from './output.js';
import { migrateUsage } from './usage.js';

export interface MigrateOptions {
  home?: string | undefined;
  category?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  grace?: string | undefined;
  yes: boolean;
  json: boolean;
  out?: string | undefined;
  manifest?: string | undefined;
  key?: string | undefined;
}

export function migrationContext(runtime: Runtime): MigrationContext {
  return migrationContextOf({
    cells: runtime.cells,
    directoryDb: runtime.directory.db,
    locations: runtime.directory.locations,
    logs: runtime.logs,
    gate: runtime.transfers.gate,
    deployment: runtime.config.deployment,
    operators: runtime.governance.operators,
  });
}

function jobLine(job: MigrationJob): string {
  // A claim whose records are not listed yet: a start in progress, or one cut short by a crash.
  const starting = job.phase === 'starting' ? `  (claimed, listing its records; if its start was cut short, \`domicile migrate resume ${job.id}\` completes it and \`domicile migrate abort ${job.id}\` releases it)` : '';
  return `${job.id}  ${job.phase.padEnd(12)} ${job.home} ${job.categories.join(',')} → ${job.to}  started ${job.startedAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ''}${job.error ? `  (${job.error})` : ''}${starting}`;
}

function progressReporter(out: CliOutput, json: boolean): { onProgress: (p: MigrationProgress) => void; stop: () => void } {
  if (json) return { onProgress: () => undefined, stop: () => undefined };
  const bar = out.progress('Migrating');
  const started = Date.now();
  let startBytes = -1;
  let startRecords = 0;
  return {
    onProgress(p) {
      if (startBytes < 0) {
        startBytes = p.bytes;
        startRecords = p.records;
      }
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const rate = (p.records - startRecords) / seconds;
      const eta = rate > 0 ? Math.ceil((p.total - p.records) / rate) : 0;
      bar.update(p.records, p.total, `${p.phase} · ${(p.bytes / 1e6).toFixed(1)} MB · ${rate.toFixed(0)} rec/s · ${((p.bytes - startBytes) / 1e6 / seconds).toFixed(1)} MB/s · ETA ${eta}s`);
    },
    stop: () => bar.stop(),
  };
}

/** How often the CLI reads a job run by a server. */
const watchMs = 200;

async function runJob(runtime: Runtime, id: string, props: { json: boolean; out: CliOutput }): Promise<number> {
  const reporter = progressReporter(props.out, props.json);
  const ctx = migrationContext(runtime);
  let job: MigrationJob;
  try {
    job = await runOrWatch(ctx, id, reporter.onProgress);
  } finally {
    reporter.stop();
  }
  if (props.json) props.out.stdout(JSON.stringify(job, null, 2));
  else if (job.phase === 'done') props.out.stdout(`Migration ${job.id} done: placement version ${job.placementBefore} → ${job.placementAfter}. \`domicile migrate receipt ${job.id} --out receipt.json\` signs it.`);
  else props.out.stdout(`Migration ${job.id} is ${job.phase}${job.phase === 'shredding' ? ` (the source stays readable for its grace period of ${job.graceSeconds}s; \`domicile migrate resume ${job.id}\` then shreds it)` : ''}.`);
  return job.phase === 'done' || job.phase === 'shredding' ? 0 : 1;
}

/**
 * Runs the job here when no server serves the directory; else watches the server run it (its
 * progress read from the directory) until it is done or waits out its grace. Should the server
 * go away meanwhile, this process takes the job over.
 */
async function runOrWatch(ctx: MigrationContext, id: string, onProgress: (p: MigrationProgress) => void): Promise<MigrationJob> {
  for (;;) {
    const job = await readJob(ctx, id);
    if (!unfinished(job) || graceEndsAt(job) !== null) return job;
    if (!(await serverServing(ctx.directoryDb))) {
      try {
        return await runMigration({ ctx, id, onProgress });
      } catch (err) {
        // A server that just started took it: watch it instead.
        if (!isDomainError(err) || err.code !== 'MIGRATION_CONFLICT' || !unfinished(await readJob(ctx, id))) throw err;
      }
    }
    onProgress({ phase: job.phase, records: job.progress.records, total: job.progress.total, bytes: job.progress.bytes });
    await new Promise((r) => setTimeout(r, watchMs));
  }
}

export async function runPlacementCommand(props: { config: Config; sub: string | undefined; json: boolean; out: CliOutput }): Promise<number> {
  if (props.sub !== 'show') {
    props.out.stderr('usage: domicile placement show [--json]');
    return 2;
  }
  const runtime = await openRuntime(props.config);
  try {
    const versions = await listPlacementVersions(runtime.directory.db);
    const current = runtime.cells.placement;
    if (props.json) {
      props.out.stdout(JSON.stringify({ version: current.version, rules: current.rules, staging: current.staging, versions }, null, 2));
      return 0;
    }
    const lines = [`Placement version ${current.version} (${versions.length} versions)`, ''];
    for (const r of current.rules) lines.push(`  ${(r.home ?? '*').padEnd(3)} ${(r.class ?? '*').padEnd(9)} ${r.category.padEnd(28)} → ${r.cell}`);
    if (current.rules.length === 0) lines.push('  (no rules: every record lives in its home cell)');
    for (const r of current.staging) lines.push(`  staging: ${r.home ?? '*'} ${r.category} may be copied into ${r.cell}`);
    lines.push('', 'History:');
    for (const v of versions) lines.push(`  v${v.version}  ${v.createdAt}  ${v.reason}`);
    props.out.stdout(lines.join('\n'));
    return 0;
  } finally {
    await runtime.close();
  }
}

export async function runMigrateCommand(props: { config: () => Config; sub: string | undefined; args: readonly string[]; options: MigrateOptions; out: CliOutput }): Promise<number> {
  const { sub, args, options, out } = props;
  if (sub === 'verify-receipt') return verifyReceiptFile({ file: args[0], options, out });
  const request = () => ({ home: options.home ?? '', categories: (options.category ?? '').split(',').map((c) => c.trim()).filter(Boolean), to: options.to ?? '' });
  if ((sub === 'plan' || sub === 'start') && (!options.home || !options.category || !options.to)) {
    out.stderr(`usage: domicile migrate ${sub} --home <J> --category <c,…> --to <cell>${sub === 'start' ? ' --actor <operator-id>' : ''}`);
    return 2;
  }
  if (sub === 'start' && !options.actor) {
    out.stderr('usage: domicile migrate start … --actor <operator-id> (the operator the access log names)');
    return 2;
  }
  if (['resume', 'abort', 'receipt', 'manifest'].includes(sub ?? '') && !args[0]) {
    out.stderr(`usage: domicile migrate ${sub} <job>${sub === 'receipt' || sub === 'manifest' ? ' --out <file>' : ''}`);
    return 2;
  }
  if ((sub === 'receipt' || sub === 'manifest') && !options.out) {
    out.stderr(`usage: domicile migrate ${sub} <job> --out <file>`);
    return 2;
  }
  if (!['plan', 'start', 'resume', 'status', 'abort', 'receipt', 'manifest'].includes(sub ?? '')) {
    out.stderr(`usage:\n${migrateUsage}`);
    return 2;
  }
  const runtime = await openRuntime(props.config());
  const ctx = migrationContext(runtime);
  try {
    if (sub === 'plan') {
      const plan = await planMigration({ ctx, request: request() });
      if (options.json) {
        out.stdout(JSON.stringify(plan, null, 2));
        return 0;
      }
      const lines = [`Move ${plan.home} ${plan.categories.join(', ')} to cell ${plan.to} (${plan.toJurisdiction}); placement version ${plan.placementVersion}`, ''];
      for (const l of plan.lines) lines.push(`  ${l.category.padEnd(24)} from ${l.from.padEnd(4)} ${String(l.records).padStart(8)} records ${String(l.bytes).padStart(12)} bytes ${String(l.subjects).padStart(6)} subjects · basis: ${l.basis}`);
      lines.push('', `Total: ${plan.records} records, ${plan.bytes} bytes, ${plan.subjects} subjects.`);
      out.stdout(lines.join('\n'));
      return 0;
    }
    if (sub === 'start') {
      const grace = options.grace === undefined ? 0 : Number(options.grace);
      const plan = await planMigration({ ctx, request: request() });
      if (!options.yes && !options.json) {
        out.stdout(`About to move ${plan.records} records (${plan.bytes} bytes) of ${plan.subjects} subjects to cell ${plan.to}.`);
      }
      // Queued when a server serves the directory: it claims the job within its heartbeat.
      const job = await startMigration({ ctx, request: request(), actor: options.actor as string, graceSeconds: grace, queued: await serverServing(ctx.directoryDb) });
      if (!options.json) out.stdout(`Migration ${job.id} started.`);
      return await runJob(runtime, job.id, { json: options.json, out });
    }
    if (sub === 'resume') {
      // Requests older code left approved without a job get theirs first (a serving process claims it, or `resume <job>` runs it).
      const recovered = await recoverApprovedRequests({ ctx, journal: runtime.governance.journal });
      if (!options.json) {
        for (const r of recovered.started) out.stdout(`Migration request ${r.request} was approved but never started: started as ${r.job}.`);
        for (const r of recovered.reopened) out.stdout(`Migration request ${r.request} was approved but could not start (${r.reason}): pending again, for a second admin to approve.`);
      }
      return await runJob(runtime, args[0] as string, { json: options.json, out });
    }
    if (sub === 'status') {
      const jobs = args[0] ? [await readJob(ctx, args[0])] : await listJobs(ctx);
      out.stdout(options.json ? JSON.stringify(args[0] ? jobs[0] : jobs, null, 2) : jobs.length === 0 ? 'No migrations.' : jobs.map(jobLine).join('\n'));
      return 0;
    }
    if (sub === 'abort') {
      const job = await abortMigration({ ctx, id: args[0] as string });
      out.stdout(options.json ? JSON.stringify(job, null, 2) : `Migration ${job.id} aborted: its copies left cell ${job.to}, the source is untouched.`);
      return 0;
    }
    if (sub === 'receipt') {
      const receipt = await receiptOf({ ctx, id: args[0] as string, dataDir: runtime.config.dataDir });
      fs.writeFileSync(options.out as string, `${JSON.stringify(receipt, null, 2)}\n`);
      out.stdout(`Receipt of ${receipt.receipt.job} written to ${options.out}; signed by ${receipt.key.split('+')[0]}.`);
      return 0;
    }
    await readJob(ctx, args[0] as string);
    const lines = manifestLines(await manifestOf({ ctx, id: args[0] as string }));
    fs.writeFileSync(options.out as string, lines.map((l) => `${l}\n`).join(''));
    out.stdout(`Manifest of ${args[0]}: ${lines.length} records written to ${options.out}.`);
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    out.stderr(`domicile: ${err.message}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

function verifyReceiptFile(props: { file: string | undefined; options: MigrateOptions; out: CliOutput }): number {
  if (!props.file) {
    props.out.stderr('usage: domicile migrate verify-receipt <receipt.json> [--manifest <manifest.jsonl>]');
    return 2;
  }
  let signed: unknown;
  let manifest: string | undefined;
  try {
    signed = JSON.parse(fs.readFileSync(props.file, 'utf8'));
    if (props.options.manifest) manifest = fs.readFileSync(props.options.manifest, 'utf8');
  } catch (err) {
    props.out.stderr(`domicile: cannot read ${err instanceof SyntaxError ? `${props.file} as JSON` : ((err as NodeJS.ErrnoException).path ?? props.file)}`);
    return 1;
  }
  const failures = verifyReceipt({ signed, manifest, trustedKey: props.options.key });
  if (props.options.json) props.out.stdout(JSON.stringify({ ok: failures.length === 0, failures }, null, 2));
  else if (failures.length === 0) props.out.stdout(`OK: signature${manifest !== undefined ? ', manifest root and counts' : ''} verified.`);
  else props.out.stderr(failures.map((f) => `FAIL ${f}`).join('\n'));
  return failures.length === 0 ? 0 : 1;
}
