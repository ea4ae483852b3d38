// The foreign-handling statement and the disclosure, computed from state: on the demo world
// (Japanese users' images kept in Korea, a replayed history of access from China), through the
// API and the CLI; and the "Japan only" sentence, which appears only once storage and access
// of Japanese users' data are Japanese alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPng } from '../../src/demo/png.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

type Category = { category: string; storedIn: string[]; accessedFrom: string[]; transferredTo: string[] };
type Home = { home: string; storedIn: string[]; accessedFrom: string[]; onlyHome: boolean; statement: string; categories: Category[] };
type Statement = { window: { from: string; to: string }; jurisdictions: Home[] };

const ONLY_JAPAN = 'All personal data of users in Japan is stored and handled only in Japan.';

const home = (s: Statement, code: string): Home => {
  const found = s.jurisdictions.find((j) => j.home === code);
  if (!found) throw new Error(`no ${code} in the statement`);
  return found;
};
const category = (h: Home, name: string): Category | undefined => h.categories.find((c) => c.category === name);

describe('on the demo world', () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('lists KR as a storage country of Japanese users’ images and CN as a country of access', async () => {
    const res = await new ApiClient(demo.url).request('GET', '/v1/foreign-handling');
    expect(res.status).toBe(200);
    const jp = home(res.body as Statement, 'JP');
    expect(category(jp, 'user.content.media')?.storedIn).toContain('KR');
    expect(category(jp, 'user.content.media')?.accessedFrom).toContain('CN');
    expect(category(jp, 'user.content.media')?.transferredTo).toEqual(['KR']);
    expect(jp.accessedFrom).toEqual(expect.arrayContaining(['CN', 'JP']));
    expect(jp.onlyHome).toBe(false);
    expect(jp.statement).not.toContain('only in Japan');
    expect(jp.statement).toContain('South Korea (KR)');
    expect(jp.statement).toContain('China (CN)');
    // Min-jun's messages in the JP-stored chat: Korean users' messages are stored in Japan too.
    expect(category(home(res.body as Statement, 'KR'), 'user.content.message')?.storedIn).toEqual(['JP', 'KR']);

    const text = await new ApiClient(demo.url).request('GET', '/v1/foreign-handling?format=text');
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(text.raw.toString()).toContain('South Korea (KR): stores user.content.media');
    expect((await new ApiClient(demo.url).request('GET', '/v1/foreign-handling?since=2026-02-30')).status).toBe(400);
    // Windows are bounded (issue 14.7): a day within the last 3 years and before today, no other.
    const day = (yearsBack: number, daysBack = 0) => {
      const d = new Date();
      d.setUTCFullYear(d.getUTCFullYear() - yearsBack);
      d.setUTCDate(d.getUTCDate() - daysBack);
      return d.toISOString().slice(0, 10);
    };
    const since = async (value: string) => (await new ApiClient(demo.url).request('GET', `/v1/foreign-handling?since=${value}`)).status;
    expect(await since(day(2))).toBe(200);
    expect(await since(day(0, 1))).toBe(200);
    expect(await since(day(3, 1))).toBe(400);
    expect(await since('1970-01-01')).toBe(400);
    expect(await since(day(0))).toBe(400);
    expect(await since(day(-1))).toBe(400);
  });

  it('discloses to hanako where her data is, her image transfers to Korea and the accesses about her', async () => {
    const hanako = new ApiClient(demo.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const d = (await hanako.request('GET', '/v1/me/disclosure')).body as {
      storedIn: string[];
      held: { category: string; storedIn: { country: string }[] }[];
      transfers: { destination: string; basis: string; items: number; recipient: { id: string } }[];
      accesses: { physicalCountry: string | null; organisation: string | null; purpose: string; log: { cell: string; index: number } }[];
    };
    expect(d.storedIn).toEqual(['JP', 'KR']);
    expect(d.held.find((h) => h.category === 'user.content.media')?.storedIn.map((s) => s.country)).toEqual(['KR']);
    expect(d.transfers).toEqual([expect.objectContaining({ destination: 'KR', basis: 'conforming-system', items: 2, recipient: expect.objectContaining({ id: 'seoul-cloud' }) })]);
    expect(d.accesses.some((a) => a.physicalCountry === 'CN' && a.organisation === 'Shanghai Dev Ltd.')).toBe(true);
    expect(d.accesses.some((a) => a.purpose === 'SUPPORT_CASE' && a.physicalCountry === 'JP')).toBe(true);
    expect(d.accesses.every((a) => a.log.cell === 'jp')).toBe(true);
    // The entries never reveal who else was named in them.
    expect(JSON.stringify(d.accesses)).not.toContain('taro');
  });
});

