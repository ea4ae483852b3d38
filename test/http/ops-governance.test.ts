// The governance console's pages and the person's view of an incident (issue 11): privacy
// officers and admins read the data map, recipients, notices, policies and operators, check a
// notice draft and a policy change, and ask what-if; admins apply a policy change and add and
// disable operators (journaled); other operators are refused. A person sees the incidents whose
// verified log entries released their data — their own categories and the actors' countries,
// never anyone else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { flushJournal, from, makeOperator, operatorEntries, operatorSocket, signInOperator, type ErrorBody } from '../broker/support.js';
import { validateNotice } from '../../src/governance/transfers/notice.validator.js';
import { base32Decode, hotp, totpStep } from '../../src/governance/totp.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { cjkFont } from '../../src/governance/reports/access-report.pdf.js';
import { demoPassword } from '../../src/demo/demo.world.js';
import { scanResidency } from '../../src/cells/residency.scan.js';

let server: TestServer;
// One sign-in per operator for the file: each TOTP code works once, so a second sign-in waits for the next step.
let officer: ApiClient;
let admin: ApiClient;
// A copy of the project's policies: the apply test writes to the directory in force.
let policyDir: string;
const today = new Date().toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-policies-'));
  fs.cpSync(path.join(import.meta.dirname, '../../policies'), policyDir, { recursive: true });
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'], policyDir });
  officer = await signInOperator(server, 'op-tokyo-privacy', from('JP'));
  admin = await signInOperator(server, 'op-tokyo-admin', from('JP'));
}, 120_000);
afterAll(async () => {
  await server.close();
  fs.rmSync(policyDir, { recursive: true, force: true });
});

const PAGES = ['/v1/ops/data-map', '/v1/ops/recipients', '/v1/ops/notices', '/v1/ops/policies', '/v1/ops/operators'];

