// Issue 16 item 2, held against an adversary: a person's access history shows them only what
// concerns them. A reported user reading her own history must not learn who reported her nor the
// moderator's operator id; after a bulk read naming hundreds of people, no one sees the others'
// ids. Each entry still proves, in the browser's own verifier, that it is in the signed log and
// that it is about this person (their salt opens one of its commitments, and only theirs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMITMENT } from '../../../src/governance/log/entry.js';
import { verifyCellLog } from '../../../src/governance/log/log.verify.js';
import { verifyAccessesPage } from '../../../web/src/proof.js';
import type { AccessesPage, LogKeys } from '../../../web/src/types.js';
import { accessEntry } from '../../log/support.js';
import { dialects } from '../../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../../support/server.js';
import { entriesAbout, from, makeOperator, signInOperator } from '../../broker/support.js';

type Message = { id: string; senderId: string; kind: string };

async function fullPage(client: ApiClient): Promise<AccessesPage> {
  // Entries newer than the checkpoint get their proof with the next one (≤ 1 s).
  for (let i = 0; ; i++) {
    const page = (await client.request('GET', '/v1/me/accesses?limit=500')).body as AccessesPage;
    if (page.accesses.every((a) => a.inclusionProof !== null) || i > 40) return page;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.each(dialects)('a person’s own access history (%s cells)', (dialect) => {
  let server: TestServer;
  let taro: ApiClient;
  let moderatorId = '';
  const others = Array.from({ length: 300 }, (_, i) => `bulk-person-${i}`);

  beforeAll(async () => {
    server = await startTestServer({ demo: true, dialect, trustedProxies: ['127.0.0.1'] });
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const chat = ((await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string; title: string }[] }).conversations.find(
      (c) => c.kind === 'direct' && c.title === 'Taro Suzuki',
    );
    const messages = ((await hanako.request('GET', `/v1/conversations/${chat?.id}/messages`)).body as { messages: Message[] }).messages;
    const fromTaro = messages.find((m) => m.senderId === 'taro' && m.kind === 'text');
    const report = await hanako.request('POST', `/v1/conversations/${chat?.id}/messages/${fromTaro?.id}/report`, { reason: 'harassment' });
    const ref = (report.body as { caseRef: string }).caseRef;
    moderatorId = await makeOperator(server, { roles: ['moderator'], id: 'op-moderator-rin' });
    const moderator = await signInOperator(server, moderatorId, from('JP'));
    // The moderator reads the reported message, then asks about both parties of the report:
    // the second is refused, and its log entry names the reporter and the reported.
    expect((await moderator.request('GET', `/v1/ops/moderation/reports/${ref}/message`, undefined, from('JP'))).status).toBe(200);
    await moderator.request('POST', '/v1/ops/access', { purpose: 'ABUSE_REPORT', caseRef: ref, subjects: ['taro', 'hanako'], categories: ['user.contact'] }, from('JP'));
    const both = (await entriesAbout(server, 'taro')).find((e) => e.subjects.includes('hanako') && e.actor === moderatorId);
    expect(both, 'an entry naming reporter and reported, by the moderator').toBeDefined();
    // A bulk read naming taro among 300 others, as the broker records one.
    await server.runtime.logs.recordAccess(accessEntry(1, { eventId: 'bulk-read-1', actor: 'op-tokyo-support', subjects: [...others.slice(0, 150), 'taro', ...others.slice(150)] }));
    taro = new ApiClient(server.url);
    await taro.signIn('taro', 'domicile-demo');
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  it('shows no other person’s id and no operator id, while every entry verifies as about taro', async () => {
    const page = await fullPage(taro);
    expect(page.subject).toBe('taro');
    expect(page.accesses.some((a) => a.entry.eventId === 'bulk-read-1')).toBe(true);
    const text = JSON.stringify(page);
    for (const leaked of ['hanako', moderatorId, 'op-tokyo-support', 'bulk-person-0', 'bulk-person-299']) expect(text, leaked).not.toContain(leaked);
    for (const { entry } of page.accesses) {
      expect(entry.subjects.every((s) => COMMITMENT.test(s))).toBe(true);
      expect(COMMITMENT.test(entry.actor) || entry.actor.startsWith('system:')).toBe(true);
    }
    // What the privacy pane still shows: organisation, countries, purpose, categories, time.
    const bulk = page.accesses.find((a) => a.entry.eventId === 'bulk-read-1')?.entry;
    expect(bulk).toMatchObject({ actorEmployer: 'Nihon Talk Corp', actorEmployerCountry: 'JP', purpose: 'SUPPORT_CASE', categories: ['user.contact.phone_number'] });
    expect(bulk?.subjects).toHaveLength(301);

    const keys = (await taro.request('GET', '/.well-known/domicile/log-keys.json')).body as LogKeys;
    const result = await verifyAccessesPage(page, keys);
    expect(result.checkpointError).toBeNull();
    expect(result.entries.map((e) => e.status)).toEqual(page.accesses.map(() => 'verified'));
  });

  it('fails an entry that is not about the person: another salt, or another person’s page', async () => {
    const page = await fullPage(taro);
    const keys = (await taro.request('GET', '/.well-known/domicile/log-keys.json')).body as LogKeys;
    const swapped: AccessesPage = JSON.parse(JSON.stringify(page)) as AccessesPage;
    const target = swapped.accesses[0];
    if (!target) throw new Error('taro has no accesses');
    target.subjectSalt = 'AAAAAAAAAAAAAAAAAAAAAA';
    const asHanako: AccessesPage = { ...(JSON.parse(JSON.stringify(page)) as AccessesPage), subject: 'hanako' };
    const [one, all] = await Promise.all([verifyAccessesPage(swapped, keys), verifyAccessesPage(asHanako, keys)]);
    expect(one.entries.find((e) => e.index === target.index)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not about you/) as unknown });
    expect(all.entries.every((e) => e.status === 'failed')).toBe(true);
  });

  it('keeps the operator side whole: the log verifies, openings included', async () => {
    await server.runtime.logs.forJurisdiction('JP').checkpoint();
    expect((await verifyCellLog({ cellId: 'jp', db: server.runtime.cells.get('jp').db })).problem).toBeNull();
    // An edited opening (another operator named beside an entry) is found.
    const db = server.runtime.cells.get('jp').db;
    const row = await db.selectFrom('log_entry').select(['idx']).where('actor_id', '=', moderatorId).executeTakeFirstOrThrow();
    await db.updateTable('log_entry').set({ actor_id: 'op-tokyo-admin' }).where('idx', '=', row.idx).execute();
    const found = await verifyCellLog({ cellId: 'jp', db });
    expect(found.problem).toMatchObject({ kind: 'index', at: Number(row.idx) });
    await db.updateTable('log_entry').set({ actor_id: moderatorId }).where('idx', '=', row.idx).execute();
  });
});