describe('the CLI on the demo', () => {
  it('`report foreign-handling --json` and `report disclosure --subject` say the same as the API', async () => {
    const { file } = writeTestConfig();
    expect((await runDomicile(['demo', '--config', file])).code).toBe(0);
    const fh = await runDomicile(['report', 'foreign-handling', '--json', '--config', file]);
    expect(fh.code).toBe(0);
    const jp = home(JSON.parse(fh.stdout) as Statement, 'JP');
    expect(category(jp, 'user.content.media')?.storedIn).toContain('KR');
    expect(jp.accessedFrom).toContain('CN');

    const text = await runDomicile(['report', 'foreign-handling', '--config', file]);
    expect(text.stdout).toContain('Personal data of users in Japan is stored in Japan (JP) and South Korea (KR).');
    expect(text.stdout).not.toContain(ONLY_JAPAN);

    const disclosure = await runDomicile(['report', 'disclosure', '--subject', 'minjun', '--config', file]);
    expect(disclosure.code).toBe(0);
    expect(disclosure.stdout).toContain('kr-messages-jp v2 — given');
    expect(disclosure.stdout).toMatch(/user\.content\.message × 1 → JP, Nihon Talk Corp; basis consent/);
    // His memberships of the JP-stored chats, the group and the city's channel, each through the gate.
    expect(disclosure.stdout).toMatch(/user\.content\.conversation\.membership × 3 → JP, Nihon Talk Corp; basis consent/);
    expect((await runDomicile(['report', 'disclosure', '--subject', 'nobody-here', '--config', file])).code).toBe(1);
    expect((await runDomicile(['report', 'disclosure', '--config', file])).code).toBe(2);
  });
});

describe('the "Japan only" sentence', () => {
  let jpOnly: TestServer;
  beforeAll(async () => {
    // No placement rule moves anything: Japanese users' images stay in the JP cell.
    jpOnly = await startTestServer({ rules: [] });
  });
  afterAll(async () => {
    await jpOnly.close();
  });

  it('appears once media placement and access are JP only', async () => {
    const kana = new ApiClient(jpOnly.url);
    await kana.signUp({ handle: 'kana' });
    const ren = new ApiClient(jpOnly.url);
    await ren.signUp({ handle: 'ren' });
    const conversationId = ((await kana.request('POST', '/v1/conversations', { kind: 'direct', memberIds: ['ren'] })).body as { id: string }).id;
    await kana.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId: 'a', text: 'hello' });
    const upload = await kana.request('POST', `/v1/conversations/${conversationId}/media`, gradientPng(4, 4, [1, 1, 1], [2, 2, 2]), { 'content-type': 'image/png' });
    expect(await jpOnly.runtime.directory.locations.find('media', (upload.body as { id: string }).id)).toBe('jp');
    await jpOnly.runtime.logs.recordAccess({
      eventId: 'jp-only-1',
      time: new Date().toISOString(),
      actor: 'op-tokyo-support',
      actorEmployer: 'Nihon Talk Corp',
      actorEmployerCountry: 'JP',
      actorOfficeCountry: 'JP',
      actorPhysicalCountry: 'JP',
      subjectJurisdiction: 'JP',
      subjects: ['kana'],
      categories: ['user.content.media'],
      fields: ['image'],
      action: 'read',
      purpose: 'SUPPORT_CASE',
      caseRef: 'T-2001',
      grantId: null,
      decision: 'allow',
      policyIds: ['support-case'],
      released: 1,
    });

    const statement = (await new ApiClient(jpOnly.url).request('GET', '/v1/foreign-handling')).body as Statement;
    const jp = home(statement, 'JP');
    expect(category(jp, 'user.content.media')).toMatchObject({ storedIn: ['JP'], accessedFrom: ['JP'], transferredTo: [] });
    expect(jp.onlyHome).toBe(true);
    expect(jp.statement).toBe(ONLY_JAPAN);
    const text = (await new ApiClient(jpOnly.url).request('GET', '/v1/foreign-handling?format=text')).raw.toString();
    expect(text.split(ONLY_JAPAN)).toHaveLength(2);
  });
});
