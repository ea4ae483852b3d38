// Payment support in the operator console, in a real browser on the demo world: op-tokyo-support
// looks up hanako's wallet for ticket T-1001 through the broker (purpose PAYMENT_SUPPORT); the
// wallet and payments show, every counterparty's id only as its last four, the decision logged.
// axe finds no serious violation; a screenshot is kept for a person to look at.
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lastFour } from '../../src/governance/broker/masking.js';
import { ensureWebBuilt, repoRoot, seriousA11yViolations, useBrowserSession } from './support.js';
import { signInConsole, SIMULATED } from './ops.screens.js';

const { ready, newPage, pageErrors } = useBrowserSession({
  server: { web: true, demo: true, demoMode: true },
  beforeStart() {
    ensureWebBuilt(!existsSync(`${repoRoot}web/dist/ops.html`));
  },
});
const shots = process.env.DOMICILE_SCREENSHOTS ?? os.tmpdir();

describe('payment support in the console', () => {
  it('shows a wallet and its payments through the broker, ids masked, the release logged', async () => {
    const server = ready();
    const page = await newPage();
    await signInConsole(page, server.url, 'op-tokyo-support', SIMULATED.JP);
    await page.getByTestId('ops-tab-payments').click();
    await page.getByTestId('payment-subject').fill('hanako');
    await page.getByTestId('payment-case').fill('T-1001');
    await page.getByTestId('payment-submit').click();
    await page.getByTestId('payment-wallet').waitFor();
    expect(await page.getByTestId('access-result').getAttribute('data-decision')).toBe('allow');
    expect(await page.getByTestId('payment-wallet-id').innerText()).toBe(lastFour('hanako'));
    expect(await page.getByTestId('payment-row').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('log-entry').first().innerText()).toMatch(/#\d+/);

    // No counterparty of hanako's ledger appears in clear anywhere on the page.
    const counterparties = new Set<string>();
    for (const cell of server.runtime.cells.all()) {
      for (const row of await cell.db.selectFrom('posting').select('counterparty_id').where('wallet_id', '=', 'hanako').execute()) {
        if (row.counterparty_id) counterparties.add(row.counterparty_id);
      }
    }
    expect(counterparties.size).toBeGreaterThan(0);
    const shown = await page.getByTestId('payment-counterparty').allInnerTexts();
    for (const text of shown) expect([...counterparties].map((c) => lastFour(c))).toContain(text);
    const body = await page.locator('body').innerText();
    for (const c of counterparties) if (c.length > 4) expect(body).not.toContain(c);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'pay-ops-support.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
