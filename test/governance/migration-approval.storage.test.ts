// Migration requests (the two-person rule of the console's moves) on both dialects, directory on
// the cells' dialect: a request is one row and one journal event; an approval commits with the
// job it starts, or not at all; two admins approving at once start one job — the other is told
// the request was decided; the numbers read back as numbers.
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { isDomainError } from '../../src/errors/catalogue.js';
import { migrationDesk } from '../../src/governance/migration/approval.service.js';
import type { Operator } from '../../src/governance/operators/operators.js';
import { dialects } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeOperator } from '../broker/support.js';

const move = { home: 'JP', categories: ['user.content.media'], to: 'jp' };

/** Makes the directory refuse to store a migration job (or store them again): a start that dies where the job is written. */
async function refuseJobs(db: Kysely<unknown>, dialect: string, refuse: boolean): Promise<void> {
  if (dialect === 'sqlite') {
    await (refuse ? sql`create trigger refuse_job before insert on migration_job begin select raise(abort, 'no job today'); end` : sql`drop trigger refuse_job`).execute(db);
  } else if (refuse) {
    await sql`create function refuse_job() returns trigger language plpgsql as $$ begin raise exception 'no job today'; end $$`.execute(db);
    await sql`create trigger refuse_job before insert on migration_job for each row execute function refuse_job()`.execute(db);
  } else {
    await sql`drop trigger refuse_job on migration_job`.execute(db);
    await sql`drop function refuse_job()`.execute(db);
  }
}

describe.each(dialects)('migration requests on %s', (dialect) => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('stores a request with its journal event, and lets exactly one of two concurrent approvals start the job', async () => {
    server = await startTestServer({ dialect, directoryOnDialect: true, serving: false });
    const { runtime } = server;
    // Threshold -1: even a move of nobody waits for a second admin.
    const desk = migrationDesk({ ctx: migrationContext(runtime), journal: runtime.governance.journal, dataDir: runtime.config.dataDir, approvalSubjects: -1 });
    const admins: Operator[] = [];
    for (let i = 0; i < 3; i++) {
      const found = await runtime.governance.operators.find(await makeOperator(server, { roles: ['admin'] }));
      if (!found) throw new Error('operator not stored');
      admins.push(found);
    }
    const [requester, a, b] = admins as [Operator, Operator, Operator];
    const actor = (op: Operator) => runtime.governance.actorOf(op, { address: '133.242.0.1', country: 'JP', simulated: false });
    const pendingBefore = await runtime.governance.journal.pending();

    const outcome = await desk.start({ request: move, graceSeconds: 30, by: requester, actor: actor(requester) });
    expect(outcome.status).toBe('pending');
    const request = outcome.status === 'pending' ? outcome.request : null;
    expect(request).toMatchObject({ status: 'pending', requestedBy: requester.id, subjects: 0, records: 0, bytes: 0, graceSeconds: 30, job: null });
    expect(await desk.requests()).toEqual([request]);
    expect(await runtime.governance.journal.pending()).toBe(pendingBefore + 1);

    // The job cannot be written: the approval is undone with it — the request stays pending and
    // nothing is journalled. (A decision committed first was left approved, without a job, by a
    // process killed before the start; its approval event was logged all the same.)
    await refuseJobs(runtime.directory.db as Kysely<unknown>, dialect, true);
    await expect(desk.approve({ id: request?.id as string, by: a, actor: actor(a) })).rejects.toThrow(/no job today/);
    expect(await desk.requests()).toEqual([request]);
    expect(await runtime.governance.journal.pending()).toBe(pendingBefore + 1);
    expect(await desk.jobs()).toEqual([]);
    await refuseJobs(runtime.directory.db as Kysely<unknown>, dialect, false);

    const results = await Promise.allSettled([a, b].map((by) => desk.approve({ id: request?.id as string, by, actor: actor(by) })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (isDomainError(r.reason) ? r.reason.code : String(r.reason)))).toEqual(['MIGRATION_REQUEST_NOT_PENDING']);
    const { job, request: decided } = won[0]?.value ?? { job: null, request: null };
    expect(decided).toMatchObject({ status: 'approved', job: job?.id });
    expect(job).toMatchObject({ actor: requester.id, graceSeconds: 30 });
    // One approval and one start journalled beside the request.
    expect(await runtime.governance.journal.pending()).toBe(pendingBefore + 3);
    expect((await desk.jobs()).map((j) => j.job.id)).toEqual([job?.id]);

    // Queued for a serving process to claim (this server serves nothing; test/http/ops-migration.test.ts runs one to its receipt).
    expect((await desk.job(job?.id as string)).job.phase).toBe('queued');
  }, 60_000);
});
