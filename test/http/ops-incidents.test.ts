// The console's incident routes: privacy officers and admins only, from where they work; bad
// input is a 400 that writes nothing; the report is the verified log's, as JSON and as files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfTextRuns } from '../support/pdf.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { from, signInOperator, type ErrorBody } from '../broker/support.js';

let server: TestServer;
const today = new Date().toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer({ demo: true, trustedProxies: ['127.0.0.1'] });
}, 120_000);
afterAll(async () => {
  await server.close();
});

interface ReportBody {
  entries: number;
  subjects: number;
  checkpoint: { cell: string; size: number }[];
  actors: { actor: string; employer: string }[];
  deadlines: { rule: string; applies: boolean; daysLeft: number | null }[];
  items: { id: string; toBeWritten: boolean }[];
  incident: { id: string };
}

describe('/v1/ops/incidents', () => {
  it('lets a privacy officer open an incident and read its report; others get 403', async () => {
    const support = await signInOperator(server, 'op-tokyo-support', from('JP'));
    const refused = await support.request('GET', '/v1/ops/incidents', undefined, from('JP'));
    expect(refused.status).toBe(403);
    expect((refused.body as ErrorBody).error.message).toContain('privacy-officer or admin role');

    const officer = await signInOperator(server, 'op-tokyo-privacy', from('JP'));
    const scope = { home: 'JP', actorOutside: 'JP', from: yearAgo, to: today };
    for (const bad of [{ ...scope, title: 'x', knownAt: 'yesterday' }, { ...scope, title: 'x', knownAt: '2026-11-01T00:00:00Z', home: 'XX' }, { ...scope, title: 'x', knownAt: '2026-11-01T00:00:00Z', extra: 1 }]) {
      const res = await officer.request('POST', '/v1/ops/incidents', bad, from('JP'));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await officer.request('GET', '/v1/ops/incidents', undefined, from('JP'))).body).toEqual({ incidents: [] });

    const knownAt = new Date(Date.now() - 86_400_000).toISOString();
    const opened = await officer.request('POST', '/v1/ops/incidents', { ...scope, title: 'Remote access from China', knownAt, wrongfulPurpose: true }, from('JP'));
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const { id } = opened.body as { id: string };
    expect(((await officer.request('GET', '/v1/ops/incidents', undefined, from('JP'))).body as { incidents: { id: string; createdBy: string }[] }).incidents).toMatchObject([{ id, createdBy: 'op-tokyo-privacy' }]);

    const report = await officer.request('GET', `/v1/ops/incidents/${id}/report?stage=final`, undefined, from('JP'));
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const body = report.body as ReportBody;
    expect(body.incident.id).toBe(id);
    expect(body.entries).toBeGreaterThan(0);
    expect(body.checkpoint[0]?.cell).toBe('jp');
    expect(new Set(body.actors.map((a) => a.employer))).toEqual(new Set(['Shanghai Dev Ltd.']));
    expect(body.deadlines.find((d) => d.rule === 'jp-ppc-preliminary')).toMatchObject({ applies: true, daysLeft: 3 });
    expect(body.items.filter((i) => i.toBeWritten).length).toBeGreaterThan(0);

    const pdf = await fetch(`${server.url}/v1/ops/incidents/${id}/report/pdf?stage=final`, { headers: { authorization: `Bearer ${officer.token ?? ''}`, ...from('JP') } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="${id}-final.pdf"`);
    const runs = pdfTextRuns(new Uint8Array(await pdf.arrayBuffer()));
    expect(runs.join('|')).toContain(`|Entries|${body.entries}|`);
    const csv = await fetch(`${server.url}/v1/ops/incidents/${id}/report/csv`, { headers: { authorization: `Bearer ${officer.token ?? ''}`, ...from('JP') } });
    expect(await csv.text()).toContain(`Figures,People whose data was released,Value,${body.subjects}`);

    expect((await officer.request('GET', '/v1/ops/incidents/inc-0000000000/report', undefined, from('JP'))).status).toBe(404);
    expect((await officer.request('GET', `/v1/ops/incidents/${id}/report/docx`, undefined, from('JP'))).status).toBe(400);
    expect((await officer.request('GET', `/v1/ops/incidents/${id}/report?stage=draft`, undefined, from('JP'))).status).toBe(400);
  });

  it('shows the log status and verifies a cell log on request (privacy officers, admins)', async () => {
    const support = await signInOperator(server, 'op-tokyo-support', from('JP'));
    expect((await support.request('GET', '/v1/ops/logs', undefined, from('JP'))).status).toBe(403);
    const officer = await signInOperator(server, 'op-tokyo-privacy', from('JP'));
    const list = (await officer.request('GET', '/v1/ops/logs', undefined, from('JP'))).body as { logs: { cell: string; size: number; lastVerification: unknown }[] };
    expect(list.logs.map((l) => l.cell)).toEqual(['jp', 'kr']);
    expect(list.logs[0]?.size).toBe(server.runtime.logs.get('jp').size());
    const verified = await officer.request('POST', '/v1/ops/logs/jp/verify', undefined, from('JP'));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ cell: 'jp', lastVerification: { ok: true, problem: null } });
    expect((await officer.request('POST', '/v1/ops/logs/zz/verify', undefined, from('JP'))).status).toBe(404);
  });
});
