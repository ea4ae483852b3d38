// The invitation accept under kill -9 (issue 16.3): Korean people invited to a group stored in
// Japan consent and accept while the server is killed. After a restart, every accept that was
// acknowledged has its membership in the JP cell exactly once, its transfer on record in the KR
// cell, and no invitation left; nobody who did not accept is a member; the residency scan is clean.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runDomicile, writeTestConfig } from '../../support/cli.js';
import { spawnServer } from '../../support/process.js';
import { ApiClient } from '../../support/server.js';

describe('invitation accepts under kill -9', () => {
  it('keeps every acknowledged accept as one membership abroad with its transfer record', async () => {
    const { file, dataDir } = writeTestConfig({ limits: { signupsPerAddressPerHour: 1000 } });
    const server = await spawnServer({ configFile: file, demo: true });
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');

    const people: { id: string; client: ApiClient }[] = [];
    for (let i = 0; i < 40; i++) {
      const client = new ApiClient(server.url);
      const id = `inv${String(i).padStart(3, '0')}`;
      await client.signUp({ handle: id, home: 'KR' });
      people.push({ id, client });
    }
    const group = (await hanako.request('POST', '/v1/conversations', { kind: 'group', memberIds: people.map((p) => p.id), title: 'Kill test' })).body as { id: string };
    for (const p of people) expect((await p.client.request('POST', '/v1/me/consents', { noticeId: 'kr-messages-jp' })).status).toBe(201);

    const acked = new Set<string>();
    let next = 0;
    const accepters = Array.from({ length: 4 }, async () => {
      while (next < people.length) {
        const person = people[next++];
        if (!person) break;
        const res = await person.client.request('POST', `/v1/conversations/${group.id}/accept`).catch(() => null);
        if (res?.status === 204) acked.add(person.id);
      }
    });
    while (acked.size < 12) await new Promise((r) => setTimeout(r, 2));
    await server.kill9();
    await Promise.all(accepters);
    expect(acked.size).toBeGreaterThanOrEqual(12);

    const again = await spawnServer({ configFile: file });
    await again.stop();

    const jp = new Database(path.join(dataDir, 'jp.sqlite'), { readonly: true });
    const kr = new Database(path.join(dataDir, 'kr.sqlite'), { readonly: true });
    try {
      const members = jp.prepare("select subject_id, count(*) as n from membership where conversation_id = ? and subject_home = 'KR' group by subject_id").all(group.id) as { subject_id: string; n: number }[];
      const memberIds = new Set(members.map((m) => m.subject_id));
      for (const id of acked) {
        expect(members.find((m) => m.subject_id === id)?.n).toBe(1);
        const record = kr.prepare("select item_count from transfer_record where subject_id = ? and data_category = 'user.content.conversation.membership' and destination = 'JP'").get(id) as { item_count: number } | undefined;
        expect(record?.item_count).toBeGreaterThanOrEqual(1);
        expect(kr.prepare('select count(*) as n from invitation where subject_id = ? and conversation_id = ?').get(id, group.id)).toEqual({ n: 0 });
      }
      // Every membership abroad rests on a transfer record, acknowledged or not.
      for (const id of memberIds) {
        expect(kr.prepare("select count(*) as n from transfer_record where subject_id = ? and data_category = 'user.content.conversation.membership'").get(id)).toEqual({ n: 1 });
      }
      // Those who never got as far as the membership are still invited, at home.
      const invited = kr.prepare('select subject_id from invitation where conversation_id = ?').all(group.id) as { subject_id: string }[];
      for (const p of people) expect(memberIds.has(p.id) || invited.some((r) => r.subject_id === p.id)).toBe(true);
    } finally {
      jp.close();
      kr.close();
    }
    const scan = await runDomicile(['report', 'residency', '--config', file]);
    expect(scan.stdout).toMatch(/OK: every personal-data row and blob sits in the cell/);
  }, 240_000);
});
