// The story's remedy, end to end: the demo world's JP images and payment data move from the KR
// cell home to JP with `domicile migrate start`, run by the CLI while a server keeps serving and
// people keep paying. Afterwards residency is clean, the foreign-handling statement no longer
// lists storage in KR for JP data, every acknowledged payment is there exactly once, each moved
// image as a person downloads it appears in the manifest, and the signed receipt verifies (and
// fails, naming what, once tampered with). The source keeps no decryptable copy. Both dialects.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlacementRule } from '../../src/cells/placement.js';
import { demoPassword } from '../../src/demo/demo.world.js';
import { isSealedBytes } from '../../src/cells/keys/sealing.js';
import { runDomicile } from '../support/cli.js';
import { dialects, tempDir } from '../support/databases.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

const demoRules: PlacementRule[] = [
  { home: 'JP', category: 'user.content.media', cell: 'kr' },
  { home: 'JP', category: 'user.financial', cell: 'kr' },
];
const move = ['--home', 'JP', '--category', 'user.content.media,user.financial', '--to', 'jp'];
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** A configuration file naming the server's own cells and directory, for the CLI beside it. */
function configFileOf(server: TestServer): string {
  const { config } = server.runtime;
  const file = path.join(tempDir('domicile-migrate-cli'), 'domicile.config.json');
  const cells = config.cells.map((c) => ({ id: c.id, jurisdiction: c.jurisdiction, database: c.database, blobDir: c.blobDir }));
  fs.writeFileSync(file, JSON.stringify({ deployment: config.deployment, dataDir: config.dataDir, directory: { database: config.directoryDatabase }, cells, placement: { rules: demoRules }, pay: { simulatedFunding: true } }));
  return file;
}

