// The privacy centre and the public foreign-handling page in a real browser, on the demo world:
// hanako sees the Shanghai Dev Ltd. (CN) accesses to her data, each verified in the browser against
// the signed checkpoint; minjun sees his consent with its receipt and withdraws it; anyone can read,
// without signing in, where each home country's data is stored, from where it was accessed, and —
// once the transfer gate has recorded a region migration's move home — from where it came back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoPassword } from '../../src/demo/demo.world.js';
import { repoRoot, seriousA11yViolations, useBrowserSession } from './support.js';

const { ready, newPage, pageErrors } = useBrowserSession({ server: { web: true, demo: true } });

async function signIn(page: Page, url: string, handle: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('signin-login').fill(handle);
  await page.getByTestId('signin-password').fill(demoPassword);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('chat-app').waitFor();
}

describe('privacy centre', () => {
  it('shows hanako who accessed her data, from where and why, each entry verified in the browser', async () => {
    const { url } = ready();
    const page = await newPage();
    await signIn(page, url, 'hanako');
    await page.getByTestId('open-privacy').click();
    await page.getByTestId('privacy-pane').waitFor();

    // Where her data is: images are kept in South Korea, everything else in Japan.
    await page.getByTestId('privacy-where').waitFor();
    const media = page.locator('[data-testid="held-category"][data-category="user.content.media"]');
    expect(await media.getByTestId('held-country').innerText()).toBe('South Korea · KR');
    const messages = page.locator('[data-testid="held-category"][data-category="user.content.message"]');
    expect(await messages.getByTestId('held-country').innerText()).toBe('Japan · JP');

    // Transfers: the images stored in Korea, on the recipient's conforming system.
    await page.getByTestId('privacy-tab-transfers').click();
    const transfer = page.getByTestId('transfer-item').first();
    await transfer.waitFor();
    expect(await transfer.innerText()).toMatch(/South Korea · KR[\s\S]*Seoul Cloud Co\.[\s\S]*conforming system/);

    // Who accessed: every entry is checked in the browser; none may fail or stay unchecked.
    await page.getByTestId('privacy-tab-accesses').click();
    await page.locator('[data-testid="checkpoint-status"][data-state="verified"]').waitFor();
    const items = page.getByTestId('access-item');
    await items.first().waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="access-item"]')].every((el) => el.getAttribute('data-verified') === 'verified'),
    );
    const count = await items.count();
    expect(count).toBeGreaterThan(5);
    const verdicts = await page.getByTestId('access-verification').allInnerTexts();
    expect(verdicts).toHaveLength(count);
    for (const v of verdicts) expect(v).toMatch(/^Verified ✓ in your browser/);

    const shanghai = page.locator('[data-testid="access-item"][data-employer="Shanghai Dev Ltd."]');
    expect(await shanghai.count()).toBeGreaterThan(0);
    const first = await shanghai.first().innerText();
    expect(first).toContain('Shanghai Dev Ltd. (China · CN)');
    expect(first).toMatch(/physically in China · CN/);
    expect(first).toMatch(/outside Japan/);
    expect(first).toMatch(/Why\s+\S/);
    expect(await page.locator('[data-testid="access-item"][data-physical-country="CN"]').count()).toBe(await shanghai.count());
    // The Tokyo support operator's case work is there too, with its case and the refusal.
    const tokyo = page.locator('[data-testid="access-item"][data-employer="Nihon Talk Corp"]');
    expect(await tokyo.filter({ hasText: 'case T-1001' }).count()).toBeGreaterThan(0);
    expect(await tokyo.filter({ hasText: 'Denied' }).count()).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('lets minjun see his consent receipt and withdraw the consent', async () => {
    const { url } = ready();
    const page = await newPage();
    await signIn(page, url, 'minjun');
    await page.getByTestId('open-profile').click();
    await page.getByTestId('profile-open-privacy').click();
    await page.getByTestId('privacy-tab-consents').click();
    const consent = page.getByTestId('consent-item').first();
    await consent.waitFor();
    expect(await consent.getAttribute('data-status')).toBe('given');
    expect(await consent.innerText()).toMatch(/kr-messages-jp[\s\S]*Nihon Talk Corp/);
    const receiptId = await consent.getByTestId('consent-receipt-id').innerText();
    expect(receiptId).toMatch(/^[0-9a-f-]{36}$/);
    await consent.getByTestId('consent-view-receipt').click();
    const receipt = JSON.parse(await consent.getByTestId('consent-receipt-json').innerText()) as Record<string, unknown>;
    expect(receipt['consentReceiptID']).toBe(receiptId);
    expect(receipt['destinationCountries']).toEqual(['JP']);
    await consent.getByTestId('consent-withdraw').click();
    await page.locator('[data-testid="consent-item"][data-status="withdrawn"]').first().waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

describe('where data is stored and handled (public)', () => {
  it('is reachable from the sign-in screen and names the countries, the statement and the moves home per home', async () => {
    const { url, runtime } = ready();
    // A region migration moves hanako's images home from the Korean cell: the transfer gate records
    // the move (the engine's own call). Before the page is first asked for: the statement is cached a minute.
    const hanako = await runtime.directory.get('hanako');
    if (!hanako) throw new Error('demo user hanako missing');
    await runtime.transfers.gate.authorizeMove({
      subject: { id: hanako.id, home: hanako.home, class: hanako.class },
      fromCellId: 'kr',
      toCellId: 'jp',
      category: 'user.content.media',
      purpose: 'DATA_RELOCATION',
      items: 2,
      ref: 'migration-browser-test',
    });
    await runtime.transfers.gate.drain();

    const page = await newPage();
    await page.goto(url);
    await page.getByTestId('open-foreign-handling').click();
    await page.getByTestId('foreign-handling-page').waitFor();
    const jp = page.locator('[data-testid="fh-jurisdiction"][data-home="JP"]');
    await jp.waitFor();
    expect(await jp.getByTestId('fh-statement').innerText()).toBe(
      'Personal data of users in Japan is stored in Japan (JP) and South Korea (KR). In the last 12 months it was accessed from China (CN) and Japan (JP), and sent to South Korea (KR), and moved home from South Korea (KR).',
    );
    const phone = jp.locator('[data-testid="fh-category"][data-category="user.contact.phone_number"]');
    expect(await phone.getByTestId('fh-stored').allInnerTexts()).toEqual(['Japan · JP']);
    expect(await phone.getByTestId('fh-accessed').allInnerTexts()).toEqual(['China · CN']);
    expect(await phone.getByTestId('fh-returned').count()).toBe(0);
    const media = jp.locator('[data-testid="fh-category"][data-category="user.content.media"]');
    expect(await media.getByTestId('fh-stored').allInnerTexts()).toEqual(['Japan · JP', 'South Korea · KR']);
    expect(await media.getByTestId('fh-sent').allInnerTexts()).toEqual(['South Korea · KR']);
    expect(await media.getByTestId('fh-returned').allInnerTexts()).toEqual(['South Korea · KR']);
    const kr = page.locator('[data-testid="fh-jurisdiction"][data-home="KR"]');
    expect(await kr.getByTestId('fh-statement').innerText()).toMatch(/users in South Korea/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    const shots = path.join(repoRoot, '.tmp', 'screens');
    fs.mkdirSync(shots, { recursive: true });
    await jp.screenshot({ path: path.join(shots, 'foreign-handling-moved-home.png') });

    // A link straight to it works too, and leads back to sign-in.
    await page.goto(`${url}/#where-data-is`);
    await page.getByTestId('foreign-handling-page').waitFor();
    await page.getByTestId('back-to-signin').click();
    await page.getByTestId('signin-form').waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
