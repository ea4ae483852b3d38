// The governance console's incidents page in a real browser on the demo world: the privacy
// officer op-tokyo-privacy records an incident about access from outside Japan, sees its
// deadline clocks (the preliminary report due within a day shows red), the figures the server
// computed from the verified log, the chart and the report items, and downloads the PDF.
// Support staff are told the page needs the privacy-officer role. No serious axe violation.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pdfTextRuns } from '../support/pdf.js';
import { signInConsole, SIMULATED } from './ops.screens.js';
import { repoRoot, seriousA11yViolations, useBrowserSession } from './support.js';

const { ready, newPage, pageErrors } = useBrowserSession({ server: { web: true, demo: true, demoMode: true } });
const DAY = 86_400_000;
const shots = `${repoRoot}.tmp/screens`;

/** A time as a datetime-local field in Tokyo shows it. */
const tokyoLocal = (ms: number): string => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 16);

describe('ops: incidents', () => {
  it('lets the privacy officer record an incident and read and download its report', async () => {
    const { url } = ready();
    const page = await newPage({ width: 1280, height: 900 });
    await signInConsole(page, url, 'op-tokyo-privacy', SIMULATED.JP);
    await page.getByTestId('incidents-panel').waitFor();
    await page.getByTestId('incidents-empty').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Title').fill('Remote access from China by contractor engineers');
    // Aware 4½ days ago: the APPI preliminary report (about 3–5 days) is due within a day.
    await page.getByLabel('Became aware (your local time)').fill(tokyoLocal(Date.now() - 4.5 * DAY));
    await page.getByLabel('Actors outside (country code)').fill('JP');
    await page.getByTestId('incident-wrongful').check();
    await page.getByTestId('incident-submit').click();
    await page.getByTestId('incident-notice').waitFor();
    const report = page.getByTestId('incident-report');
    await report.getByTestId('report-figures').waitFor();

    // The page shows what the server computed.
    const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem('domicile.ops.session'))) ?? '{}') as { token: string };
    const id = (await page.getByTestId('incident-item').first().getAttribute('data-id')) ?? '';
    const api = (await (
      await fetch(`${url}/v1/ops/incidents/${id}/report`, { headers: { authorization: `Bearer ${session.token}`, 'x-domicile-simulated-address': SIMULATED.JP } })
    ).json()) as { entries: number; subjects: number; actors: unknown[] };
    expect(api.entries).toBeGreaterThan(0);
    const figure = (label: string) => report.locator(`[data-figure="${label}"] dd`).innerText();
    await expect(figure('Entries')).resolves.toBe(String(api.entries));
    await expect(figure('People whose data was released')).resolves.toBe(String(api.subjects));
    await expect(figure('Actors')).resolves.toBe(String(api.actors.length));
    await expect(report.locator('[data-rule="jp-ppc-preliminary"]').getAttribute('data-tone')).resolves.toBe('due');
    await expect(report.locator('[data-rule="jp-ppc-final-wrongful"]').getAttribute('data-tone')).resolves.toBe('ok');
    await expect(report.locator('[data-rule="jp-ppc-final"]').getAttribute('data-tone')).resolves.toBe('none');
    await expect(report.getByTestId('report-actors').innerText()).resolves.toContain('Shanghai Dev Ltd. (CN)');
    await expect(report.locator('.is-blank').count()).resolves.toBeGreaterThan(0);
    await expect(report.getByTestId('report-chart').locator('rect').count()).resolves.toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'ops-incidents.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), report.getByTestId('report-download-pdf').click()]);
    expect(download.suggestedFilename()).toBe(`${id}-preliminary.pdf`);
    const bytes = fs.readFileSync((await download.path()) ?? '');
    expect(pdfTextRuns(bytes).join('|')).toContain(`|Entries|${api.entries}|`);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows each cell log with its checkpoint and key, and verifies one on request', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-tokyo-privacy', SIMULATED.JP);
    await page.getByTestId('ops-tab-log').click();
    const jp = page.locator('[data-testid="log-table"] tr[data-cell="jp"]');
    await jp.waitFor();
    await expect(jp.getAttribute('data-verified')).resolves.toBe('never');
    await jp.getByTestId('log-verify').click();
    await page.locator('tr[data-cell="jp"][data-verified="ok"]').waitFor();
    await expect(jp.innerText()).resolves.toContain('OK');
    await expect(jp.innerText()).resolves.toMatch(/domicile\.test\/log\/jp\+[0-9a-f]{8}\+/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'ops-log.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('tells support staff the page needs the privacy-officer role', async () => {
    const { url } = ready();
    const page = await newPage();
    await signInConsole(page, url, 'op-tokyo-support', SIMULATED.JP);
    await page.getByTestId('ops-tab-incidents').click();
    await expect(page.getByTestId('incidents-panel').innerText()).resolves.toContain('need the privacy-officer or admin role');
    expect(await seriousA11yViolations(page)).toEqual([]);
  }, 60_000);
});
