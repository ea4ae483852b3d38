// The governance console's read-only pages and the person's view of an incident, in a real
// browser on the demo world. The privacy officer op-tokyo-privacy opens the data map, recipients,
// notices, policies and operators pages; each shows what the API answers, passes axe with no
// serious violation and is screenshotted. Support staff are told the pages need the role. hanako
// sees, in her privacy centre, the incident about the Shanghai Dev Ltd. reads of her data, with
// its proof verified in her browser.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoPassword } from '../../src/demo/demo.world.js';
import { migrationContext } from '../../src/cli/migrate.command.js';
import { planMigration } from '../../src/governance/migration/migration.service.js';
import { verifyReceipt } from '../../src/governance/migration/receipt.js';
import { openIncident } from '../../src/governance/reports/incidents.js';
import { recipientViews } from '../../src/governance/transfers/console.views.js';
import { signInConsole, SIMULATED } from './ops.screens.js';
import { repoRoot, seriousA11yViolations, useBrowserSession } from './support.js';

const { ready, newPage, pageErrors } = useBrowserSession({ server: { web: true, demo: true, demoMode: true } });
const shots = `${repoRoot}.tmp/screens`;

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function openTab(page: Page, tab: string, panel: string): Promise<void> {
  await page.getByTestId(`ops-tab-${tab}`).click();
  await page.getByTestId(panel).waitFor();
}

