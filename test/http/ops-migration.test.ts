// The console's placement and migration routes (issues 10 and 11) on the demo world: admins plan,
// start and decide; privacy officers read; support staff are refused. The threshold of the
// two-person rule is lowered to 0 people by configuration, so the demo move (home JP, media and
// payment data, to jp) needs a second admin: the requester's own approval is refused, a denial
// ends a request, an approval starts the job, which runs to its signed receipt. Bad input is 400
// with a stable code and writes nothing. The plan is the CLI's `migrate plan --json`, number for number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestLines, manifestRoot, verifyReceipt } from '../../src/governance/migration/receipt.js';
import { from, freshCode, makeOperator, entriesSince, logSize, type ErrorBody } from '../broker/support.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';

const move = { home: 'JP', categories: ['user.content.media', 'user.financial'], to: 'jp' };
let server: TestServer;
let configFile: string;
let admin: ApiClient;
let second: ApiClient;
let officer: ApiClient;
let support: ApiClient;

async function signIn(operatorId: string): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const res = await client.request('POST', '/v1/ops/auth/signin', { operatorId, password: demoOperatorPassword, code: await freshCode(operatorId) }, from('JP'));
  if (res.status !== 200) throw new Error(`sign-in of ${operatorId}: ${res.status}`);
  client.token = (res.body as { token: string }).token;
  return client;
}

const call = (client: ApiClient, method: string, path: string, body?: unknown) => client.request(method, path, body, from('JP'));
const codeOf = (body: unknown) => (body as ErrorBody).error.code;

beforeAll(async () => {
  const dataDir = tempDir('domicile-ops-migration');
  configFile = writeTestConfig({ dataDir }).file;
  server = await startTestServer({ demo: true, dataDir, trustedProxies: ['127.0.0.1'], limits: { migrationApprovalSubjects: 0 } });
  const secondAdmin = await makeOperator(server, { roles: ['admin'] });
  [admin, second, officer, support] = await Promise.all([signIn('op-tokyo-admin'), signIn(secondAdmin), signIn('op-tokyo-privacy'), signIn('op-tokyo-support')]);
}, 120_000);
afterAll(async () => {
  await server.close();
});

describe('placement and migrations: who may do what', () => {
  it('lets privacy officers read but not plan or start; refuses support staff', async () => {
    for (const path of ['/v1/ops/placement', '/v1/ops/migrations', '/v1/ops/migrations/requests']) {
      expect((await call(officer, 'GET', path)).status, path).toBe(200);
      const refused = await call(support, 'GET', path);
      expect(refused.status, path).toBe(403);
      expect((refused.body as ErrorBody).error.message).toMatch(/privacy-officer or admin/);
    }
    for (const [path, body] of [['/v1/ops/migrations/plan', move], ['/v1/ops/migrations', move]] as const) {
      const res = await call(officer, 'POST', path, body);
      expect(res.status, path).toBe(403);
      expect((res.body as ErrorBody).error.message).toMatch(/needs the admin role/);
    }
    const placement = (await call(officer, 'GET', '/v1/ops/placement')).body as { current: { version: number; rules: unknown[] }; versions: { version: number; reason: string }[] };
    expect(placement.current.version).toBe(server.runtime.cells.placement.version);
    expect(placement.current.rules).toEqual(server.runtime.cells.placement.rules);
    expect(placement.versions.at(-1)).toMatchObject({ version: 1, reason: 'configuration' });
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ ...move, categories: ['user.nothing'] }, 400, 'UNKNOWN_CATEGORY'],
      [{ ...move, home: 'ZZ' }, 400, 'UNKNOWN_JURISDICTION'],
      [{ ...move, categories: [] }, 400, 'VALIDATION_FAILED'],
      [{ ...move, to: 'Not a cell' }, 400, 'VALIDATION_FAILED'],
      [{ ...move, extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{ ...move, to: 'xx' }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      for (const path of ['/v1/ops/migrations/plan', '/v1/ops/migrations']) {
        const res = await call(admin, 'POST', path, body);
        expect([res.status, codeOf(res.body)], `${path} ${JSON.stringify(body)}`).toEqual([status, code]);
      }
    }
    const grace = await call(admin, 'POST', '/v1/ops/migrations', { ...move, graceSeconds: -1 });
    expect([grace.status, codeOf(grace.body)]).toEqual([400, 'VALIDATION_FAILED']);
    for (const [path, code] of [['/v1/ops/migrations/nope', 'VALIDATION_FAILED'], ['/v1/ops/migrations/mig-00000000', 'NOT_FOUND'], ['/v1/ops/migrations/mig-00000000/receipt', 'NOT_FOUND']] as const) {
      expect(codeOf((await call(admin, 'GET', path)).body), path).toBe(code);
    }
    expect(codeOf((await call(second, 'POST', '/v1/ops/migrations/requests/mreq-0000000000000000/approve')).body)).toBe('NOT_FOUND');
    expect(((await call(admin, 'GET', '/v1/ops/migrations')).body as { jobs: unknown[] }).jobs).toEqual([]);
    expect(((await call(admin, 'GET', '/v1/ops/migrations/requests')).body as { requests: unknown[] }).requests).toEqual([]);
  });

  it('plans the demo move with the numbers of `migrate plan --json`', async () => {
    const res = await call(admin, 'POST', '/v1/ops/migrations/plan', move);
    expect(res.status).toBe(200);
    const cli = await runDomicile(['migrate', 'plan', '--home', 'JP', '--category', move.categories.join(','), '--to', 'jp', '--json', '--config', configFile]);
    expect(cli.stderr).toBe('');
    expect(res.body).toEqual(JSON.parse(cli.stdout));
    const plan = res.body as { subjects: number; records: number; lines: { from: string; basis: string }[] };
    expect(plan.subjects).toBeGreaterThan(0);
    expect(plan.lines.every((l) => l.from === 'kr' && l.basis.startsWith('home'))).toBe(true);
  });
});

