// How a region migration starts and resumes across processes and upgrades (issue 10), on both
// dialects, with a runtime here and another in a second process on the same directory and cells
// (as two serving nodes, or `domicile migrate start` beside a server, have them):
// - two starts of a move at the same moment, one in each process: one job, the loser gets a
//   conflict (never "trigger already exists", which a route answers 500), and the winner's change
//   capture stands — a row written after both returned is in the change log. Many rounds.
// - a start killed between its claim and its items (the state a kill -9 leaves: the job
//   `starting`, its lease run out, no capture, no items): `migrate status` shows it starting; the
//   resume completes it (capture on, items listed once) and runs it; abort releases such a claim.
// - a second task of the same process (a serving process's runner) does not enter a job a start
//   there still holds: the lease is per claim, not per process; and a claim renews its lease, so
//   no other node takes a job still held, while a dead node's claim frees within a lease.
// - a job of older code, still running at the upgrade, whose capture had no delete triggers: a
//   record erased at its source meanwhile leaves the destination and the manifest after resume.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import type { CellDatabase } from '../../src/cells/cell.database.js';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { loadConfig } from '../../src/config/config.js';
import { seedDemo } from '../../src/demo/demo.world.js';
import { claimLease, deleteItems, itemsOf, readChanges, removeChangeCapture } from '../../src/governance/migration/migration.repository.js';
import * as engine from '../../src/governance/migration/migration.service.js';
import type { MigrationContext } from '../../src/governance/migration/migration.service.js';
import { writeTestConfig } from '../support/cli.js';
import { dialects } from '../support/databases.js';
import { builtEntry, root } from '../support/process.js';
import { storesOn } from './support.js';

const request = { home: 'JP', categories: ['user.content.media'], to: 'jp' };
const start = (ctx: MigrationContext, queued = false) => engine.startMigration({ ctx, request, actor: 'op-tokyo-admin', graceSeconds: 0, queued });

/** Touches a JP picture's row in `db` (a write of the move): the capture, if on, records its key. */
async function touchPicture(db: Kysely<CellDatabase>): Promise<string> {
  const { id } = await db.selectFrom('media').select('id').where('scope_home', '=', 'JP').orderBy('id').executeTakeFirstOrThrow();
  await db.updateTable('media').set((eb) => ({ size: eb.ref('size') })).where('id', '=', id).execute();
  return id;
}

/**
 * The access logs of `ctx`, with `atStart(jobId)` run (and awaited) when a start logs the move's start — its last
 * step, while it still holds the job's lease — the first time only.
 */
