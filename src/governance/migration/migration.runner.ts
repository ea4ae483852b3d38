// Region migrations inside a serving process. Every serving process beats a heartbeat into the
// directory at its placement poll (the placement version its writes may still act on, see
// moving.context.ts) and claims the unfinished jobs whose lease is free — at start too, so a job
// left by a crash resumes when the server comes back. `domicile migrate start` hands its job to
// a server this way when a fresh heartbeat of a living process says one serves the directory.
import crypto from 'node:crypto';
import os from 'node:os';
import { oldestWriteVersion } from '../../cells/moving.context.js';
import { syncPlacement } from '../../cells/placement-version.repository.js';
import type { Operators } from '../operators/operators.js';
import { beat, forgetServing, servingProcesses, unfinishedJobIds, type MigrationDirectoryDb } from './migration.repository.js';
import { graceEndsAt, heartbeatFreshMs, readJob, runMigration, stale, unfinished, type MigrationContext } from './migration.service.js';

/** The parts of a runtime a migration works with: its context, with the operator directory to name the actor from. */
export type MigrationParts = Omit<MigrationContext, 'operator' | 'subjectsPerBatch' | 'servingId' | 'stopping'> & { readonly operators: Pick<Operators, 'find'> };

export function migrationContextOf(parts: MigrationParts, extra: Partial<Pick<MigrationContext, 'servingId' | 'stopping'>> = {}): MigrationContext {
  const { operators, ...context } = parts;
  return {
    ...context,
    operator: async (id) => {
      const operator = await operators.find(id);
      return operator && !operator.disabled ? { employer: operator.employer.entity, employerCountry: operator.employer.country, officeCountry: operator.officeCountry } : null;
    },
    ...extra,
  };
}

/** Whether a serving process (fresh heartbeat, not known dead) serves this directory: it will run a queued job. */
export async function serverServing(db: MigrationDirectoryDb): Promise<boolean> {
  return (await servingProcesses(db, Date.now() - heartbeatFreshMs)).some((p) => !stale(p.id));
}

export interface MigrationRunner {
  readonly id: string;
  /** Beats and claims now (the placement poll calls it). */
  tick(): Promise<void>;
  /** Stops the job it runs between two steps, and removes its heartbeat. */
  close(): Promise<void>;
}

export async function startMigrationRunner(props: { parts: MigrationParts; onError?: (err: unknown) => void; onPlacementChanged?: () => void }): Promise<MigrationRunner> {
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  let stopping = false;
  let running: Promise<void> | null = null;
  const ctx = migrationContextOf(props.parts, { servingId: id, stopping: () => stopping });
  const db = props.parts.directoryDb;

  const claim = async (): Promise<void> => {
    for (const jobId of await unfinishedJobIds(db)) {
      const job = await readJob(ctx, jobId);
      if (!unfinished(job) || graceEndsAt(job) !== null) continue;
      try {
        await runMigration({ ctx, id: jobId });
      } catch (err) {
        // Another process holds it (conflict), or it stopped or failed: its state says which.
        if (!stopping) props.onError?.(err);
      }
      return;
    }
  };

  const tick = async (): Promise<void> => {
    if (stopping) return;
    if (await syncPlacement(db, props.parts.cells)) props.onPlacementChanged?.();
    await beat(db, { id, placementVersion: oldestWriteVersion(props.parts.cells) });
    if (!running) running = claim().finally(() => (running = null));
  };

  await tick();
  return {
    id,
    tick,
    async close() {
      stopping = true;
      await running;
      await forgetServing(db, id).catch(() => undefined);
    },
  };
}