describe('ops: governance pages', () => {
  it('shows the privacy officer the data map, recipients, notices, policies and operators', async () => {
    const server = ready();
    const page = await newPage({ width: 1280, height: 900 });
    await signInConsole(page, server.url, 'op-tokyo-privacy', SIMULATED.JP);

    // Data map: one card per cell with the scan's counts; Japanese data read from China.
    await openTab(page, 'datamap', 'datamap-panel');
    const cells = page.getByTestId('datamap-cell');
    await cells.first().waitFor();
    expect(await cells.count()).toBe(server.runtime.cells.all().length);
    const kr = page.locator('[data-testid="datamap-cell"][data-cell="kr"]');
    expect(await kr.locator('[data-figure="bytes"] dd').innerText()).toMatch(/\d+(\.\d)? (B|KB|MB)/);
    expect(await page.locator('[data-testid="datamap-accesses"] tr[data-home="JP"] [data-country="CN"]').count()).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-datamap');

    // Recipients: the contract and check date of each; the overdue flag as the gate decides it.
    await openTab(page, 'recipients', 'recipients-panel');
    const rows = page.getByTestId('recipient-row');
    await rows.first().waitFor();
    const expected = recipientViews(server.runtime.transfers.registries, new Date());
    expect(await rows.count()).toBe(expected.length);
    for (const r of expected) {
      const row = page.locator(`[data-testid="recipient-row"][data-recipient="${r.id}"]`);
      expect(await row.getAttribute('data-overdue')).toBe(r.checkOverdue ? 'yes' : 'no');
      if (r.conformingSystem?.contractRef) expect(await row.innerText()).toContain(r.conformingSystem.contractRef);
      if (r.conformingSystem?.periodicCheck) expect(await row.getByTestId('recipient-due').innerText()).toBe(`due ${r.conformingSystem.periodicCheck.nextDue}`);
    }
    expect(await page.locator('[data-recipient="seoul-cloud"]').innerText()).toContain('Seoul Cloud Co.');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-recipients');

    // Notices: each with its versions and what each names; the refused file with its reasons.
    await openTab(page, 'notices', 'notices-panel');
    const notice = page.locator('[data-testid="notice-item"][data-notice="jp-media-storage-kr"]');
    await notice.waitFor();
    expect(await notice.getByTestId('notice-names').first().innerText()).toMatch(/Korea \(KR\): Seoul Cloud Co\./);
    expect(await page.getByTestId('notices-refused').innerText()).toContain('third-countries.json');
    expect(await page.getByTestId('notice-item').count()).toBe(server.runtime.transfers.notices.all().length);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-notices');

    // A notice draft validated in the page: the registry file passes; without destinations it is refused.
    const noticeFile = fs.readFileSync(path.join(repoRoot, 'registries/notices/jp-media-storage-kr.json'), 'utf8');
    await page.getByTestId('notice-draft').fill(noticeFile);
    await page.getByTestId('notice-draft-validate').click();
    await page.locator('[data-testid="notice-draft-result"][data-valid="true"]').waitFor();
    const broken = { ...(JSON.parse(noticeFile) as Record<string, unknown>), transfers: { destinations: [] } };
    await page.getByTestId('notice-draft').fill(JSON.stringify(broken, null, 2));
    await page.getByTestId('notice-draft-validate').click();
    await page.locator('[data-testid="notice-draft-result"][data-valid="false"]').waitFor();
    expect(await page.getByTestId('notice-draft-result').innerText()).toMatch(/NOTICE_/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('notice-draft-form').screenshot({ path: path.join(shots, 'ops-notice-draft.png') });

    // Policies: the ids in force, the digest, and the files on disk checked against the schema.
    await openTab(page, 'policies', 'policies-panel');
    await page.getByTestId('policies-table').waitFor();
    const engine = server.runtime.governance.policy().engine;
    const ids = await page.locator('[data-testid="policies-table"] tr[data-policy]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-policy')));
    expect(ids).toEqual(engine?.policyIds);
    expect(await page.getByTestId('policies-summary').innerText()).toContain(engine?.digest ?? 'no digest');
    expect(await page.getByTestId('policies-disk').getAttribute('data-state')).toBe('same');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-policies');

    // A change checked in the page: a policy that reads an undeclared attribute is refused with its
    // file, line and id; a valid edit shows its diff; officers cannot apply (admins only).
    const editor = page.getByTestId('policy-editor');
    await page.getByTestId('policy-file').selectOption('base.cedar');
    const text = page.getByTestId('policy-text');
    const original = await text.inputValue();
    await text.fill(`${original}\n@id("shoe-size")\npermit (principal, action, resource)\nwhen { principal.shoeSize == 3 };\n`);
    await page.getByTestId('policy-check').click();
    await editor.locator('[data-testid="policy-check-result"][data-valid="false"]').waitFor();
    expect(await editor.getByTestId('policy-problems').innerText()).toMatch(/base\.cedar:\d+:\d+ \(shoe-size\)/);
    await text.fill(original.replace('Purpose::"ABUSE_REPORT"', 'Purpose::"INCIDENT_RESPONSE"'));
    await page.getByTestId('policy-check').click();
    await editor.locator('[data-testid="policy-check-result"][data-valid="true"]').waitFor();
    expect(await editor.locator('[data-testid="policy-diff"] [data-policy]').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-policy')}:${el.getAttribute('data-change')}`))).toEqual(['abuse-report:changed']);
    expect(await editor.getByTestId('policy-apply').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await editor.screenshot({ path: path.join(shots, 'ops-policy-editor.png') });

    // What-if: a Tokyo support operator reading contact data for a support case from Japan, then from China.
    await page.getByTestId('what-if-operator').selectOption('op-tokyo-support');
    await page.getByTestId('what-if-category').selectOption('user.contact');
    await page.getByTestId('what-if-ask').click();
    const answer = page.getByTestId('what-if-answer');
    await answer.waitFor();
    expect(await answer.innerText()).toContain('support-case');
    await page.getByTestId('what-if-country').fill('CN');
    await page.getByTestId('what-if-ask').click();
    await page.locator('[data-testid="what-if-answer"][data-decision="deny"]').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('what-if-form').screenshot({ path: path.join(shots, 'ops-what-if.png') });

    // Operators: the directory, read only.
    await openTab(page, 'operators', 'operators-panel');
    await page.getByTestId('operators-table').waitFor();
    const operators = await server.runtime.governance.operators.list();
    expect(await page.getByTestId('operator-row').count()).toBe(operators.length);
    expect(await page.locator('[data-operator="op-shanghai-eng1"]').innerText()).toMatch(/Shanghai Dev Ltd\.[\s\S]*China \(CN\)/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-operators');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lets an admin add an operator (secret shown once) and disable one', async () => {
    const server = ready();
    const page = await newPage({ width: 1280, height: 900 });
    await signInConsole(page, server.url, 'op-tokyo-admin', SIMULATED.JP);
    await openTab(page, 'operators', 'operators-panel');
    await page.getByTestId('operators-table').waitFor();
    // No disable button on your own row.
    expect(await page.locator('[data-operator="op-tokyo-admin"] [data-testid="operator-disable"]').count()).toBe(0);
    await page.getByTestId('operator-add-id').fill('op-browser-added');
    await page.getByTestId('operator-add-name').fill('Browser Added');
    await page.getByTestId('operator-add-password').fill('browser-added-password');
    await page.getByTestId('operator-add-role-moderator').check();
    await page.getByTestId('operator-add-submit').click();
    await page.getByTestId('operator-added').waitFor();
    expect(await page.getByTestId('operator-added-secret').innerText()).toMatch(/^[A-Z2-7]{26,}$/);
    const row = page.locator('[data-testid="operator-row"][data-operator="op-browser-added"]');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/support, moderator|moderator, support/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-operators-admin');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('operator-disable').click();
    await row.locator('.ops-status-revoked').waitFor();
    expect((await server.runtime.governance.operators.find('op-browser-added'))?.disabled).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('tells support staff the governance pages need the privacy-officer or admin role', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-tokyo-support', SIMULATED.JP);
    for (const [tab, panel] of [['datamap', 'datamap-panel'], ['policies', 'policies-panel'], ['operators', 'operators-panel']] as const) {
      await openTab(page, tab, panel);
      expect(await page.getByTestId(panel).innerText()).toContain('needs the privacy-officer or admin role');
    }
    expect(await seriousA11yViolations(page)).toEqual([]);
  }, 60_000);
});

describe('privacy centre: incidents', () => {
  it('shows hanako the incident about her data, its countries and its proof', async () => {
    const server = ready();
    const today = new Date().toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
    const incident = await openIncident({
      directory: server.runtime.directory,
      homes: server.runtime.cells.jurisdictions(),
      input: { title: 'Remote access from China by contractor engineers', knownAt: new Date().toISOString(), home: 'JP', actorOutside: 'JP', from: yearAgo, to: today },
      by: 'op-tokyo-privacy',
      now: new Date(),
    });
    const page = await newPage();
    await page.goto(server.url);
    await page.getByTestId('signin-login').fill('hanako');
    await page.getByTestId('signin-password').fill(demoPassword);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('chat-app').waitFor();
    await page.getByTestId('open-privacy').click();
    await page.getByTestId('privacy-tab-accesses').click();
    const card = page.locator(`[data-testid="privacy-incident"][data-incident="${incident.id}"]`);
    await card.waitFor();
    expect(await card.getByTestId('incident-countries').innerText()).toContain('Shanghai Dev Ltd. (China · CN)');
    expect(await card.getByTestId('incident-categories').innerText()).not.toBe('');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="access-item"]')].every((el) => el.getAttribute('data-verified') === 'verified'));
    const proof = await card.getByTestId('incident-proof').innerText();
    const [, proven, total] = /(\d+) of (\d+) verified/.exec(proof) ?? [];
    expect(Number(total)).toBeGreaterThan(0);
    expect(proven).toBe(total);
    // Each entry of the incident is marked in the list below; only Shanghai Dev Ltd. entries are.
    const marked = page.locator('[data-testid="access-item"]:has([data-testid="access-incident"])');
    expect(await marked.count()).toBe(Number(total));
    expect(await page.locator('[data-testid="access-item"][data-employer="Shanghai Dev Ltd."]:has([data-testid="access-incident"])').count()).toBe(Number(total));
    expect(await card.innerText()).not.toMatch(/taro|minato/i);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'privacy-incident');
    expect(pageErrors).toEqual([]);
  }, 90_000);
});

// Last in the file: the move changes where the demo's images live, which the pages above show.
describe('ops: placement and migrations', () => {
  it('lets an admin plan the demo move, start it, watch it finish and download its receipt', async () => {
    const server = ready();
    const request = { home: 'JP', categories: ['user.content.media', 'user.financial'], to: 'jp' };
    const expected = await planMigration({ ctx: migrationContext(server.runtime), request });
    expect(expected.records).toBeGreaterThan(0);
    const page = await newPage({ width: 1280, height: 900 });
    await signInConsole(page, server.url, 'op-tokyo-admin', SIMULATED.JP);
    await openTab(page, 'placement', 'placement-panel');
    const current = page.getByTestId('placement-current');
    await current.waitFor();
    expect(Number(await current.getAttribute('data-version'))).toBe(server.runtime.cells.placement.version);
    expect(await page.locator('[data-testid="placement-rules"] tbody tr').count()).toBe(server.runtime.cells.placement.rules.length);

    // The plan, as the server computes it: totals and one line per category and source cell.
    await page.getByLabel('People of (country code)').fill('JP');
    await page.getByLabel('Categories (comma-separated)').fill(request.categories.join(','));
    await page.getByLabel('Destination cell').selectOption('jp');
    await page.getByTestId('migration-plan').click();
    const planned = page.getByTestId('migration-planned');
    await planned.waitFor();
    expect(await planned.locator('[data-figure="records"]').innerText()).toBe(String(expected.records));
    expect(await planned.locator('[data-figure="subjects"]').innerText()).toBe(String(expected.subjects));
    expect(await planned.locator('[data-testid="plan-lines"] tbody tr').count()).toBe(expected.lines.length);
    expect(await planned.innerText()).toContain('home (a move home');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-migration-plan');

    // Start asks for a confirmation; the job then shows its progress until it is done.
    await page.getByTestId('migration-start').click();
    await page.getByTestId('migration-confirm').click();
    await page.getByTestId('placement-notice').waitFor();
    const job = page.getByTestId('migration-job').first();
    await job.waitFor();
    await shot(page, 'ops-migration-running');
    await page.locator('[data-testid="migration-job"][data-phase="done"]').waitFor({ timeout: 60_000 });
    expect(await job.getByTestId('migration-progress').getAttribute('value')).toBe('1');
    expect(await job.getByTestId('migration-steps').innerText()).toContain(`100% of ${expected.records} records`);
    const id = (await job.getAttribute('data-id')) as string;
    await page.getByTestId('placement-refresh').click();
    await page.locator(`[data-testid="placement-current"][data-version="${server.runtime.cells.placement.version}"]`).waitFor();

    // The receipt downloads and verifies.
    const [download] = await Promise.all([page.waitForEvent('download'), job.getByTestId('migration-receipt').click()]);
    expect(download.suggestedFilename()).toBe(`${id}-receipt.json`);
    const signed: unknown = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    expect(verifyReceipt({ signed })).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'ops-migration-done');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