describe('governance pages', () => {
  it('answers privacy officers (admins and the other roles: the authorisation matrix); support staff get 403 naming the roles', async () => {
    const support = await signInOperator(server, 'op-tokyo-support', from('JP'));
    for (const page of PAGES) {
      expect((await officer.request('GET', page, undefined, from('JP'))).status, page).toBe(200);
      const refused = await support.request('GET', page, undefined, from('JP'));
      expect(refused.status, page).toBe(403);
      expect((refused.body as ErrorBody).error.message, page).toMatch(/privacy-officer/);
    }
  });

  it('maps each cell from the residency scan: records per category and blob bytes, no ids', async () => {
    const res = await officer.request('GET', '/v1/ops/data-map', undefined, from('JP'));
    const map = res.body as { cells: { id: string; jurisdiction: string; rows: number; blobs: number; blobBytes: number; categories: { category: string; records: number }[]; violations: number }[]; accesses: { home: string; category: string; countries: { country: string; entries: number }[] }[] };
    const scan = await scanResidency({ cells: server.runtime.cells });
    expect(map.cells.map((c) => c.id)).toEqual(scan.cells.map((c) => c.id));
    for (const cell of scan.cells) {
      const shown = map.cells.find((c) => c.id === cell.id);
      expect(shown?.rows).toBe(cell.rows);
      expect(Object.fromEntries((shown?.categories ?? []).map((c) => [c.category, c.records]))).toEqual(cell.categories);
      expect(shown?.blobBytes).toBe(cell.blobBytes);
    }
    // The demo stores images in the KR cell: its blobs have bytes.
    expect(map.cells.find((c) => c.jurisdiction === 'KR')?.blobBytes).toBeGreaterThan(0);
    // The Shanghai engineers' reads show as accesses from CN to JP data.
    expect(map.accesses.some((a) => a.home === 'JP' && a.countries.some((c) => c.country === 'CN'))).toBe(true);
    const text = res.raw.toString();
    for (const who of ['hanako', 'taro', 'op-shanghai']) expect(text).not.toContain(who);
  });

  it('lists recipients with their contract and check date, flagging an overdue check', async () => {
    const { recipients } = (await officer.request('GET', '/v1/ops/recipients', undefined, from('JP'))).body as {
      recipients: { id: string; country: string; hostsCells: string[]; conformingSystem: { contractRef: string | null; periodicCheck: { nextDue: string } | null } | null; basis: { valid: boolean }; checkOverdue: boolean }[];
    };
    const seoul = recipients.find((r) => r.id === 'seoul-cloud');
    expect(seoul).toMatchObject({ country: 'KR', hostsCells: ['KR'], conformingSystem: { contractRef: 'CTR-SCC-2026-001' } });
    const registry = server.runtime.transfers.registries.recipientsFile.recipients;
    for (const r of recipients) {
      const due = registry.find((x) => x.id === r.id)?.conformingSystem?.periodicCheck?.nextDue;
      expect(r.conformingSystem?.periodicCheck?.nextDue ?? undefined).toBe(due);
      // Overdue exactly when the due day has passed (UTC).
      expect(r.checkOverdue).toBe(due !== undefined && r.conformingSystem !== null && today > due && r.basis.valid === false);
    }
  });

  it('lists every notice with its versions, and the policies in force with a check of the files', async () => {
    const notices = (await officer.request('GET', '/v1/ops/notices', undefined, from('JP'))).body as { notices: { noticeId: string; current: number | null; versions: { version: number; destinations: { country: string }[] }[] }[]; refused: { source: string }[] };
    const catalogue = server.runtime.transfers.notices;
    expect(notices.notices.map((n) => n.noticeId)).toEqual(catalogue.all().map((n) => n.noticeId));
    expect(notices.notices.find((n) => n.noticeId === 'jp-media-storage-kr')?.versions[0]?.destinations.map((d) => d.country)).toEqual(['KR']);
    // The "third countries" kind is refused by the validator and shown as such.
    expect(notices.refused.map((r) => r.source)).toContain('third-countries.json');

    const policies = (await officer.request('GET', '/v1/ops/policies', undefined, from('JP'))).body as { inForce: boolean; digest: string; loadedAt: string; policies: { id: string; file: string }[]; onDisk: { valid: boolean; sameAsInForce: boolean } };
    const engine = server.runtime.governance.policy().engine;
    expect(policies.inForce).toBe(true);
    expect(policies.digest).toBe(engine?.digest);
    expect(policies.policies.map((p) => p.id)).toEqual(engine?.policyIds);
    expect(policies.policies.every((p) => !p.file.includes('/'))).toBe(true);
    expect(policies.onDisk).toMatchObject({ valid: true, sameAsInForce: true });
    expect(Date.parse(policies.loadedAt)).toBeLessThanOrEqual(Date.now());
  });
});

interface MyIncidents {
  checkpoint: { cell: string; size: number } | null;
  incidents: { id: string; title: string; categories: string[]; organisations: { name: string; country: string }[]; actorCountries: string[]; entries: number; log: { cell: string; indexes: number[] }; response: string[] }[];
}

describe('GET /v1/me/incidents', () => {
  it('shows a person the incidents that released their data, from the verified log, naming nobody else', async () => {
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', demoPassword);
    const before = (await hanako.request('GET', '/v1/me/incidents')).body as MyIncidents;
    expect(before).toMatchObject({ checkpoint: null, incidents: [] });

    const opened = await officer.request('POST', '/v1/ops/incidents', { title: 'Remote access from China', knownAt: new Date().toISOString(), home: 'JP', actorOutside: 'JP', from: yearAgo, to: today }, from('JP'));
    expect(opened.status).toBe(201);
    const { id } = opened.body as { id: string };

    const res = await hanako.request('GET', '/v1/me/incidents');
    expect(res.status).toBe(200);
    const mine = res.body as MyIncidents;
    expect(mine.checkpoint?.cell).toBe('jp');
    const incident = mine.incidents.find((i) => i.id === id);
    expect(incident).toMatchObject({ title: 'Remote access from China', organisations: [{ name: 'Shanghai Dev Ltd.', country: 'CN' }], actorCountries: ['CN'] });

    // The same entries as her own index in the log gives, counted independently.
    const me = (await hanako.request('GET', '/v1/me')).body as { id: string };
    const entries = (await server.runtime.logs.forJurisdiction('JP').entriesAbout({ subjectId: me.id, limit: 1000 }))
      .map((s) => ({ index: s.index, entry: JSON.parse(s.canonical) as { actorEmployer: string | null; decision: string; released: number; categories: string[] } }))
      .filter((s) => s.entry.actorEmployer === 'Shanghai Dev Ltd.' && s.entry.decision === 'allow' && s.entry.released > 0);
    expect(incident?.entries).toBe(entries.length);
    expect([...(incident?.log.indexes ?? [])].sort((a, b) => a - b)).toEqual(entries.map((e) => e.index).sort((a, b) => a - b));
    expect(incident?.categories.length).toBeGreaterThan(0);
    expect(incident?.response.join(' ')).toContain('Personal Information Protection Commission');
    const text = res.raw.toString();
    for (const other of ['taro', 'minato', 'op-shanghai']) expect(text).not.toContain(other);

    // A person of another home has none.
    const jiwoo = new ApiClient(server.url);
    await jiwoo.signIn('jiwoo', demoPassword);
    expect(((await jiwoo.request('GET', '/v1/me/incidents')).body as MyIncidents).incidents).toEqual([]);
    expect((await new ApiClient(server.url).request('GET', '/v1/me/incidents')).status).toBe(401);
  });
});