function atStartOf(logs: MigrationContext['logs'], atStart: (jobId: string) => Promise<void> | void): MigrationContext['logs'] {
  let done = false;
  return new Proxy(logs, {
    get(target, prop) {
      if (prop === 'recordAccess') {
        return async (event: Parameters<typeof target.recordAccess>[0]) => {
          const [id] = event.eventId.split('-start-');
          if (!done && id && id !== event.eventId) {
            done = true;
            await atStart(id);
          }
          return target.recordAccess(event);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** What a start answered: its job, or the error's code (null for an error without one: a 500 at a route). */
interface Answer {
  readonly ready?: true;
  readonly job?: string;
  readonly phase?: string;
  readonly code?: string | null;
  readonly message?: string;
}

/** The other process (test/migration/fixtures/start-racer.ts): `start()` starts the move there and resolves with its answer. */
async function racer(configFile: string) {
  const child = spawn(process.execPath, [builtEntry('test/migration/fixtures/start-racer.ts'), configFile], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Answer;
  expect(await next()).toEqual({ ready: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    start() {
      child.stdin.write('start\n');
      return next();
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

describe.each(dialects)('starting and resuming a move across processes and upgrades, on %s', (dialect) => {
  let first: Runtime;
  let ctx: MigrationContext;
  let other: Awaited<ReturnType<typeof racer>> | null = null;

  beforeAll(async () => {
    const { file } = writeTestConfig(await storesOn(dialect));
    first = await openRuntime(loadConfig({ file }), { serving: false });
    await seedDemo(first);
    ctx = migrationContext(first);
    other = await racer(file);
  });
  afterAll(async () => {
    await other?.close();
    await first?.close();
  });

  const unfinishedJobs = async () => (await engine.listJobs(ctx)).filter(engine.unfinished);

  it('claims one job when two processes start the same move at once, and the winner keeps its capture', async () => {
    const there = other as NonNullable<typeof other>;
    for (let round = 0; round < 8; round++) {
      const answers: Answer[] = await Promise.all([
        start(ctx).then(
          (job) => ({ job: job.id, phase: job.phase }),
          (err: { code?: string; message?: string }) => ({ code: err.code ?? null, message: err.message }),
        ),
        there.start(),
      ]);
      const won = answers.filter((a) => a.job);
      expect(won, `round ${round}: ${JSON.stringify(answers)}`).toHaveLength(1);
      expect(answers.filter((a) => !a.job).map((a) => a.code)).toEqual(['MIGRATION_CONFLICT']);
      const job = await engine.readJob(ctx, won[0]?.job as string);
      expect((await unfinishedJobs()).map((j) => j.id)).toEqual([job.id]);
      expect(won[0]?.phase).toBe('copying');
      // Written after both starts returned: the change log has it, for the first catch-up.
      const source = first.cells.get(job.from[0] as string);
      const touched = await touchPicture(source.db);
      expect((await readChanges(source.db)).map((c) => c.rowKey)).toContainEqual([touched]);
      await engine.abortMigration({ ctx, id: job.id });
    }
    expect(await unfinishedJobs()).toEqual([]);
  }, 60_000);

  it('keeps a job a start still holds from a second task of the same process (a serving process runs its queue beside starts)', async () => {
    // The start's last step logs the move's start: from there, a runner of this process tries the job it still holds.
    let inner: Promise<string> | null = null;
    const logs = atStartOf(ctx.logs, (id) => {
      inner = engine.runMigration({ ctx, id }).then(
        (job) => `ran it to ${job.phase}`,
        (err: { code?: string }) => String(err.code),
      );
    });
    const job = await start({ ...ctx, logs }, true);
    expect(await inner).toBe('MIGRATION_CONFLICT');
    expect(await engine.readJob(ctx, job.id)).toMatchObject({ phase: 'queued' });
    await engine.abortMigration({ ctx, id: job.id });
  }, 60_000);

  it('renews its lease while it holds a job, so no other node takes the job past the lease', async () => {
    const leaseMs = 300;
    let seen: { owner: string | null; until: string | null; otherClaimed: boolean } | null = null;
    // At the start's last step (it logs the move's start), wait out three leases, then look at the lease and try to take it as another node.
    const logs = atStartOf(ctx.logs, async (id) => {
      await new Promise((r) => setTimeout(r, leaseMs * 3));
      const row = await first.directory.db.selectFrom('migration_job').select(['lease_owner', 'lease_until']).where('id', '=', id).executeTakeFirstOrThrow();
      const otherClaimed = await claimLease(first.directory.db, { id, owner: 'another-node:4242:x', untilMs: Date.now() + leaseMs, stale: () => false });
      seen = { owner: row.lease_owner, until: row.lease_until, otherClaimed };
    });
    const job = await start({ ...ctx, logs, leaseMs }, true);
    const lease = seen as { owner: string | null; until: string | null; otherClaimed: boolean } | null;
    expect(lease?.otherClaimed).toBe(false);
    expect(lease?.owner).toMatch(new RegExp(`:${process.pid}:`));
    expect(Date.parse(lease?.until ?? '')).toBeGreaterThan(Date.now() - leaseMs);
    // Released at the end.
    expect(await first.directory.db.selectFrom('migration_job').select('lease_owner').where('id', '=', job.id).executeTakeFirstOrThrow()).toEqual({ lease_owner: null });
    await engine.abortMigration({ ctx, id: job.id });
  }, 60_000);

  it('completes a start killed between its claim and its items when the job is resumed, and abort releases such a claim', async () => {
    const db = first.directory.db;
    // The state a kill -9 right after the claim's commit leaves: made from a queued start by undoing what came after the claim.
    const started = await start(ctx, true);
    const source = first.cells.get(started.from[0] as string);
    const claim = async (job: engine.MigrationJob) => {
      await deleteItems(db, job.id);
      await removeChangeCapture(source.db, { postgres: dialect === 'postgres', tables: [{ table: 'media', rowKey: ['id'] }] });
      const state = { ...job, phase: 'starting', batches: 0, from: first.cells.all().filter((c) => c.id !== 'jp').map((c) => c.id) };
      const past = new Date(Date.now() - 1000).toISOString();
      await db.updateTable('migration_job').set({ phase: 'starting', state: JSON.stringify(state), lease_owner: 'another-node:4242', lease_until: past }).where('id', '=', job.id).execute();
    };
    await claim(started);
    expect(await engine.readJob(ctx, started.id)).toMatchObject({ phase: 'starting', progress: { total: 0 } });
    // A new start meets the claim.
    await expect(start(ctx)).rejects.toMatchObject({ code: 'MIGRATION_CONFLICT' });

    // Resumed (paused at its first progress): the start is completed, its rows listed once, the capture on.
    let stop = false;
    const paused = { ...ctx, stopping: () => stop };
    await expect(engine.runMigration({ ctx: paused, id: started.id, onProgress: () => (stop = true) })).rejects.toBeInstanceOf(engine.MigrationStopped);
    const resumed = await engine.readJob(ctx, started.id);
    expect(resumed).toMatchObject({ phase: 'copying', from: started.from, batches: started.batches, captureVersion: 2 });
    const items = await itemsOf(db, { jobId: started.id });
    expect(items.length).toBe(resumed.progress.total);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(items.length).toBeGreaterThan(0);
    const touched = await touchPicture(source.db);
    expect((await readChanges(source.db)).map((c) => c.rowKey)).toContainEqual([touched]);
    await engine.abortMigration({ ctx, id: started.id });

    // A claim no one completes is released by abort: the staging rules go, a new start may come.
    const again = await start(ctx, true);
    await claim(again);
    expect(await engine.abortMigration({ ctx, id: again.id })).toMatchObject({ phase: 'aborted' });
    expect(first.cells.placement.staging).toEqual([]);
    expect(await unfinishedJobs()).toEqual([]);
  }, 60_000);

  it('gives a job of older code the delete capture at resume: a record erased meanwhile leaves the destination', async () => {
    let stop = false;
    const paused = { ...ctx, stopping: () => stop };
    const job = await start(ctx);
    await expect(engine.runMigration({ ctx: paused, id: job.id, onProgress: () => (stop = true) })).rejects.toBeInstanceOf(engine.MigrationStopped);
    const verified = (await itemsOf(first.directory.db, { jobId: job.id, steps: ['verified'] })).find((i) => i.table_name === 'media');
    expect(verified, 'a picture copied before the pause').toBeDefined();
    const mediaId = String((JSON.parse(verified?.row_key ?? '[]') as unknown[])[0]);
    const source = first.cells.get(verified?.source_cell ?? '');
    const destination = first.cells.get('jp');

    // As the older code left it: no delete trigger, no capture version on the job.
    await sql.raw(dialect === 'postgres' ? 'drop trigger migration_change_media_delete on media' : 'drop trigger migration_change_media_delete').execute(source.db);
    const { captureVersion: _dropped, ...older } = await engine.readJob(ctx, job.id);
    await first.directory.db.updateTable('migration_job').set({ state: JSON.stringify(older) }).where('id', '=', job.id).execute();
    // The person erases the picture while no delete trigger watches.
    await source.db.deleteFrom('media').where('id', '=', mediaId).execute();
    await source.blobs.delete(mediaId);

    stop = false;
    expect((await engine.runMigration({ ctx, id: job.id })).phase).toBe('done');
    expect(await destination.db.selectFrom('media').select('id').where('id', '=', mediaId).executeTakeFirst()).toBeUndefined();
    expect(await destination.blobs.get(mediaId)).toBeNull();
    const manifest = await engine.manifestOf({ ctx, id: job.id });
    expect(manifest.length).toBeGreaterThan(0);
    expect(manifest.map((e) => e.id)).not.toContain(verified?.id);
  }, 60_000);
});
