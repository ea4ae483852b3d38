// `domicile access check` on the demo world: the Shanghai engineers, whose past remote reads sit
// in the JP log as allowed under the old policy, are denied by the current policies; the Tokyo
// support operator on ticket T-1001 from a Japanese address may see hanako's contact data (phone
// masked to its last four; asked as user.contact.phone_number, only the number) but not her
// messages without a grant, even when asked for everything (`user`). Nothing is logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/config.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';

let file = '';
let jpLogSize = 0;

async function jpLog(): Promise<{ size: number; entries: AccessEntry[] }> {
  const runtime = await openRuntime(loadConfig({ file }));
  try {
    // Operator-side: the entries opened (operator ids in clear), as the operator's tools read them.
    const size = runtime.logs.forJurisdiction('JP').size();
    return { size, entries: (await readOpenedEntries(runtime.cells.get('jp').db, 0, size)).map((r) => r.entry) };
  } finally {
    await runtime.close();
  }
}

async function check(args: Record<string, string>): Promise<{ code: number; report: Record<string, unknown> }> {
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]);
  const result = await runDomicile(['access', 'check', ...flags, '--json', '--config', file]);
  expect(result.stderr).toBe('');
  return { code: result.code, report: JSON.parse(result.stdout) as Record<string, unknown> };
}

beforeAll(async () => {
  file = writeTestConfig().file;
  const seeded = await runDomicile(['demo', '--config', file]);
  expect(seeded.code, seeded.stderr).toBe(0);
  jpLogSize = (await jpLog()).size;
});

afterAll(async () => {
  // What-if questions leave no trace in the log.
  expect((await jpLog()).size).toBe(jpLogSize);
});

describe('what-if on the demo', () => {
  it('the Shanghai engineers were allowed in the past and are denied now', async () => {
    const past = (await jpLog()).entries.filter((e) => e.actor.startsWith('op-shanghai-eng'));
    expect(new Set(past.map((e) => e.actor))).toEqual(new Set(['op-shanghai-eng1', 'op-shanghai-eng2', 'op-shanghai-eng3', 'op-shanghai-eng4']));
    expect(past.every((e) => e.decision === 'allow' && e.actorPhysicalCountry === 'CN')).toBe(true);
    for (const n of [1, 2, 3, 4]) {
      for (const [category, purpose] of [['user.contact', 'SERVICE_OPERATION'], ['user.content.message', 'SERVICE_OPERATION']] as const) {
        const { code, report } = await check({ operator: `op-shanghai-eng${n}`, ip: '1.2.4.8', subject: 'hanako', category, purpose, case: 'T-1001' });
        expect(report.decision).toBe('deny');
        expect(code).toBe(1);
        expect(report.physicalCountry).toBe('CN');
        expect(report.policies).toContain('residency');
        expect(report.masking).toBeNull();
      }
    }
  });

  it('op-tokyo-support from Japan on T-1001 may see hanako’s contact data, masked, and not her messages without a grant', async () => {
    const contact = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user.contact', purpose: 'SUPPORT_CASE', case: 'T-1001' });
    expect(contact.code).toBe(0);
    expect(contact.report).toMatchObject({ decision: 'allow', policies: ['support-case'], masking: { email: 'clear', phone: 'last4' }, physicalCountry: 'JP', whatIf: true });
    const content = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user.content.message', purpose: 'SUPPORT_CASE', case: 'T-1001' });
    expect(content.code).toBe(1);
    expect(content.report).toMatchObject({ decision: 'deny', policies: ['content-needs-grant'], masking: null });
  });

  it('answers for any category of the tree: a child narrows its parent’s source, a parent covers its children', async () => {
    const phone = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user.contact.phone_number', purpose: 'SUPPORT_CASE', case: 'T-1001' });
    expect(phone.code).toBe(0);
    expect(phone.report).toMatchObject({ decision: 'allow', category: 'user.contact.phone_number', policies: ['support-case'], physicalCountry: 'JP' });
    // Only the number is released, masked to its last four.
    expect(phone.report.masking).toEqual({ phone: 'last4' });
    const content = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user.content.message', purpose: 'SUPPORT_CASE', case: 'T-1001' });
    expect(content.code).toBe(1);
    expect(content.report).toMatchObject({ decision: 'deny', policies: ['content-needs-grant'], masking: null });

    // Everything about hanako: her account and contact data, not her content without a grant.
    const all = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user', purpose: 'SUPPORT_CASE', case: 'T-1001' });
    expect(all.report.overall).toBe('partial');
    const byCategory = Object.fromEntries((all.report.categories as { category: string; decision: string }[]).map((c) => [c.category, c.decision]));
    expect(byCategory).toMatchObject({ 'user.account': 'allow', 'user.contact': 'allow', 'user.content.message': 'deny', 'user.content.media': 'deny' });
  });

  it('refuses a category outside the list with a stable code naming the valid ones', async () => {
    const old = await runDomicile(['access', 'check', '--operator', 'op-tokyo-support', '--ip', '133.242.0.1', '--subject', 'hanako', '--category', 'user.contact.phone', '--purpose', 'SUPPORT_CASE', '--case', 'T-1001', '--json', '--config', file]);
    expect(old.code).toBe(2);
    expect(old.stdout).toBe('');
    expect(old.stderr).toMatch(/UNKNOWN_CATEGORY: no data category "user\.contact\.phone": it is now called "user\.contact\.phone_number"/);
    const typo = await runDomicile(['access', 'check', '--operator', 'op-tokyo-support', '--ip', '133.242.0.1', '--subject', 'hanako', '--category', 'user.phone', '--purpose', 'SUPPORT_CASE', '--case', 'T-1001', '--config', file]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/UNKNOWN_CATEGORY: no data category "user\.phone"; name one of user, user\.account, .*user\.contact\.phone_number/);
  });

  it('explains itself in text, and refuses a case that does not exist', async () => {
    const text = await runDomicile(['access', 'check', '--operator', 'op-tokyo-support', '--ip', '133.242.0.1', '--subject', 'hanako', '--category', 'user.contact', '--purpose', 'SUPPORT_CASE', '--case', 'T-1001', '--config', file]);
    expect(text.stdout).toMatch(/nothing was read, released or logged/);
    expect(text.stdout).toMatch(/decision\s+ALLOW/);
    expect(text.stdout).toMatch(/phone: last4/);
    const unknown = await check({ operator: 'op-tokyo-support', ip: '133.242.0.1', subject: 'hanako', category: 'user.contact', purpose: 'SUPPORT_CASE', case: 'T-404404' });
    expect(unknown.report).toMatchObject({ decision: 'deny', policies: ['broker:unknown-case'] });
    const usage = await runDomicile(['access', 'check', '--operator', 'op-tokyo-support', '--config', file]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--ip/);
  });
});
