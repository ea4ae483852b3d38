// Requests older code left approved without a job (it committed the decision, then started the
// job; a crash in between left the approval with nothing moving). Written straight into the
// directory as that code left them: the recovery starts the job of the oldest, logged as a start,
// and puts back to pending the one that cannot start now (another migration is unfinished), for a
// second admin to approve again, journalled as a reopen; run twice at once, it starts a job once. Both dialects. Then on
// SQLite the serving process does it by itself at start, and the job it starts runs to its end;
// `domicile migrate resume` does it too.
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { DirectoryDatabase } from '../../src/cells/cell.database.js';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { openDatabase } from '../../src/db/connect.js';
import type { GovernanceEvent, GovernanceJournal } from '../../src/governance/journal.js';
import { recoverApprovedRequests } from '../../src/governance/migration/approval.service.js';
import type { MigrationRequestTable } from '../../src/governance/migration/approval.tables.js';
import { abortMigration, listJobs, readJob } from '../../src/governance/migration/migration.service.js';
import { makeOperator } from '../broker/support.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { dialects, tempDir } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** A request as the older code left it: approved by a second admin, no job. */
function legacyApproved(id: string, requestedBy: string, decidedBy: string, minutesAgo: number): MigrationRequestTable {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return {
    id,
    home: 'JP',
    categories: JSON.stringify(['user.content.media']),
    to_cell: 'jp',
    subjects: 0,
    records: 0,
    bytes: 0,
    grace_seconds: 0,
    requested_by: requestedBy,
    requested_at: at,
    status: 'approved',
    decided_by: decidedBy,
    decided_at: at,
    job_id: null,
  };
}

const rowOf = (db: Kysely<DirectoryDatabase>, id: string) => db.selectFrom('migration_request').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe.each(dialects)('requests left approved without a job, on %s', (dialect) => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('starts the job of the one that can start, reopens the other, and starts a job once when two processes recover at once', async () => {
    server = await startTestServer({ dialect, directoryOnDialect: true, serving: false });
    const { runtime } = server;
    const db = runtime.directory.db;
    const ctx = migrationContext(runtime);
    // The governance journal, with a look at what the recovery adds to it (each event still goes in).
    const added: GovernanceEvent[] = [];
    const journal: Pick<GovernanceJournal, 'add' | 'flush'> = {
      add: (trx, event, at) => {
        added.push(event);
        return runtime.governance.journal.add(trx, event, at);
      },
      flush: () => runtime.governance.journal.flush(),
    };
    const [requester, approver] = [await makeOperator(server, { roles: ['admin'] }), await makeOperator(server, { roles: ['admin'] })] as [string, string];
    await db.insertInto('migration_request').values([legacyApproved('mreq-legacy-a', requester, approver, 30), legacyApproved('mreq-legacy-b', requester, approver, 20)]).execute();

    const recovered = await recoverApprovedRequests({ ctx, journal });
    expect(recovered.started.map((s) => s.request)).toEqual(['mreq-legacy-a']);
    expect(recovered.reopened.map((r) => r.request)).toEqual(['mreq-legacy-b']);
    expect(recovered.reopened[0]?.reason).toMatch(/is not finished/);
    const job = recovered.started[0]?.job as string;
    expect(await rowOf(db, 'mreq-legacy-a')).toMatchObject({ status: 'approved', decided_by: approver, job_id: job });
    expect(await rowOf(db, 'mreq-legacy-b')).toMatchObject({ status: 'pending', decided_by: null, decided_at: null, job_id: null });
    // The requester's move, queued for a serving process; its start is one journal event in the approver's name, stored with it;
    // the reopen is one by the system (the log's approval of mreq-legacy-b no longer stands).
    expect(await readJob(ctx, job)).toMatchObject({ phase: 'queued', actor: requester, home: 'JP', to: 'jp' });
    expect(added).toEqual([
      { kind: 'migration-start', actor: expect.objectContaining({ id: approver }), ref: job, home: 'JP', categories: ['user.content.media'] },
      { kind: 'migration-reopen', actor: expect.objectContaining({ id: 'system:migrations' }), ref: 'mreq-legacy-b', home: 'JP', categories: ['user.content.media'] },
    ]);
    const reopens = await db.selectFrom('governance_event').select(['actor', 'entry']).where('kind', '=', 'migration-reopen').execute();
    expect(reopens.map((r) => [r.actor, (JSON.parse(r.entry) as { ref: string }).ref])).toEqual([['system:migrations', 'mreq-legacy-b']]);
    const starts = async () => (await db.selectFrom('governance_event').select('entry').where('kind', '=', 'migration-start').execute()).map((r) => (JSON.parse(r.entry) as { ref: string }).ref);
    expect(await starts()).toEqual([job]);

    // Nothing left to recover: a second run changes nothing.
    expect(await recoverApprovedRequests({ ctx, journal })).toEqual({ started: [], reopened: [] });

    // Once that job is out of the way, two processes recovering a third request at once start one job.
    await abortMigration({ ctx, id: job });
    await db.insertInto('migration_request').values(legacyApproved('mreq-legacy-c', requester, approver, 10)).execute();
    const both = await Promise.all([recoverApprovedRequests({ ctx, journal }), recoverApprovedRequests({ ctx, journal })]);
    const started = both.flatMap((r) => r.started);
    expect(started.map((s) => s.request)).toEqual(['mreq-legacy-c']);
    expect(both.flatMap((r) => r.reopened)).toEqual([]);
    expect((await rowOf(db, 'mreq-legacy-c')).job_id).toBe(started[0]?.job);
    expect((await listJobs(ctx)).map((j) => j.id).sort()).toEqual([job, started[0]?.job].sort());
    expect((await starts()).sort()).toEqual([job, started[0]?.job].sort());
  }, 60_000);
});