describe('placement and migrations: the two-person rule', () => {
  it('holds a large move for another admin: never the requester, a denial ends it, an approval runs it to its receipt', async () => {
    const jpLog = logSize(server, 'JP');
    const asked = await call(admin, 'POST', '/v1/ops/migrations', move);
    expect(asked.status).toBe(202);
    const first = (asked.body as { status: string; request: { id: string; status: string; requestedBy: string; subjects: number } }).request;
    expect(first).toMatchObject({ status: 'pending', requestedBy: 'op-tokyo-admin' });
    expect(first.subjects).toBe(((await call(admin, 'POST', '/v1/ops/migrations/plan', move)).body as { subjects: number }).subjects);

    const self = await call(admin, 'POST', `/v1/ops/migrations/requests/${first.id}/approve`);
    expect([self.status, codeOf(self.body)]).toEqual([403, 'SELF_APPROVAL']);
    expect(codeOf((await call(admin, 'POST', `/v1/ops/migrations/requests/${first.id}/deny`)).body)).toBe('SELF_APPROVAL');
    expect((await call(officer, 'POST', `/v1/ops/migrations/requests/${first.id}/approve`)).status).toBe(403);

    const denied = await call(second, 'POST', `/v1/ops/migrations/requests/${first.id}/deny`);
    expect(denied.body).toMatchObject({ status: 'denied', job: null });
    const late = await call(second, 'POST', `/v1/ops/migrations/requests/${first.id}/approve`);
    expect([late.status, codeOf(late.body)]).toEqual([409, 'MIGRATION_REQUEST_NOT_PENDING']);
    expect(((await call(admin, 'GET', '/v1/ops/migrations')).body as { jobs: unknown[] }).jobs).toEqual([]);

    const again = (await call(admin, 'POST', '/v1/ops/migrations', move)).body as { request: { id: string } };
    const approved = await call(second, 'POST', `/v1/ops/migrations/requests/${again.request.id}/approve`);
    expect(approved.status).toBe(200);
    const { job, request } = approved.body as { job: { id: string; actor: string }; request: { status: string; job: string; decidedBy: string } };
    expect(request).toMatchObject({ status: 'approved', job: job.id });
    // The move is the requester's; the approval is the second admin's own entry.
    expect(job.actor).toBe('op-tokyo-admin');
    // One job at a time: a new request while it runs is refused.
    expect(codeOf((await call(admin, 'POST', '/v1/ops/migrations', move)).body)).toBe('MIGRATION_CONFLICT');

    let view: { job: { phase: string }; progress: { total: number; steps: Record<string, { records: number }> }; receipt: boolean };
    for (;;) {
      view = (await call(officer, 'GET', `/v1/ops/migrations/${job.id}`)).body as typeof view;
      if (['done', 'failed', 'aborted'].includes(view.job.phase)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(view.job.phase).toBe('done');
    expect(view.receipt).toBe(true);
    expect(view.progress.steps.shredded?.records).toBe(view.progress.total);

    const receipt = await fetch(`${server.url}/v1/ops/migrations/${job.id}/receipt`, { headers: { authorization: `Bearer ${officer.token}`, ...from('JP') } });
    expect(receipt.headers.get('content-disposition')).toContain(`${job.id}-receipt.json`);
    const manifest = await fetch(`${server.url}/v1/ops/migrations/${job.id}/manifest`, { headers: { authorization: `Bearer ${officer.token}`, ...from('JP') } });
    const manifestText = await manifest.text();
    const signed = (await receipt.json()) as { receipt: { manifestRoot: string; job: string } };
    expect(verifyReceipt({ signed, manifest: manifestText })).toEqual([]);
    const lines = manifestText.trimEnd().split('\n');
    expect(lines).toHaveLength(view.progress.total);
    expect(signed.receipt.manifestRoot).toBe(manifestRoot(manifestLines(lines.map((l) => JSON.parse(l) as { category: string; id: string; sha256: string }))));

    // Request, denial, second request, approval and start are entries of the JP log, naming nobody.
    await server.runtime.governance.journal.flush();
    const entries = (await entriesSince(server, 'JP', jpLog)).filter((e) => e.action.startsWith('migration-'));
    expect(entries.map((e) => [e.action, e.actor, e.caseRef, e.decision])).toEqual([
      ['migration-request', 'op-tokyo-admin', first.id, 'allow'],
      ['migration-deny', (denied.body as { decidedBy: string }).decidedBy, first.id, 'deny'],
      ['migration-request', 'op-tokyo-admin', again.request.id, 'allow'],
      ['migration-approve', request.decidedBy, again.request.id, 'allow'],
      ['migration-start', request.decidedBy, job.id, 'allow'],
    ]);
    expect(entries.every((e) => e.subjects.length === 0 && e.purpose === 'DATA_RELOCATION' && e.actorPhysicalCountry === 'JP')).toBe(true);
  }, 120_000);
});
