// The crash harness (invariants 6 and 7; issue 14, "The harness"): one real server process takes
// chat sends, operator accesses (logged before release), consent changes and payments at once
// while a region migration moves JP's images and payment data between kr and jp (and back, one
// move per cycle), and both are killed with SIGKILL at a random moment, cycle after cycle. After
// each restart and `migrate resume`, every acknowledged write is there exactly once, the move is
// done and left nothing in the cell it left, each access log is consistent with the last
// checkpoint published before the crash and verifies, and the residency scan is clean; at the end
// the ledger audit finds every wallet whole.
// Every 2nd cycle has a move (20 cycles and 10 moves in CI, as issue 14 asks, most of them killed
// midway; a move in every cycle took 213 s of an 864 s suite); the longer run moves in every cycle:
//   DOMICILE_CRASH_CYCLES=100 DOMICILE_CRASH_MOVE_EVERY=1 npx vitest run --project suite test/crash
// (DOMICILE_CRASH_PROGRESS=1 prints each clean cycle). A move every 2nd cycle once found a resumed move failing at verify: a stale copy in the
// destination was kept while its source had changed at restart; copies now always replace.
import { describe, expect, it } from 'vitest';
import { runDomicile, writeTestConfig } from '../support/cli.js';
import { spawnServer } from '../support/process.js';
import { burstThenKill, checkStores, fetchLogKeys, MigrationLane, noAcks, openSessions } from './crash.support.js';

const cycles = Number(process.env.DOMICILE_CRASH_CYCLES ?? 20);
const moveEvery = Number(process.env.DOMICILE_CRASH_MOVE_EVERY ?? 2);
const moves = Math.ceil(cycles / moveEvery);
// Generous for a loaded machine: a cycle takes a few seconds on two quiet cores.
const timeoutMs = 120_000 + cycles * 60_000 + moves * 60_000;
const rules = [
  { home: 'JP', category: 'user.content.media', cell: 'kr' },
  // hanako's wallet sits in KR, as in the story: her payments to minato-city cross cells.
  { home: 'JP', category: 'user.financial', cell: 'kr' },
];

describe('kill -9 at random moments', () => {
  it(`keeps every acknowledged write exactly once and every log consistent, over ${cycles} cycles`, async () => {
    const { file, dataDir } = writeTestConfig({ placement: { rules }, pay: { simulatedFunding: true }, demo: true });
    const acks = noAcks();
    let server = await spawnServer({ configFile: file, demo: true });
    const sessions = await openSessions(server);
    const keys = await fetchLogKeys(server);
    const migration = new MigrationLane({ config: file, dataDir });
    const totals = { messages: 0, payments: 0, accesses: 0, consents: 0 };
    const cyclesWithAcks = { messages: 0, payments: 0, accesses: 0, consents: 0 };
    const started = Date.now();
    const spent = { burst: 0, restart: 0, resume: 0, checks: 0 };
    let lap = Date.now();
    const clock = (phase: keyof typeof spent): void => {
      spent[phase] += Date.now() - lap;
      lap = Date.now();
    };
    for (let cycle = 0; cycle < cycles; cycle++) {
      const burst = await burstThenKill({ server, sessions, acks, cycle, cells: Object.keys(keys), ...(cycle % moveEvery === 0 ? { migration } : {}) });
      clock('burst');
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
        totals[k] += burst.acked[k];
        if (burst.acked[k] > 0) cyclesWithAcks[k] += 1;
      }
      server = await spawnServer({ configFile: file, demo: true });
      clock('restart');
      if (cycle % moveEvery === 0) expect(await migration.finish(), `migration after cycle ${cycle}`).toEqual([]);
      clock('resume');
      expect(checkStores({ dataDir, acks, groupId: sessions.groupId, checkpoints: burst.checkpoints, keys, cells: Object.keys(keys) }), `after cycle ${cycle}`).toEqual([]);
      const verified = await runDomicile(['log', 'verify', '--config', file]);
      expect(verified.code, `log verify after cycle ${cycle}: ${verified.stdout}${verified.stderr}`).toBe(0);
      const residency = await runDomicile(['report', 'residency', '--config', file]);
      expect(residency.code, `residency after cycle ${cycle}: ${residency.stdout}${residency.stderr}`).toBe(0);
      clock('checks');
      // The long run prints each cycle, so a run cut short still says how far it got clean.
      if (process.env.DOMICILE_CRASH_PROGRESS === '1') console.info(`crash harness: cycle ${cycle + 1}/${cycles} clean at ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    await server.stop();
    const audit = await runDomicile(['pay', 'audit', '--json', '--config', file]);
    expect(JSON.parse(audit.stdout).discrepancies).toEqual([]);
    // Each lane was acknowledged in most cycles: the harness exercised what it claims to.
    for (const [lane, n] of Object.entries(cyclesWithAcks)) expect(n, `cycles in which ${lane} were acknowledged`).toBeGreaterThanOrEqual(Math.ceil(cycles / 2));
    // Most kills of a move's cycle landed in the running move (the others just after it ended), and every move finished.
    expect(migration.interrupted, 'moves interrupted by a kill').toBeGreaterThanOrEqual(Math.ceil(moves / 2));
    const jobs = await migration.jobs();
    expect(jobs.length).toBeGreaterThanOrEqual(migration.interrupted);
    expect(jobs.filter((j) => j.phase !== 'done')).toEqual([]);
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    console.info(
      `crash harness: ${cycles} cycles in ${seconds(Date.now() - started)} (bursts ${seconds(spent.burst)}, restarts ${seconds(spent.restart)}, resumes ${seconds(spent.resume)}, checks ${seconds(spent.checks)}); acknowledged ${JSON.stringify(totals)}; ${migration.interrupted} of ${moves} moves interrupted`,
    );
  }, timeoutMs);
});
