// The governance console's read-only pages and the person's view of an incident (issue 11):
// privacy officers and admins read the data map, recipients, notices, policies and operators;
// other operators are refused. A person sees the incidents whose verified log entries released
// their data — their own categories and the actors' countries, never anyone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { from, signInOperator, type ErrorBody } from '../broker/support.js';
import { demoPassword } from '../../src/demo/demo.world.js';
import { scanResidency } from '../../src/cells/residency.scan.js';

let server: TestServer;
// One sign-in per operator for the file: each TOTP code works once, so a second sign-in waits for the next step.
let officer: ApiClient;
const today = new Date().toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
  officer = await signInOperator(server, 'op-tokyo-privacy', from('JP'));
}, 120_000);
afterAll(async () => {
  await server.close();
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
