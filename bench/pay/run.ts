// Durable payments per second and their latency at a fixed offered rate, through the use case
// (`pay` in src/pay/pay.service.ts: idempotency check, conditional debit, postings, group-committed
// SQLite cells with synchronous=FULL) in one process — no HTTP. A payment counts when its promise
// resolves, which is after its transaction committed (and, across cells, after the credit did).
//
//   npx tsx bench/pay/run.ts [--mode same|cross] [--rate 5000] [--seconds 10] [--wallets 200]
//
// same:  JP payers and payees, all wallets in the JP cell.
// cross: JP payers whose wallets are in the KR cell (the story's rule) paying a JP government
//        account's wallet in the JP cell — every payment crosses cells (outbox, then credit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openRuntime } from '../../src/app/runtime.js';
import type { Subject } from '../../src/cells/directory.js';
import { finishConfig } from '../../src/config/config.js';
import { pay, topUp } from '../../src/pay/pay.service.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'same' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    wallets: { type: 'string', default: '200' },
  },
});
const mode = values.mode === 'cross' ? 'cross' : 'same';
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const walletCount = Number(values.wallets);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-pay-'));
const config = finishConfig(
  {
    deployment: 'domicile.bench',
    dataDir: dir,
    cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }],
    placement: { rules: mode === 'cross' ? [{ home: 'JP', category: 'user.financial', cell: 'kr' }] : [] },
    pay: { simulatedFunding: true },
  },
  {},
  process.cwd(),
  null,
);
const runtime = await openRuntime(config);
const ctx = runtime.pay;
const now = new Date().toISOString();

async function subjects(prefix: string, count: number, cls: 'consumer' | 'government'): Promise<Subject[]> {
  const list = Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, '0')}`, kind: 'user' as const, home: 'JP', class: cls }));
  for (let i = 0; i < list.length; i += 500) {
    await runtime.directory.db.insertInto('subject').values(list.slice(i, i + 500).map((s) => ({ ...s, created_at: now }))).execute();
  }
  return list;
}

const payers = await subjects('payer', walletCount, 'consumer');
const payees = mode === 'cross' ? await subjects('ward', 1, 'government') : await subjects('payee', walletCount, 'consumer');
await Promise.all(payers.map((p) => topUp({ ctx, owner: p, amount: 1_000_000, idempotencyKey: `bench-topup-${p.id}` })));

const latencies: number[] = [];
let failed = 0;
let issued = 0;
const total = Math.round(rate * seconds);
const started = performance.now();
const pending: Promise<void>[] = [];
// Issue on a fixed schedule (1 ms ticks), whatever the server's speed: an open-loop load.
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; issued < due; issued++) {
      const i = issued;
      const payer = payers[i % payers.length] as Subject;
      const payee = payees[i % payees.length] as Subject;
      const t0 = performance.now();
      pending.push(
        pay({ ctx, payer, to: payee.id, amount: 1, currency: 'JPY', idempotencyKey: `bench-${i}-payment` }).then(
          () => void latencies.push(performance.now() - t0),
          () => void failed++,
        ),
      );
    }
    if (issued >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
await Promise.all(pending);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN).toFixed(1);
console.log(
  JSON.stringify({
    mode,
    offeredPerSecond: rate,
    seconds,
    payments: latencies.length,
    failed,
    durablePerSecond: Math.round(latencies.length / elapsed),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: (latencies.at(-1) ?? Number.NaN).toFixed(1),
    node: process.version,
  }),
);
await runtime.close();
fs.rmSync(dir, { recursive: true, force: true });
