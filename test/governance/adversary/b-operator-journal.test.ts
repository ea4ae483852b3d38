// Issue 16 item 10, held against an adversary: one person cannot create a second approver
// silently. `domicile operator add` and `domicile operator roles` are journaled in the same
// transaction as the change, and a serving process writes them into every jurisdiction's access
// log (ids and role codes only, never the operator's name).
import { describe, expect, it } from 'vitest';
import { OPERATOR_PASSWORD_ENV } from '../../../src/cli/operator.command.js';
import type { GovernanceEvent } from '../../../src/governance/journal.js';
import { cliWithRuntime, flushJournal, operatorAddArgs, operatorEntries } from '../../broker/support.js';
import { runDomicile } from '../../support/cli.js';

const cli = cliWithRuntime();
const addArgs = (id: string, roles: string): string[] => operatorAddArgs(id, { name: 'Second approver', roles });

const events = async (operatorId: string): Promise<GovernanceEvent[]> =>
  (await cli.runtime.directory.db.selectFrom('governance_event').select('entry').orderBy('at').execute())
    .map((r) => JSON.parse(r.entry) as GovernanceEvent)
    .filter((e) => 'operatorId' in e && e.operatorId === operatorId);

describe('operator additions and role changes in the access logs', () => {
  it('journals `operator add` and a role change that makes an approver, for every jurisdiction', async () => {
    process.env[OPERATOR_PASSWORD_ENV] = 'correct horse battery staple';
    const added = await runDomicile(['operator', 'add', '--config', cli.file, ...addArgs('op-quiet-friend', 'support')]);
    expect(added.code, added.stderr).toBe(0);
    const promoted = await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'support,approver', '--config', cli.file]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('Changed the roles of op-quiet-friend to approver, support');
    expect((await cli.runtime.governance.operators.find('op-quiet-friend'))?.roles).toEqual(['approver', 'support']);
    // The same roles again change nothing and record nothing.
    expect((await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'approver,support', '--config', cli.file])).stdout).toContain('nothing changed');

    const journaled = await events('op-quiet-friend');
    expect(journaled.map((e) => [e.kind, 'roles' in e ? e.roles : null])).toEqual([
      ['operator-add', ['support']],
      ['operator-roles', ['approver', 'support']],
    ]);
    expect(JSON.stringify(journaled)).not.toContain('Second approver');

    // What a serving process does with them: one entry each in each jurisdiction's log.
    await flushJournal(cli.runtime);
    for (const jurisdiction of ['JP', 'KR']) {
      const entries = await operatorEntries(cli.runtime, jurisdiction, 'op-quiet-friend');
      expect(entries.map((e) => [e.action, e.fields, e.purpose, e.subjectJurisdiction, e.actor]), jurisdiction).toEqual([
        ['operator-add', ['support'], 'OPERATOR_ADMIN', jurisdiction, 'system:cli'],
        ['operator-roles', ['approver', 'support'], 'OPERATOR_ADMIN', jurisdiction, 'system:cli'],
      ]);
    }
  });

  it('refuses a role change for no one or to an unknown role, writing nothing', async () => {
    const before = (await cli.runtime.directory.db.selectFrom('governance_event').select('id').execute()).length;
    const unknownOperator = await runDomicile(['operator', 'roles', 'op-nobody', '--roles', 'approver', '--config', cli.file]);
    expect(unknownOperator.code).toBe(2);
    expect(unknownOperator.stderr).toContain('no operator "op-nobody"');
    const badRole = await runDomicile(['operator', 'roles', 'op-quiet-friend', '--roles', 'wizard', '--config', cli.file]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/unknown role\(s\) wizard/);
    expect((await cli.runtime.directory.db.selectFrom('governance_event').select('id').execute()).length).toBe(before);
  });
});
