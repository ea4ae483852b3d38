// The operator console (web/ops.html) in a real browser on the demo world, in demo mode:
// op-tokyo-support signs in from a simulated Japanese address with password and a TOTP code
// computed here (RFC 6238), reads hanako's contact data for ticket T-1001 through the broker —
// allowed, phone masked to its last four, the log entry shown — and is refused her messages.
// A Shanghai engineer's console, labelled as simulated from China, shows the cut-off banner when
// an admin blocks CN (the operator socket closes with 4403).
import { describe, expect, it } from 'vitest';
import { ensureWebBuilt, repoRoot, seriousA11yViolations, useBrowserSession } from './support.js';
import { existsSync } from 'node:fs';
import { freshTotp, lookUp, OPS_PASSWORD, signInConsole, SIMULATED } from './ops.screens.js';

const { ready, newPage, pageErrors } = useBrowserSession({
  server: { web: true, demo: true, demoMode: true },
  beforeStart() {
    // A web/dist built before ops.html became a Vite input lacks the console: rebuild it then.
    ensureWebBuilt(!existsSync(`${repoRoot}web/dist/ops.html`));
    if (!existsSync(`${repoRoot}web/dist/ops.html`)) {
      throw new Error('web/dist/ops.html is missing: build the web app with `npx vite build --config web/vite.config.ts` (its inputs include ops.html)');
    }
  },
});