interface PolicyFiles {
  digest: string;
  files: { name: string; text: string }[];
}
interface DraftCheck {
  valid: boolean;
  code: string | null;
  digest: string | null;
  problems: { file: string; line: number; policyId?: string; message: string }[];
  diff: { id: string; change: string; before: string | null; after: string | null }[];
}
interface Decision {
  decision: string;
  policyIds: string[];
  digest: string;
}

const onDisk = (): Record<string, string> => Object.fromEntries(fs.readdirSync(policyDir).filter((f) => f.endsWith('.cedar')).map((f) => [f, fs.readFileSync(path.join(policyDir, f), 'utf8')]));
const SUPPORT_QUESTION = { operatorId: 'op-tokyo-support', action: 'read', subjectHome: 'JP', subjectClass: 'consumer', category: 'user.contact', purpose: 'SUPPORT_CASE', country: 'JP', grantApproved: true };
const EXTRA = '@id("console-test-no-support")\nforbid (principal, action, resource)\nwhen { context.purpose == Purpose::"SUPPORT_CASE" };\n';

describe('console changes', () => {
  it('checks a notice draft with the CLI validator and stores nothing; text that is not JSON is a 400', async () => {
    const file = path.join(import.meta.dirname, '../../registries/notices/jp-media-storage-kr.json');
    const notice = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const before = server.runtime.transfers.notices.all().length;
    const ok = await officer.request('POST', '/v1/ops/notices/validate', { draft: JSON.stringify(notice) }, from('JP'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, noticeId: notice.noticeId, version: notice.version, problems: [] });

    const broken = { ...notice, transfers: { destinations: [] } };
    const refused = (await officer.request('POST', '/v1/ops/notices/validate', { draft: JSON.stringify(broken) }, from('JP'))).body as { valid: boolean; problems: { code: string }[] };
    const expected = validateNotice(broken, server.runtime.transfers.registries);
    expect(refused.valid).toBe(false);
    expect(refused.problems).toEqual(expected.problems);
    expect(refused.problems.length).toBeGreaterThan(0);

    const garbage = await officer.request('POST', '/v1/ops/notices/validate', { draft: '{ not json' }, from('JP'));
    expect(garbage.status).toBe(400);
    expect((garbage.body as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    expect(server.runtime.transfers.notices.all().length).toBe(before);
  });

  it('checks a policy change against the schema (problems with file, line and policy id) and diffs it; nothing is written', async () => {
    const status = (await officer.request('GET', '/v1/ops/policies', undefined, from('JP'))).body as PolicyFiles & { schema: string };
    expect(status.schema).toContain('entity');
    expect(status.files.map((f) => f.name)).toEqual(Object.keys(onDisk()).sort());
    const disk = onDisk();

    const same = (await officer.request('POST', '/v1/ops/policies/check', { files: status.files }, from('JP'))).body as DraftCheck;
    expect(same).toMatchObject({ valid: true, digest: status.digest, diff: [] });

    const base = status.files.find((f) => f.name === 'base.cedar');
    if (!base) throw new Error('no base.cedar');
    const withExtra = [...status.files.filter((f) => f !== base), { name: 'base.cedar', text: base.text.replace('Purpose::"ABUSE_REPORT"', 'Purpose::"INCIDENT_RESPONSE"') }, { name: 'extra.cedar', text: EXTRA }];
    const changed = (await officer.request('POST', '/v1/ops/policies/check', { files: withExtra }, from('JP'))).body as DraftCheck;
    expect(changed.valid).toBe(true);
    expect(changed.diff.map((d) => [d.id, d.change])).toEqual([
      ['abuse-report', 'changed'],
      ['console-test-no-support', 'added'],
    ]);
    const dropped = (await officer.request('POST', '/v1/ops/policies/check', { files: status.files.filter((f) => f !== base) }, from('JP'))).body as DraftCheck;
    expect(dropped.diff.filter((d) => d.change === 'removed').map((d) => d.id)).toContain('support-case');

    // An attribute the schema does not declare: refused, located at the file, line and policy.
    const unknownAttribute = '// a comment line\n@id("bad-attr")\npermit (principal, action, resource)\nwhen { principal.shoeSize == 3 };\n';
    const invalid = (await officer.request('POST', '/v1/ops/policies/check', { files: [...status.files, { name: 'bad.cedar', text: unknownAttribute }] }, from('JP'))).body as DraftCheck;
    expect(invalid).toMatchObject({ valid: false, code: 'POLICY_INVALID', diff: [] });
    expect(invalid.problems[0]).toMatchObject({ file: 'bad.cedar', line: 4, policyId: 'bad-attr' });
    const syntax = (await officer.request('POST', '/v1/ops/policies/check', { files: [{ name: 'base.cedar', text: 'permit (principal, action, resource' }] }, from('JP'))).body as DraftCheck;
    expect(syntax).toMatchObject({ valid: false, code: 'POLICY_SYNTAX_ERROR' });
    expect(syntax.problems[0]?.file).toBe('base.cedar');

    for (const files of [[{ name: '../escape.cedar', text: EXTRA }], [], [{ name: 'a.cedar', text: EXTRA }, { name: 'a.cedar', text: EXTRA }]]) {
      const bad = await officer.request('POST', '/v1/ops/policies/check', { files }, from('JP'));
      expect(bad.status, JSON.stringify(files)).toBe(400);
    }
    expect(onDisk()).toEqual(disk);
  });

  it('applies a change (admins only): refused text and a stale base write nothing; a valid one is in force at once, journaled, and decides the what-if', async () => {
    const status = (await admin.request('GET', '/v1/ops/policies', undefined, from('JP'))).body as PolicyFiles;
    const engine = server.runtime.governance.policy().engine;
    const disk = onDisk();
    const ask = async (): Promise<Decision> => (await officer.request('POST', '/v1/ops/policies/what-if', SUPPORT_QUESTION, from('JP'))).body as Decision;

    const before = await ask();
    expect(before).toMatchObject({ decision: 'allow', digest: status.digest });
    expect(before.policyIds).toContain('support-case');

    const withExtra = [...status.files, { name: 'extra.cedar', text: EXTRA }];
    const byOfficer = await officer.request('POST', '/v1/ops/policies/apply', { files: withExtra, baseDigest: status.digest }, from('JP'));
    expect(byOfficer.status).toBe(403);

    const bad = await admin.request('POST', '/v1/ops/policies/apply', { files: [...status.files, { name: 'bad.cedar', text: 'permit (principal, action, resource) when { principal.shoeSize == 3 };' }], baseDigest: status.digest }, from('JP'));
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error).toMatchObject({ code: 'POLICY_REJECTED', details: { code: 'POLICY_INVALID' } });
    expect((bad.body as ErrorBody).error.message).toContain('bad.cedar');
    const stale = await admin.request('POST', '/v1/ops/policies/apply', { files: withExtra, baseDigest: 'f'.repeat(64) }, from('JP'));
    expect(stale.status).toBe(409);
    expect((stale.body as ErrorBody).error.code).toBe('POLICY_CHANGED');
    expect(onDisk()).toEqual(disk);
    expect(engine?.digest).toBe(status.digest);

    const jpLog = server.runtime.logs.forJurisdiction('JP');
    const logFrom = jpLog.size();
    const applied = await admin.request('POST', '/v1/ops/policies/apply', { files: withExtra, baseDigest: status.digest }, from('JP'));
    expect(applied.status).toBe(200);
    const { digest, changed } = applied.body as { digest: string; changed: { id: string; change: string }[] };
    expect(changed).toEqual([expect.objectContaining({ id: 'console-test-no-support', change: 'added' })]);
    expect(engine?.digest).toBe(digest);
    expect(onDisk()['extra.cedar']).toBe(EXTRA);

    const after = await ask();
    expect(after).toMatchObject({ decision: 'deny', policyIds: ['console-test-no-support'], digest });

    // Journaled for every jurisdiction's log, naming the admin (pseudonymised there) and the policy changed.
    await flushJournal(server.runtime);
    const rows = await server.runtime.cells.get(jpLog.cellId).db.selectFrom('log_entry').select('entry').where('idx', '>=', logFrom).execute();
    const entries = rows.map((r) => JSON.parse(r.entry) as AccessEntry).filter((e) => e.action === 'policy-apply');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorEmployer: 'Nihon Talk Corp', actorPhysicalCountry: 'JP', purpose: 'POLICY_ADMIN', caseRef: `policy:${digest.slice(0, 16)}`, policyIds: ['console-test-no-support'] });

    // Back to the set it started with (removing extra.cedar), for the other tests.
    const back = await admin.request('POST', '/v1/ops/policies/apply', { files: status.files, baseDigest: digest }, from('JP'));
    expect(back.status).toBe(200);
    expect(engine?.digest).toBe(status.digest);
    expect(onDisk()).toEqual(disk);
    expect((await ask()).decision).toBe('allow');
  });

  it('adds an operator (admins; same rules as the CLI; TOTP secret once) who can sign in', async () => {
    const input = { id: 'op-console-added', name: 'Console Added', employer: 'Nihon Talk Corp', employerCountry: 'JP', officeCountry: 'JP', roles: ['support'], password: 'console-added-password' };
    expect((await officer.request('POST', '/v1/ops/operators', input, from('JP'))).status).toBe(403);
    const wrongCountry = await admin.request('POST', '/v1/ops/operators', { ...input, employerCountry: 'KR' }, from('JP'));
    expect(wrongCountry.status).toBe(400);
    expect((wrongCountry.body as ErrorBody).error.message).toMatch(/does not match the recipients registry/);
    expect((await admin.request('POST', '/v1/ops/operators', { ...input, employer: 'Nowhere Inc' }, from('JP'))).status).toBe(400);
    expect((await admin.request('POST', '/v1/ops/operators', { ...input, roles: ['root'] }, from('JP'))).status).toBe(400);
    expect(await server.runtime.governance.operators.find(input.id)).toBeNull();

    const added = await admin.request('POST', '/v1/ops/operators', input, from('JP'));
    expect(added.status).toBe(201);
    const body = added.body as { operator: { id: string; employer: { id: string }; roles: string[]; disabled: boolean }; totpSecret: string; otpauthUri: string };
    expect(body.operator).toMatchObject({ id: input.id, employer: { id: 'nihon-talk' }, roles: ['support'], disabled: false });
    expect(body.otpauthUri).toContain(body.totpSecret);
    expect(JSON.stringify((await admin.request('GET', '/v1/ops/operators', undefined, from('JP'))).body)).not.toContain(body.totpSecret);
    expect((await admin.request('POST', '/v1/ops/operators', input, from('JP'))).status).toBe(409);

    const secret = base32Decode(body.totpSecret);
    if (!secret) throw new Error('not base32');
    const signIn = await new ApiClient(server.url).request('POST', '/v1/ops/auth/signin', { operatorId: input.id, password: input.password, code: hotp(secret, totpStep(Date.now() / 1000)) }, from('JP'));
    expect(signIn.status).toBe(200);
    await flushJournal(server.runtime);
    expect((await operatorEntries(server.runtime, 'JP', input.id)).map((e) => [e.action, e.actorEmployer, e.fields])).toEqual([['operator-add', 'Nihon Talk Corp', ['support']]]);
  });

  it('disables an operator (admins): their live socket closes at once; an admin cannot disable themselves', async () => {
    const self = await admin.request('POST', '/v1/ops/operators/op-tokyo-admin/disable', undefined, from('JP'));
    expect(self.status).toBe(409);
    expect((self.body as ErrorBody).error.code).toBe('CANNOT_DISABLE_SELF');
    expect((await admin.request('POST', '/v1/ops/operators/op-nobody-here/disable', undefined, from('JP'))).status).toBe(404);

    const id = await makeOperator(server, { roles: ['support'] });
    const victim = await signInOperator(server, id, from('JP'));
    const live = await operatorSocket(server, victim.token ?? '', from('JP'));
    expect((await officer.request('POST', `/v1/ops/operators/${id}/disable`, undefined, from('JP'))).status).toBe(403);

    const res = await admin.request('POST', `/v1/ops/operators/${id}/disable`, undefined, from('JP'));
    const answeredAt = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ operator: { id, disabled: true }, revokedSessions: 1, alreadyDisabled: false });
    const closed = await live.closed;
    expect(closed.code).toBe(4401);
    // Closed by the request itself, not by the next poll (250 ms).
    expect(closed.at - answeredAt).toBeLessThan(200);
    expect((await victim.request('GET', '/v1/ops/me', undefined, from('JP'))).status).toBe(401);
  });
});