describe('a serving process restarted over a request left approved without a job', () => {
  it('starts its job at start and runs it to the end', async () => {
    const dataDir = tempDir('domicile-recovery');
    let server: TestServer = await startTestServer({ dataDir, dialect: 'sqlite', serving: false });
    const [requester, approver] = [await makeOperator(server, { roles: ['admin'] }), await makeOperator(server, { roles: ['admin'] })] as [string, string];
    await server.close();
    // Written while no process runs, as the crash left it.
    const directory = openDatabase<DirectoryDatabase>({ url: `sqlite:${dataDir}/directory.sqlite` });
    await directory.insertInto('migration_request').values(legacyApproved('mreq-legacy', requester, approver, 5)).execute();
    await directory.destroy();

    server = await startTestServer({ dataDir, dialect: 'sqlite' });
    try {
      const ctx = migrationContext(server.runtime);
      const { job_id: job } = await rowOf(server.runtime.directory.db, 'mreq-legacy');
      expect(job).toMatch(/^mig-/);
      const deadline = Date.now() + 30_000;
      while ((await readJob(ctx, job as string)).phase !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await readJob(ctx, job as string)).phase).toBe('done');
    } finally {
      await server.close();
    }

    // `domicile migrate resume` (no server running) recovers one too, and says so.
    const again = openDatabase<DirectoryDatabase>({ url: `sqlite:${dataDir}/directory.sqlite` });
    try {
      await again.insertInto('migration_request').values(legacyApproved('mreq-legacy-cli', requester, approver, 1)).execute();
      const { file } = writeTestConfig({ dataDir });
      const done = (await rowOf(again, 'mreq-legacy')).job_id as string;
      const resumed = await runDomicile(['migrate', 'resume', done, '--config', file]);
      expect(resumed.code).toBe(0);
      const { job_id: cliJob } = await rowOf(again, 'mreq-legacy-cli');
      expect(resumed.stdout).toContain(`Migration request mreq-legacy-cli was approved but never started: started as ${cliJob}.`);
    } finally {
      await again.destroy();
    }
  }, 60_000);
});