describe('operator console', () => {
  it('is served at /ops', async () => {
    const { url } = ready();
    const res = await fetch(`${url}/ops`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Domicile operator console');
  });

  it('signs op-tokyo-support in from a simulated Japanese address; hanako’s contact data is released masked, her messages refused', async () => {
    const { url } = ready();
    const page = await newPage();

    await page.goto(`${url}/ops.html`);
    // Demo mode: the simulated address is offered, clearly labelled.
    await page.getByLabel('Simulated source address (demo mode)').waitFor({ state: 'visible' });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A wrong code is refused with the server's message.
    await page.getByLabel('Operator id').fill('op-tokyo-support');
    await page.getByLabel('Password').fill(OPS_PASSWORD);
    await page.getByLabel('One-time code (TOTP)').fill('000000');
    await page.getByTestId('ops-signin-submit').click();
    await expect(page.getByTestId('ops-error').innerText()).resolves.toMatch(/INVALID_CREDENTIALS|do not match/);

    await signInConsole(page, url, 'op-tokyo-support', SIMULATED.JP);
    await expect(page.getByTestId('ops-origin').innerText()).resolves.toBe('Simulated from Japan · 133.242.0.1 (demo)');

    await lookUp(page, { subject: 'hanako', categories: ['user.contact'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001' });
    const result = page.getByTestId('access-result');
    await expect(result.getAttribute('data-decision')).resolves.toBe('allow');
    await expect(page.getByTestId('access-decision').innerText()).resolves.toMatch(/allowed/i);
    const row = page.getByTestId('decision-row').first();
    await expect(row.getAttribute('data-category')).resolves.toBe('user.contact');
    await expect(row.innerText()).resolves.toContain('support-case');
    await expect(row.getByTestId('log-entry').innerText()).resolves.toMatch(/jp #\d+/);
    const email = page.locator('[data-testid="record-field"][data-field="email"]');
    await expect(email.getAttribute('data-masking')).resolves.toBe('clear');
    await expect(email.innerText()).resolves.toContain('hanako@example.jp');
    const phone = page.locator('[data-testid="record-field"][data-field="phone"]');
    await expect(phone.getAttribute('data-masking')).resolves.toBe('last4');
    await expect(phone.getByTestId('masked-badge').innerText()).resolves.toMatch(/masked/i);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await lookUp(page, { subject: 'hanako', categories: ['user.content.message'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001' });
    await page.locator('[data-testid="access-result"][data-decision="deny"]').waitFor();
    await expect(page.getByTestId('access-decision').innerText()).resolves.toMatch(/denied/i);
    await expect(page.getByTestId('released-record').count()).resolves.toBe(0);
    // A refusal shows the policy and reasons, and names no one.
    await expect(page.getByTestId('decision-row').first().innerText()).resolves.toContain('content-needs-grant');
    await expect(page.getByTestId('access-result').innerText()).resolves.not.toContain('hanako');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('lists cases for op-tokyo-support, who opens T-1001 through the broker', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-tokyo-support', SIMULATED.JP);
    await page.getByTestId('ops-tab-cases').click();
    const ticket = page.locator('[data-testid="case-item"][data-ref="T-1001"]');
    await ticket.waitFor();
    await expect(ticket.getAttribute('data-status')).resolves.toBe('open');
    await ticket.getByTestId('case-open').click();
    await expect(page.getByTestId('access-result').getAttribute('data-decision')).resolves.toBe('allow');
    await expect(page.locator('[data-testid="released-record"][data-category="user.support.case"]').first().innerText()).resolves.toContain('hanako');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('a case op-tokyo-support opens waits for op-tokyo-approver, who approves it', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-tokyo-support', SIMULATED.JP);
    await page.getByTestId('ops-tab-cases').click();
    await page.getByTestId('case-subjects').fill('taro');
    await page.getByTestId('case-reason').selectOption('login');
    await page.getByTestId('case-submit').click();
    const notice = await page.getByTestId('case-notice').innerText();
    expect(notice).toMatch(/pending/);
    const ref = /T-\d+/.exec(notice)?.[0] ?? '';
    await page.getByTestId('cases-status').selectOption('pending');
    const mine = page.locator(`[data-testid="case-item"][data-ref="${ref}"]`);
    await mine.waitFor();
    await expect(mine.getAttribute('data-status')).resolves.toBe('pending');
    // Support cannot approve, and opening it is refused until it is approved.
    await expect(mine.getByTestId('case-approve').count()).resolves.toBe(0);
    await mine.getByTestId('case-open').click();
    await page.locator('[data-testid="access-result"][data-decision="deny"]').waitFor();
    await expect(page.getByTestId('access-result').innerText()).resolves.toContain('broker:case-unconfirmed');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: `${repoRoot}.tmp/screens/ops-case-pending.png`, fullPage: true });

    const approver = await newPage();
    await signInConsole(approver, url, 'op-tokyo-approver', SIMULATED.JP);
    await approver.getByTestId('ops-tab-cases').click();
    await approver.getByTestId('cases-status').selectOption('pending');
    const pending = approver.locator(`[data-testid="case-item"][data-ref="${ref}"]`);
    await pending.waitFor();
    expect(await seriousA11yViolations(approver)).toEqual([]);
    await approver.screenshot({ path: `${repoRoot}.tmp/screens/ops-case-approval.png`, fullPage: true });
    await pending.getByTestId('case-approve').click();
    await expect(approver.getByTestId('case-notice').innerText()).resolves.toMatch(/open and may be cited/);

    await page.getByTestId('cases-status').selectOption('open');
    await page.locator(`[data-testid="case-item"][data-ref="${ref}"][data-status="open"]`).waitFor();
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('labels a console simulated from China and shows the cut-off banner when CN is blocked', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-shanghai-eng1', SIMULATED.CN);
    await expect(page.getByTestId('ops-origin').innerText()).resolves.toBe('Simulated from China · 1.2.4.8 (demo)');

    // An admin in Tokyo cuts CN off through the API.
    const headers = { 'content-type': 'application/json', 'x-domicile-simulated-address': SIMULATED.JP };
    const signin = await fetch(`${url}/v1/ops/auth/signin`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ operatorId: 'op-tokyo-admin', password: OPS_PASSWORD, code: await freshTotp('op-tokyo-admin') }),
    });
    expect(signin.status).toBe(200);
    const { token } = (await signin.json()) as { token: string };
    const auth = { ...headers, authorization: `Bearer ${token}` };
    expect((await fetch(`${url}/v1/ops/blocks`, { method: 'POST', headers: auth, body: JSON.stringify({ country: 'CN' }) })).status).toBe(201);
    try {
      await page.getByTestId('cutoff-banner').waitFor({ timeout: 5000 });
      await expect(page.getByTestId('ops-socket').getAttribute('data-state')).resolves.toBe('closed');
    } finally {
      await fetch(`${url}/v1/ops/blocks/CN`, { method: 'DELETE', headers: { authorization: auth.authorization, 'x-domicile-simulated-address': SIMULATED.JP } });
    }
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