describe('the incident report PDF in Japanese', () => {
  it('sets Japanese text in an embedded CJK font (kept as .tmp/screens/incident-pdf-ja.pdf to look at)', async () => {
    // Loud, not silent: without the font the title would print as empty boxes.
    expect(cjkFont(), 'no CJK font on this machine: apt-get install fonts-ipafont-gothic (.ci/run installs it)').not.toBeNull();
    const title = '中国からの遠隔アクセス（委託先エンジニア）';
    const opened = await officer.request('POST', '/v1/ops/incidents', { title, knownAt: new Date().toISOString(), home: 'JP', actorOutside: 'JP', from: yearAgo, to: today }, from('JP'));
    expect(opened.status).toBe(201);
    const { id } = opened.body as { id: string };
    const res = await fetch(`${server.url}/v1/ops/incidents/${id}/report/pdf?stage=preliminary`, { headers: { authorization: `Bearer ${officer.token ?? ''}`, ...from('JP') } });
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    const text = pdf.toString('latin1');
    // A subset of the CJK font is embedded (BaseFont /ABCDEF+IPAGothic), beside Helvetica.
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+(IPAGothic|NotoSansCJK)/);
    expect(text).toContain('/BaseFont /Helvetica');
    const out = path.join(import.meta.dirname, '../../.tmp/screens');
    fs.mkdirSync(out, { recursive: true });
    const file = path.join(out, 'incident-pdf-ja.pdf');
    fs.writeFileSync(file, pdf);
  });
});

// Last in the file: it changes the JP log.
describe('GET /v1/me/incidents after a verification was remembered', () => {
  it('still refuses an entry changed since (the root is recomputed from the entries read)', async () => {
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', demoPassword);
    const first = await hanako.request('GET', '/v1/me/incidents');
    expect(first.status).toBe(200);
    const { checkpoint } = first.body as MyIncidents;
    expect(checkpoint).not.toBeNull();
    // Same checkpoint, so the full verification is skipped now; one stored entry is changed below it.
    const db = server.runtime.cells.get('jp').db;
    const row = await db.selectFrom('log_entry').select('entry').where('idx', '=', 3).executeTakeFirstOrThrow();
    await db.updateTable('log_entry').set({ entry: row.entry.replace('"released":', '"released":1') }).where('idx', '=', 3).execute();
    const second = await hanako.request('GET', '/v1/me/incidents');
    expect(second.status).toBe(500);
    expect((second.body as ErrorBody).error.code).toBe('LOG_INCONSISTENT');
  });
});
