// Region migrations inside a serving process. Every serving process beats a heartbeat into the
// directory at its placement poll (the placement version its writes may still act on, see
// moving.context.ts) and claims the unfinished jobs whose lease is free — at start too, so a job
// left by a crash resumes when the server comes back. `domicile migrate start` hands its job to
// a server this way when a fresh heartbeat of a living process says one serves the directory.
// With the directory's change epoch, the placement and the job list are read again only when it
// moved (or jobs are left that this process did not take: their leases and grace periods end by
// the clock); the heartbeat is written every poll regardless. Before its first claim it starts
// the jobs of requests older code left approved without one (recoverApprovedRequests).
import crypto from 'node:crypto';
import os from 'node:os';
import { oldestWriteVersion } from '../../cells/moving.context.js';
import { syncPlacement } from '../../cells/placement-version.repository.js';
import { oneAtATime, type ChangeEpochWatch } from '../change-epoch.repository.js';
import type { GovernanceJournal } from '../journal.js';
import type { Operators } from '../operators/operators.js';
import { recoverApprovedRequests } from './approval.service.js';
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
  /** Beats and claims now (the placement poll calls it); a call during a tick waits for that one. */
  tick(): Promise<void>;
  /** Stops the job it runs between two steps, and removes its heartbeat. */
  close(): Promise<void>;
}

export async function startMigrationRunner(props: {
  parts: MigrationParts;
  /** Logs the start of a job recovered for an approved request (without it, none is recovered). */
  journal?: Pick<GovernanceJournal, 'add' | 'flush'>;
  changes?: ChangeEpochWatch;
  onError?: (err: unknown) => void;
  onPlacementChanged?: () => void;
}): Promise<MigrationRunner> {
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  let stopping = false;
  let running: Promise<void> | null = null;
  const ctx = migrationContextOf(props.parts, { servingId: id, stopping: () => stopping });
  const db = props.parts.directoryDb;
  /** Whether the placement or the jobs may have changed since they were last read. */
  let changed = true;
  /** Whether the last look found unfinished jobs (another's lease or a grace period may end). */
  let jobsLeft = true;

  const claim = async (): Promise<void> => {
    jobsLeft = true;
    let seen = false;
    for (const jobId of await unfinishedJobIds(db)) {
      seen = true;
      const job = await readJob(ctx, jobId);
      if (!unfinished(job) || graceEndsAt(job) !== null) continue;
      try {
        await runMigration({ ctx, id: jobId });
      } catch (err) {
        // Another process holds it (conflict), or it stopped or failed: its state says which.
        if (!stopping) props.onError?.(err);
      }
      break;
    }
    jobsLeft = seen;
  };

  const beatAndLook = async (): Promise<void> => {
    if (stopping) return;
    const look = changed || !props.changes;
    changed = false;
    try {
      if (look && (await syncPlacement(db, props.parts.cells))) props.onPlacementChanged?.();
    } catch (err) {
      changed = true;
      throw err;
    }
    await beat(db, { id, placementVersion: oldestWriteVersion(props.parts.cells) });
    if (!running && (look || jobsLeft)) running = claim().finally(() => (running = null));
  };

  const run = oneAtATime(beatAndLook);
  const tick = (): Promise<void> => run(false);
  const stopWatching = props.changes?.onChange('placement', () => {
    changed = true;
    void run(true).catch(() => undefined);
  });

  // A recovery that fails (the directory unreachable a moment) must not keep the server from starting: the request stays as it was for the next start.
  if (props.journal) await recoverApprovedRequests({ ctx, journal: props.journal }).catch((err: unknown) => props.onError?.(err));
  await tick();
  return {
    id,
    tick,
    async close() {
      stopWatching?.();
      stopping = true;
      await running;
      await forgetServing(db, id).catch(() => undefined);
    },
  };
}
