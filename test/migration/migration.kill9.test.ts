// Invariant 7 for a region migration: the serving process running the job (handed to it by
// `migrate start`, whose watching CLI dies with it) is killed with -9 in its copy (and verify)
// phase, during the switch's catch-up, and while it shreds (on SQLite; see `plans`), over several cycles, while it takes
// payments between crashes; each restarted server resumes the job by itself. At the end: the job is done, every record that was there and every acknowledged payment is in the
// JP cell exactly once, nothing of JP's moved data is left in KR (rows, blobs, data keys — read
// straight from the databases and the blob folder), residency is clean, the ledger adds up and the
// receipt verifies. Both dialects: SQLite cells and directory, then PostgreSQL ones.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Dialect } from '../../src/db/connect.js';
import { gradientPng } from '../../src/demo/png.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { dialects } from '../support/databases.js';
import { spawnDomicile, spawnServer } from '../support/process.js';
import { rawStore } from '../support/raw-store.js';
import { ApiClient, testLimits } from '../support/server.js';
import { storesOn } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const move = ['--home', 'JP', '--category', 'user.content.media,user.financial', '--to', 'jp'];

/**
 * PostgreSQL's pass is the lighter one (the suite's time; each server or CLI process costs 2–4 s of
 * CPU): half the people, one kill while copying instead of two, none while shredding (the shred's
 * SQL is the same on both dialects and SQLite's pass kills it), and no CLI watching between the
 * kills (the restarted server resumes by itself: what this pass proves of PostgreSQL is the copy,
 * the change capture and the fenced catch-up resumed there, the data checked in its tables).
 */
const plans: Record<Dialect, { people: number; copyKills: number; shredKill: boolean; watcher: boolean }> = {
  sqlite: { people: 24, copyKills: 2, shredKill: true, watcher: true },
  postgres: { people: 12, copyKills: 1, shredKill: false, watcher: false },
};

