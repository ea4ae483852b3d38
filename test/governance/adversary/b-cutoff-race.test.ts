// Issue 16 items 7 and 9, held against an adversary: a block recorded in the access log holds for
// its whole span. Blocks lifted tens of milliseconds after they were made (two commands run back
// to back, within the server's poll interval) still take effect, in order: no read the log shows
// between a block and its unblock was allowed, and live sessions from the blocked country end.
// And the command line says what it does (records the change; the server applies it).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistBlock } from '../../../src/governance/cutoff/cutoff.js';
import { createGovernanceJournal, systemActor } from '../../../src/governance/journal.js';
import { runDomicile } from '../../support/cli.js';
import { dialects } from '../../support/databases.js';
import { storyRules } from '../../support/factories.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { entriesSince, from, logSize, makeOperator, signInOperator } from '../../broker/support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dialects)('a block lifted at once (%s cells)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, dialect, trustedProxies: ['127.0.0.1'], serving: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('holds for its whole span in the log: no read inside it was allowed, and it ended live sessions', async () => {
    const { governance, directory } = server.runtime;
    const origin = governance.origin({ peer: '133.242.0.1', forwardedFor: undefined });
    expect(origin.country).toBe('JP');
    const read = () =>
      governance.broker.access({ operatorId: 'op-tokyo-support', origin, action: 'read', purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] });
    expect((await read()).decisions.every((d) => d.decision === 'allow')).toBe(true);
    const sessionOwner = await makeOperator(server, { roles: ['support'] });
    const session = await signInOperator(server, sessionOwner, from('JP'));
    const jpFrom = logSize(server, 'JP');

    let reading = true;
    const outcomes: string[] = [];
    // Four readers at once, so reads fall inside every window even where a commit takes 50 ms.
    const readers = [0, 1, 2, 3].map(async () => {
      while (reading) {
        await read().then((r) => outcomes.push(r.decisions.map((d) => d.decision).join()), (err: unknown) => outcomes.push(String(err)));
        await sleep(2);
      }
    });
    // What `domicile access block JP` and `unblock JP` do, from another process: the directory
    // and the journal only, nothing in memory of the server.
    const cli = createGovernanceJournal({ db: directory.db, recorder: null });
    const change = (blocked: boolean) =>
      persistBlock({ db: directory.db, journal: cli, country: 'JP', blocked, actor: systemActor('system:cli'), jurisdictions: ['JP', 'KR'], at: new Date().toISOString() });
    const trials = 5;
    for (let i = 0; i < trials; i++) {
      await sleep(40 + i * 37);
      expect(await change(true)).toBe(true);
      await sleep(150);
      expect(await change(false)).toBe(true);
    }
    await sleep(300);
    reading = false;
    await Promise.all(readers);
    const deadline = Date.now() + 5000;
    while ((await governance.journal.pendingBlocks()).length > 0 && Date.now() < deadline) await sleep(50);
    expect(await governance.journal.pendingBlocks()).toEqual([]);
    expect(governance.cutoff.list()).toEqual([]);

    const entries = await entriesSince(server, 'JP', jpFrom);
    const cutoffs = entries.filter((e) => e.caseRef === 'cutoff:JP');
    expect(cutoffs.map((e) => e.action)).toEqual(Array.from({ length: trials }, () => ['block', 'unblock']).flat());
    const allowedReads = entries.filter((e) => e.action === 'read' && e.decision === 'allow');
    expect(outcomes.filter((o) => o === 'allow').length).toBe(allowedReads.length);
    expect(allowedReads.length).toBeGreaterThan(3);
    for (let i = 0; i < cutoffs.length; i += 2) {
      const start = Date.parse((cutoffs[i] as { time: string }).time);
      const end = Date.parse((cutoffs[i + 1] as { time: string }).time);
      const inside = allowedReads.filter((e) => {
        const t = Date.parse(e.time);
        return t > start && t < end;
      });
      expect(inside, `reads allowed inside the block logged at ${(cutoffs[i] as { time: string }).time}`).toEqual([]);
    }
    // Each block took effect: the session signed in from Japan before them was ended.
    const me = await session.request('GET', '/v1/ops/me', undefined, from('JP'));
    expect(me.status).toBe(401);
    expect((me.body as { error: { code: string } }).error.code).toBe('SESSION_REVOKED');
  }, 60_000);
});

describe('the command line on a block', () => {
  it('says that it records the change and that a running server applies it, not that it is in force', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'domicile-b-cli-'));
    const configFile = path.join(dir, 'cli.config.json');
    fs.writeFileSync(configFile, JSON.stringify({ deployment: 'domicile.test', dataDir: path.join(dir, 'data'), cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }], placement: { rules: storyRules } }));
    const blocked = await runDomicile(['access', 'block', 'CN', '--config', configFile]);
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(blocked.stdout).toMatch(/^Recorded a block of CN\. A running server applies it at its next poll \(within 250 ms\)/);
    expect(blocked.stdout).toMatch(/records the block in every access log at the moment it took effect/);
    // No claim that requests are refused from the moment the command returns.
    expect(blocked.stdout).not.toMatch(/^Blocked CN: every new operator request/);
    const lifted = await runDomicile(['access', 'unblock', 'CN', '--config', configFile]);
    expect(lifted.stdout).toMatch(/^Recorded the lifting of the block of CN\..*until then the block holds/s);
  });
});
