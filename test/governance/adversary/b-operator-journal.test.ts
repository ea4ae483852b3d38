// Issue 16 item 10, held against an adversary: one person cannot create a second approver
// silently. `domicile operator add` and `domicile operator roles` are journaled in the same
// transaction as the change, and a serving process writes them into every jurisdiction's access
// log (ids and role codes only, never the operator's name).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../../src/app/runtime.js';
import { OPERATOR_PASSWORD_ENV } from '../../../src/cli/operator.command.js';
import { loadConfig } from '../../../src/config/config.js';
import { createGovernanceJournal, type GovernanceEvent } from '../../../src/governance/journal.js';
import type { AccessEntry } from '../../../src/governance/log/entry.js';
import { runDomicile, writeTestConfig } from '../../support/cli.js';

let configFile = '';
let runtime: Runtime;

const addArgs = (id: string, roles: string): string[] =>
  Object.entries({ id, name: 'Second approver', employer: 'Nihon Talk Corp', 'employer-country': 'JP', office: 'JP', roles }).flatMap(([k, v]) => [`--${k}`, v]);

beforeAll(async () => {
  configFile = writeTestConfig().file;
  runtime = await openRuntime(loadConfig({ file: configFile }));
});
afterAll(async () => {
  await runtime.close();
});
afterEach(() => {
  delete process.env[OPERATOR_PASSWORD_ENV];
});

const events = async (operatorId: string): Promise<GovernanceEvent[]> =>
  (await runtime.directory.db.selectFrom('governance_event').select('entry').orderBy('at').execute())
    .map((r) => JSON.parse(r.entry) as GovernanceEvent)
    .filter((e) => 'operatorId' in e && e.operatorId === operatorId);

async function loggedAbout(operatorId: string, jurisdiction: string): Promise<AccessEntry[]> {
  const log = runtime.logs.forJurisdiction(jurisdiction);
  const rows = await runtime.cells.get(log.cellId).db.selectFrom('log_entry').select('entry').orderBy('idx').execute();
  return rows.map((r) => JSON.parse(r.entry) as AccessEntry).filter((e) => e.caseRef === `operator:${operatorId}`);
}

describe('operator additions and role changes in the access logs', () => {
  it('journals `operator add` and a role change that makes an approver, for every jurisdiction', async () => {
    process.env[OPERATOR_PASSWORD_ENV] = 'correct horse battery staple';
    const added = await runDomicile(['operator', 'add', '--config', configFile, ...addArgs('op-quiet-friend', 'support')]);
    expect(added.code, added.stderr).toBe(0);
    const promoted = await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'support,approver', '--config', configFile]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('Changed the roles of op-quiet-friend to approver, support');
    expect((await runtime.governance.operators.find('op-quiet-friend'))?.roles).toEqual(['approver', 'support']);
    // The same roles again change nothing and record nothing.
    expect((await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'approver,support', '--config', configFile])).stdout).toContain('nothing changed');

    const journaled = await events('op-quiet-friend');
    expect(journaled.map((e) => [e.kind, 'roles' in e ? e.roles : null])).toEqual([
      ['operator-add', ['support']],
      ['operator-roles', ['approver', 'support']],
    ]);
    expect(JSON.stringify(journaled)).not.toContain('Second approver');

    // What a serving process does with them: one entry each in each jurisdiction's log.
    await createGovernanceJournal({ db: runtime.directory.db, recorder: runtime.logs }).flush();
    for (const jurisdiction of ['JP', 'KR']) {
      const entries = await loggedAbout('op-quiet-friend', jurisdiction);
      expect(entries.map((e) => [e.action, e.fields, e.purpose, e.subjectJurisdiction, e.actor]), jurisdiction).toEqual([
        ['operator-add', ['support'], 'OPERATOR_ADMIN', jurisdiction, 'system:cli'],
        ['operator-roles', ['approver', 'support'], 'OPERATOR_ADMIN', jurisdiction, 'system:cli'],
      ]);
    }
  });

  it('refuses a role change for no one or to an unknown role, writing nothing', async () => {
    const before = (await runtime.directory.db.selectFrom('governance_event').select('id').execute()).length;
    const unknownOperator = await runDomicile(['operator', 'roles', 'op-nobody', '--roles', 'approver', '--config', configFile]);
    expect(unknownOperator.code).toBe(2);
    expect(unknownOperator.stderr).toContain('no operator "op-nobody"');
    const badRole = await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'wizard', '--config', configFile]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/unknown role\(s\) wizard/);
    expect((await runtime.directory.db.selectFrom('governance_event').select('id').execute()).length).toBe(before);
  });
});