describe.each(dialects)('a region migration across kill -9 (%s)', (dialect) => {
  const plan = plans[dialect];
  it('finishes after crashes in copy, catch-up and shred with nothing lost, duplicated or left readable', async () => {
    const { file, dataDir } = writeTestConfig({
      ...(await storesOn(dialect)),
      placement: { rules: [{ home: 'JP', category: 'user.content.media', cell: 'kr' }, { home: 'JP', category: 'user.financial', cell: 'kr' }] },
      limits: testLimits,
      pay: { simulatedFunding: true },
    });
    const config = loadConfig({ file });
    const cellOf = (id: string) => config.cells.find((c) => c.id === id) as (typeof config.cells)[number];
    const kr = rawStore(cellOf('kr').database);
    const jp = rawStore(cellOf('jp').database);
    const directory = rawStore(config.directoryDatabase);
    let server = await spawnServer({ configFile: file, demo: true });
    try {
      // Enough JP wallets, payments and images that the copy takes a while.
      const people: ApiClient[] = [];
      for (let i = 0; i < plan.people; i++) {
        const client = new ApiClient(server.url);
        await client.signUp({ handle: `k9user${i}`, home: 'JP' });
        await client.request('POST', '/v1/pay/topups', { amount: 50_000, idempotencyKey: `topup-key-${i}` });
        people.push(client);
      }
      for (let i = 0; i < people.length; i++) {
        const client = people[i] as ApiClient;
        const peer = `k9user${(i + 1) % people.length}`;
        const paid = await client.request('POST', '/v1/pay/payments', { to: peer, amount: 100, currency: 'JPY', idempotencyKey: `seed-pay-${i}` });
        expect(`${paid.status} ${JSON.stringify(paid.body).slice(30, 230)}`).toMatch(/^201/);
        const chat = (await client.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [peer] })).body as { id: string };
        await client.request('POST', `/v1/conversations/${chat.id}/media`, gradientPng(40 + i, 30, [i * 9, 40, 200], [250, i * 7, 10]), { 'content-type': 'image/png' });
      }
      const ids = async (store: typeof kr, table: string) => (await store.rows<{ id: string }>(`select id from ${table} where scope_home = 'JP'`)).map((r) => r.id);
      // PostgreSQL returns a count as a string.
      const postingsIn = async (store: typeof kr) => Number((await store.rows<{ n: number | string }>(`select count(*) as n from posting where scope_home = 'JP'`))[0]?.n ?? 0);
      const before = { payments: await ids(kr, 'payment'), media: await ids(kr, 'media'), postings: await postingsIn(kr) };
      expect(before.media.length).toBeGreaterThanOrEqual(plan.people);

      // Payments keep coming through the server during every cycle; each is retried with its key until acknowledged.
      const acknowledged = new Set<string>();
      const refusals = new Set<string>();
      let paying = true;
      const token = (people[0] as ApiClient).token;
      const payer = () => Object.assign(new ApiClient(server.url), { token });
      const payments = (async () => {
        for (let i = 0; paying; i++) {
          // Retried with the same key while the server is down (or the fence outlasts the server's wait).
          for (let attempt = 0; attempt < 600; attempt++) {
            const res = await payer()
              .request('POST', '/v1/pay/payments', { to: 'k9user1', amount: 1, currency: 'JPY', idempotencyKey: `during-pay-${i}` })
              .catch(() => null);
            if (res && (res.status === 201 || res.status === 200)) {
              acknowledged.add((res.body as { payment: { id: string } }).payment.id);
              break;
            }
            if (res) refusals.add(`${res.status} ${(res.body as { error?: { code?: string } } | null)?.error?.code ?? ''}`);
            await sleep(100);
          }
          await sleep(30);
        }
      })();

      const phaseOf = async () => (await directory.rows<{ id: string; phase: string }>('select id, phase from migration_job'))[0];
      let watcher = spawnDomicile(['migrate', 'start', ...move, '--actor', 'op-tokyo-admin', '--yes', '--config', file]);
      // Kills the server (and the CLI watching it, which would otherwise take the job over) in `phase`, then starts a new server.
      const killAt = async (phase: string, delayMs: number) => {
        for (let now = await phaseOf(); now?.phase !== phase && now?.phase !== 'done'; now = await phaseOf()) await sleep(5);
        await sleep(delayMs);
        const killed = (await phaseOf())?.phase === phase;
        await watcher.kill9();
        await server.kill9();
        server = await spawnServer({ configFile: file, demo: true });
        return killed;
      };
      let crashes = 0;
      if (await killAt('copying', 50)) crashes++;
      const id = ((await phaseOf()) as { id: string }).id;
      // The restarted server resumes the job at start; killed again while copying, in the catch-up, while shredding.
      if (plan.copyKills > 1 && (await killAt('copying', 0))) crashes++;
      if (plan.watcher) watcher = spawnDomicile(['migrate', 'resume', id, '--config', file]);
      if (await killAt('catching-up', 0)) crashes++;
      if (plan.shredKill && (await killAt('shredding', 0))) crashes++;
      // The last server finishes it; `resume` (here, not in a process of its own) only watches it to the end.
      const last = await runDomicile(['migrate', 'resume', id, '--config', file]);
      expect(last.stderr).toBe('');
      expect(last.code).toBe(0);
      // A phase may pass between two looks on a fast machine (a quiet CI run once saw 2 of 4).
      expect(crashes).toBeGreaterThanOrEqual(2);
      paying = false;
      await payments;
      // The only refusal a payment may meet is the switch's fence; no 500 while the server writes the same SQLite files.
      expect([...refusals].filter((r) => r !== '503 CELL_UNAVAILABLE')).toEqual([]);
      expect((await phaseOf())?.phase).toBe('done');

      // Nothing lost or duplicated: every record and every acknowledged payment is in JP once.
      const inJp = await ids(jp, 'payment');
      expect(new Set(inJp).size).toBe(inJp.length);
      for (const p of [...before.payments, ...acknowledged]) expect(inJp).toContain(p);
      expect((await ids(jp, 'media')).sort()).toEqual([...before.media].sort());
      expect(await postingsIn(jp)).toBeGreaterThanOrEqual(before.postings + acknowledged.size * 2);

      // Nothing readable left in KR: no rows, no blob files, no data keys of the moved categories.
      for (const table of ['payment', 'posting', 'wallet', 'media']) expect(await kr.rows(`select 1 from ${table} where scope_home = 'JP'`)).toEqual([]);
      for (const m of before.media) expect(fs.existsSync(path.join(cellOf('kr').blobDir, m))).toBe(false);
      const jpSubjects = (await directory.rows<{ id: string }>(`select id from subject where home = 'JP'`)).map((r) => `'${r.id}'`).join(',');
      expect(await kr.rows(`select id from data_key where subject_id in (${jpSubjects}) and (category like 'user.financial%' or category = 'user.content.media')`)).toEqual([]);

      const cli = (...args: string[]) => runDomicile([...args, '--config', file]);
      expect((await cli('report', 'residency', '--json')).code).toBe(0);
      expect((await cli('pay', 'audit', '--json')).code).toBe(0);
      const receipt = path.join(dataDir, 'receipt.json');
      const manifest = path.join(dataDir, 'manifest.jsonl');
      expect((await cli('migrate', 'receipt', id, '--out', receipt)).code).toBe(0);
      expect((await cli('migrate', 'manifest', id, '--out', manifest)).code).toBe(0);
      expect(await runDomicile(['migrate', 'verify-receipt', receipt, '--manifest', manifest])).toMatchObject({ code: 0 });
      const listed = fs.readFileSync(manifest, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
      expect(new Set(listed).size).toBe(listed.length);
      for (const m of before.media) expect(listed).toContain(`media:${m}`);
      for (const p of before.payments) expect(listed).toContain(`payment:${p}`);
    } finally {
      await server.stop();
      await Promise.all([kr.close(), jp.close(), directory.close()]);
    }
  }, 600_000);
});
