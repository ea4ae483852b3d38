// Operator administration from the CLI: `operator add` creates an operator who can then sign in
// with the printed TOTP secret and the password from the environment; `operator list` shows no
// secrets; `operator disable` refuses further sign-ins, ends live sessions and is journaled for the
// access logs; bad input exits 2.
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/errors/catalogue.js';
import { OPERATOR_PASSWORD_ENV } from '../../src/cli/operator.command.js';
import { systemActor, type GovernanceEvent } from '../../src/governance/journal.js';
import { createOperators } from '../../src/governance/operators/operators.js';
import { base32Decode, totp } from '../../src/governance/totp.js';
import { demoTotpSecret } from '../../src/demo/demo.operators.js';
import { runDomicile } from '../support/cli.js';
import { cliWithRuntime, flushJournal, operatorAddArgs, operatorEntries } from './support.js';

const password = 'correct horse battery staple';
const tokyo = { address: '133.242.0.1', country: 'JP', simulated: false } as const;
const cli = cliWithRuntime();
const addArgs = operatorAddArgs;

async function code(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'none';
  } catch (err) {
    return isDomainError(err) ? err.code : String(err);
  }
}

describe('domicile operator', () => {
  it('adds an operator who signs in with the printed TOTP secret; the password never appears', async () => {
    process.env[OPERATOR_PASSWORD_ENV] = password;
    const added = await runDomicile(['operator', 'add', '--config', cli.file, ...addArgs('op-night-desk')]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).not.toContain(password);
    const secret = /^\s+([A-Z2-7]{16,})$/m.exec(added.stdout)?.[1] ?? '';
    expect(secret).not.toBe('');
    const uri = new URL(/otpauth:\/\/\S+/.exec(added.stdout)?.[0] ?? 'invalid:');
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(decodeURIComponent(uri.pathname)).toContain('op-night-desk');

    const operator = await cli.runtime.governance.operators.find('op-night-desk');
    expect(operator).toMatchObject({
      employer: { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' },
      officeCountry: 'JP',
      roles: ['moderator', 'support'],
      disabled: false,
    });

    // The operator service on a frozen clock, so the three codes below are deterministic steps.
    const at = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 15_000);
    const operators = createOperators({ db: cli.runtime.directory.db, now: () => at });
    const key = base32Decode(secret) as Buffer;
    const codeAt = (offsetSeconds: number): string => totp(key, at.getTime() / 1000 + offsetSeconds);
    const signIn = (codeText: string) => operators.signIn({ operatorId: 'op-night-desk', password, code: codeText, origin: tokyo, isBlocked: () => false });
    const signedIn = await signIn(codeAt(-30));
    expect(signedIn.operator.id).toBe('op-night-desk');
    expect((await signIn(codeAt(0))).session.operatorId).toBe('op-night-desk');

    const list = await runDomicile(['operator', 'list', '--config', cli.file]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+EMPLOYER/m);
    expect(list.stdout).toMatch(/op-night-desk\s+Tokyo night desk\s+Nihon Talk Corp\s+JP\s+JP\s+moderator,support\s+active/);
    expect(list.stdout).not.toContain(secret);

    const disabled = await runDomicile(['operator', 'disable', 'op-night-desk', '--config', cli.file]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('2 live session(s) ended');
    expect(await code(() => operators.authenticate(signedIn.token))).toBe('SESSION_REVOKED');
    // The next step's code was never claimed, so only the disabled account refuses it.
    expect(await code(() => signIn(codeAt(30)))).toBe('INVALID_CREDENTIALS');
    expect((await runDomicile(['operator', 'list', '--config', cli.file])).stdout).toMatch(/op-night-desk.*disabled/);
    expect((await runDomicile(['operator', 'list', '--json', '--config', cli.file])).stdout).not.toMatch(/secret|password/i);
  });

  it('journals a disable (actor and operator ids only) for every jurisdiction\'s access log', async () => {
    process.env[OPERATOR_PASSWORD_ENV] = password;
    expect((await runDomicile(['operator', 'add', '--config', cli.file, ...addArgs('op-audited')])).code).toBe(0);
    const events = () => cli.runtime.directory.db.selectFrom('governance_event').selectAll().where('kind', '=', 'operator-disable').execute();
    const before = (await events()).length;

    const disabled = await runDomicile(['operator', 'disable', 'op-audited', '--config', cli.file]);
    expect(disabled.code, disabled.stderr).toBe(0);
    const added = (await events()).slice(before);
    expect(added).toHaveLength(1);
    const row = added[0];
    expect(row).toMatchObject({ actor: 'system:cli', logged_at: null });
    const event = JSON.parse(row?.entry ?? '{}') as GovernanceEvent;
    expect(event).toMatchObject({ kind: 'operator-disable', operatorId: 'op-audited', actor: { id: 'system:cli' }, jurisdictions: expect.arrayContaining(['JP', 'KR']) as unknown });
    expect(row?.entry).not.toContain('Tokyo night desk');

    // Disabling again changes nothing, so it records nothing.
    expect((await runDomicile(['operator', 'disable', 'op-audited', '--config', cli.file])).stdout).toContain('already disabled');
    expect(await events()).toHaveLength(before + 1);

    // What a serving process does with it: one entry in each jurisdiction's log, naming the target.
    const sizes = { JP: cli.runtime.logs.forJurisdiction('JP').size(), KR: cli.runtime.logs.forJurisdiction('KR').size() };
    await flushJournal(cli.runtime);
    for (const jurisdiction of ['JP', 'KR'] as const) {
      const entries = (await operatorEntries(cli.runtime, jurisdiction, 'op-audited', sizes[jurisdiction])).filter((e) => e.action === 'operator-disable');
      expect(entries, jurisdiction).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'system:cli', caseRef: 'operator:op-audited', purpose: 'OPERATOR_ADMIN', subjects: [], subjectJurisdiction: jurisdiction, decision: 'allow' });
    }
    expect(await cli.runtime.governance.journal.pending()).toBe(0);
  });

  it('refuses a TOTP secret under 128 bits (RFC 4226 §4 R6); the demo secret has 160, the printed one too', async () => {
    expect(base32Decode(demoTotpSecret)?.length).toBe(20);
    const short = cli.runtime.governance.operators.create({
      id: 'op-short-key', name: 'Short key', employer: { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' },
      officeCountry: 'JP', roles: ['support'], password, totpSecret: 'DOMICILEDEMOTOTP', actor: systemActor('system:test'),
    });
    await expect(short).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/128 bits/) });
    expect(await cli.runtime.governance.operators.find('op-short-key')).toBeNull();
  });

  it('refuses bad input with a clear message and exit 2', async () => {
    const cases: { args: string[]; message: RegExp; env?: boolean }[] = [
      { args: addArgs('op-no-password'), message: /DOMICILE_OPERATOR_PASSWORD/, env: false },
      { args: addArgs('op-bad-roles', { roles: 'support,wizard' }), message: /unknown role\(s\) wizard/ },
      { args: addArgs('op-bad-office', { office: 'Japan' }), message: /--office must be an ISO 3166-1 alpha-2/ },
      { args: addArgs('op-bad-employer', { employer: 'Nowhere Inc' }), message: /"Nowhere Inc" is not in the recipients registry/ },
      { args: addArgs('op-wrong-country', { 'employer-country': 'KR' }), message: /does not match the recipients registry/ },
      { args: addArgs('Bad Id'), message: /an operator id is/ },
      { args: ['--id', 'op-missing'], message: /operator add needs --name, --employer, --employer-country, --office, --roles/ },
    ];
    for (const { args, message, env = true } of cases) {
      if (env) process.env[OPERATOR_PASSWORD_ENV] = password;
      else delete process.env[OPERATOR_PASSWORD_ENV];
      const result = await runDomicile(['operator', 'add', '--config', cli.file, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(password);
    }
    process.env[OPERATOR_PASSWORD_ENV] = password;
    expect((await runDomicile(['operator', 'add', '--config', cli.file, ...addArgs('op-twice')])).code).toBe(0);
    const twice = await runDomicile(['operator', 'add', '--config', cli.file, ...addArgs('op-twice')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already exists/);
    const unknown = await runDomicile(['operator', 'disable', 'op-nobody', '--config', cli.file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no operator "op-nobody"/);
    expect((await runDomicile(['operator', 'disable', '--config', cli.file])).code).toBe(2);
  });
});