describe.each(dialects)('the demo move of JP images and payment data from kr to jp, on %s', (dialect) => {
  let server: TestServer;
  let config: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true, rules: demoRules, directoryOnDialect: true });
    config = configFileOf(server);
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  it('moves online, verifies, shreds the source and signs a receipt an auditor can check', async () => {
    const cli = (...args: string[]) => runDomicile([...args, '--config', config]);
    const kr = server.runtime.cells.get('kr');
    const moving = await kr.db.selectFrom('media').select(['id', 'conversation_id']).where('scope_home', '=', 'JP').execute();
    expect(moving.length).toBeGreaterThan(0);

    const plan = await cli('migrate', 'plan', ...move, '--json');
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { records: number; lines: { category: string; from: string; basis: string }[] };
    expect(planned.lines.map((l) => `${l.category}@${l.from}`)).toEqual(['user.content.media@kr', 'user.financial@kr']);
    expect(planned.lines.every((l) => l.basis.startsWith('home'))).toBe(true);

    // Hanako keeps paying Taro while the move runs; a payment refused during the switch is retried with its key.
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', demoPassword);
    let moving_ = true;
    const acknowledged: string[] = [];
    const refusals: string[] = [];
    let longestMs = 0;
    const payments = (async () => {
      for (let i = 0; moving_ || i < 3; i++) {
        const key = `during-move-${i}`;
        for (let attempt = 0; attempt < 20; attempt++) {
          const sent = performance.now();
          const res = await hanako.request('POST', '/v1/pay/payments', { to: 'taro', amount: 10, currency: 'JPY', idempotencyKey: key });
          longestMs = Math.max(longestMs, performance.now() - sent);
          if (res.status === 201 || res.status === 200) {
            acknowledged.push((res.body as { payment: { id: string } }).payment.id);
            break;
          }
          refusals.push(`${res.status} ${JSON.stringify(res.body)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    const started = await cli('migrate', 'start', ...move, '--actor', 'op-tokyo-admin', '--yes', '--json');
    moving_ = false;
    await payments;
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const job = JSON.parse(started.stdout) as { id: string; phase: string; placementBefore: number; placementAfter: number; pauseMs: number };
    expect(job.phase).toBe('done');
    expect(acknowledged.length).toBeGreaterThan(3);
    // The server ran the job (the CLI only watched); a payment that met the switch's fence waited
    // in the server for it (up to movingWaitMs), and was at most refused as moving, never lost.
    expect(refusals.filter((r) => !r.startsWith('503 {"error":{"code":"CELL_UNAVAILABLE"'))).toEqual([]);
    console.info(`${dialect}: fence up ${job.pauseMs} ms; longest payment request during the move ${Math.round(longestMs)} ms`);

    // Every acknowledged payment is in the JP cell exactly once; the ledger adds up; nothing of it is left in KR.
    const jp = server.runtime.cells.get('jp');
    for (const id of acknowledged) {
      expect((await jp.db.selectFrom('payment').select('id').where('id', '=', id).execute()).length, `payment ${id} in jp`).toBe(1);
    }
    expect(await kr.db.selectFrom('payment').select('id').where('subject_home', '=', 'JP').execute()).toEqual([]);
    expect(await kr.db.selectFrom('wallet').select('id').where('subject_home', '=', 'JP').execute()).toEqual([]);
    expect((await cli('pay', 'audit', '--json')).code).toBe(0);
    expect((await hanako.request('GET', '/v1/pay/wallet')).body).toMatchObject({ storedIn: { cell: 'jp', jurisdiction: 'JP' } });

    const residency = await cli('report', 'residency', '--json');
    expect(residency.code, residency.stdout).toBe(0);
    const foreign = JSON.parse((await cli('report', 'foreign-handling', '--json')).stdout) as {
      jurisdictions: { home: string; storedIn: string[]; foreignCountries: { country: string; storedCategories: string[] }[]; categories: { category: string; returnedFrom: string[] }[] }[];
    };
    const jpHandling = foreign.jurisdictions.find((j) => j.home === 'JP');
    expect(jpHandling?.storedIn).toEqual(['JP']);
    expect(jpHandling?.foreignCountries.find((c) => c.country === 'KR')?.storedCategories ?? []).toEqual([]);
    // The transfer gate recorded the move home (no basis needed), so the statement tells it, and the person sees it in their records.
    expect(jpHandling?.categories.find((c) => c.category === 'user.content.media')?.returnedFrom).toEqual(['KR']);
    expect(((await hanako.request('GET', '/v1/me/transfers')).body as { transfers: unknown[] }).transfers).toEqual(
      expect.arrayContaining([expect.objectContaining({ destination: 'JP', origin: 'KR', basis: 'home', basisRef: job.id, purpose: 'DATA_RELOCATION', category: 'user.financial.payment' })]),
    );

    const placement = JSON.parse((await cli('placement', 'show', '--json')).stdout) as { version: number; rules: PlacementRule[] };
    expect(placement.version).toBe(job.placementAfter);
    expect(placement.rules).toEqual([
      { home: 'JP', category: 'user.content.media', cell: 'jp' },
      { home: 'JP', category: 'user.financial', cell: 'jp' },
    ]);
    expect(server.runtime.cells.placement.version).toBe(job.placementAfter);

    const dir = tempDir('domicile-receipt');
    const receiptFile = path.join(dir, 'receipt.json');
    const manifestFile = path.join(dir, 'manifest.jsonl');
    expect((await cli('migrate', 'receipt', job.id, '--out', receiptFile)).code).toBe(0);
    expect((await cli('migrate', 'manifest', job.id, '--out', manifestFile)).code).toBe(0);
    const manifest = fs.readFileSync(manifestFile, 'utf8');
    const digests = new Set(manifest.trim().split('\n').map((l) => (JSON.parse(l) as { sha256: string }).sha256));

    // Each moved image, as a person downloads it now (from the JP cell), is in the manifest.
    for (const m of moving) {
      const res = await hanako.request('GET', `/v1/conversations/${m.conversation_id}/media/${m.id}`);
      expect(res.status).toBe(200);
      expect(digests.has(sha256(res.raw))).toBe(true);
      expect(await kr.blobs.get(m.id)).toBeNull();
      expect(isSealedBytes((await jp.blobs.get(m.id)) as Buffer)).toBe(true);
    }

    const published = (await hanako.request('GET', '/.well-known/domicile/log-keys.json')).body as unknown;
    const receipt = JSON.parse(fs.readFileSync(receiptFile, 'utf8')) as { receipt: { to: { cell: string }; home: string }; key: string };
    expect(JSON.stringify(published)).toContain(receipt.key);
    expect(await runDomicile(['migrate', 'verify-receipt', receiptFile, '--manifest', manifestFile, '--key', receipt.key])).toMatchObject({ code: 0 });

    fs.writeFileSync(path.join(dir, 'tampered.json'), JSON.stringify({ ...receipt, receipt: { ...receipt.receipt, home: 'KR' } }));
    const tampered = await runDomicile(['migrate', 'verify-receipt', path.join(dir, 'tampered.json'), '--manifest', manifestFile]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('signature');
    fs.writeFileSync(path.join(dir, 'short.jsonl'), manifest.split('\n').slice(1).join('\n'));
    const short = await runDomicile(['migrate', 'verify-receipt', receiptFile, '--manifest', path.join(dir, 'short.jsonl')]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('manifestRoot');
    expect(short.stderr).toContain('counts');

    // Every step is in the JP access log, by the operator, for data relocation.
    const status = JSON.parse((await cli('migrate', 'status', job.id, '--json')).stdout) as { checkpoints: { origin: string; size: number }[] };
    expect(status.checkpoints[0]?.origin).toBe('domicile.test/log/jp');
    const entries = await server.runtime.logs.get('jp').entriesAbout({ subjectId: 'hanako', limit: 100 });
    const migrateEntries = entries.map((e) => JSON.parse(e.canonical) as { action: string; actorEmployer: string; purpose: string }).filter((e) => e.action === 'migrate');
    // start, copy, verify, switch, shred
    expect(migrateEntries.length).toBeGreaterThanOrEqual(5);
    // The leaf holds the operator as a commitment; the employer of op-tokyo-admin is in clear.
    expect(migrateEntries.every((e) => e.actorEmployer === 'Nihon Talk Corp' && e.purpose === 'DATA_RELOCATION')).toBe(true);
  }, 240_000);
});
