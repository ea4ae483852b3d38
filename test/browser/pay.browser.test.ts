// Domicile Pay in a real browser: the Wallet tab (balance, currency, the "Stored in …" badge of
// the payment data, a top-up labelled simulated, history), then money in a chat — one person
// sends money and asks for money, the other sees both cards arrive live and accepts the request
// with a button, and the asker's wallet shows all of it. axe finds no serious violation; screenshots are kept
// for a person to look at.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousA11yViolations, signUpThroughUi, uniqueHandle, useBrowserSession } from './support.js';

const session = useBrowserSession({ server: { web: true } });
const { ready, pageErrors } = session;
const shots = process.env.DOMICILE_SCREENSHOTS ?? os.tmpdir();

async function person(url: string, name: string, displayName: string): Promise<{ page: Page; handle: string }> {
  const page = await session.newPage({ width: 1200, height: 820 });
  const handle = uniqueHandle(name);
  await signUpThroughUi(page, url, { handle, displayName, home: 'JP', email: `${handle}@example.jp`, password: 'correct horse 9' });
  return { page, handle };
}

const card = (page: Page, type: string) => page.locator(`[data-testid="pay-card"][data-card-type="${type}"]`);

describe('Domicile Pay in the browser', () => {
  it('shows the wallet, tops up (simulated), and sends, asks and accepts money in a chat', async () => {
    const { url } = ready();
    const { page: a } = await person(url, 'haruka', 'Haruka Mori');
    const { page: b, handle: bHandle } = await person(url, 'daichi', 'Daichi Ono');

    // The wallet tab: empty, in yen, stored in Japan, with a top-up clearly labelled simulated.
    await a.getByTestId('tab-wallet').click();
    const wallet = a.getByTestId('wallet-pane');
    await wallet.getByTestId('wallet-balance').waitFor();
    expect(await wallet.getByTestId('wallet-balance').innerText()).toMatch(/¥\s?0|JP¥\s?0/);
    expect(await wallet.getByTestId('residency-badge').innerText()).toBe('Stored in Japan · JP');
    expect(await wallet.getByTestId('wallet-topup').innerText()).toContain('simulated');
    await wallet.getByTestId('wallet-topup').click();
    expect(await wallet.getByRole('note').innerText()).toMatch(/Simulated/);
    await wallet.getByLabel('Amount (JPY)').fill('1.5');
    await wallet.getByTestId('topup-form').getByRole('button', { name: /Top up/ }).click();
    expect(await wallet.getByTestId('form-error').innerText()).toMatch(/whole amount/);
    await wallet.getByLabel('Amount (JPY)').fill('10,000');
    await wallet.getByTestId('topup-form').getByRole('button', { name: /Top up/ }).click();
    await wallet.getByTestId('wallet-item').first().waitFor();
    expect(await wallet.getByTestId('wallet-balance').innerText()).toMatch(/10,000/);
    expect(await wallet.getByTestId('wallet-item').first().innerText()).toMatch(/Simulated bank[\s\S]*\+[\s\S]*10,000/);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await a.screenshot({ path: path.join(shots, 'pay-wallet.png') });

    // A chat with Daichi: send money, then ask for money.
    await a.getByTestId('tab-chats').click();
    await a.getByTestId('new-chat').click();
    await a.getByLabel('Contact handle').fill(bHandle);
    await a.getByTestId('new-chat-submit').click();
    await a.getByTestId('chat-pane').waitFor();
    await a.getByTestId('money-open').click();
    const form = a.getByTestId('money-form');
    await form.getByTestId('money-amount').fill('1200');
    await form.getByTestId('money-note').fill('Ramen');
    await form.getByTestId('money-submit').click();
    await card(a, 'payment').waitFor();
    expect(await card(a, 'payment').innerText()).toMatch(/You sent[\s\S]*1,200[\s\S]*Ramen[\s\S]*Paid/);

    await a.getByTestId('money-open').click();
    await form.getByTestId('money-mode-request').check();
    await form.getByTestId('money-amount').fill('800');
    await form.getByTestId('money-note').fill('Concert tickets');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await form.getByTestId('money-submit').click();
    await card(a, 'request').waitFor();
    expect(await card(a, 'request').getAttribute('data-status')).toBe('open');
    expect(await card(a, 'request').getByTestId('pay-cancel').count()).toBe(1);
    expect(await card(a, 'request').getByTestId('pay-accept').count()).toBe(0);

    // Daichi sees both cards arrive over the socket, and accepts the request with a button.
    const item = b.getByTestId('conversation-item').first();
    await item.waitFor();
    await item.click();
    await card(b, 'request').waitFor();
    // The cards come with the messages, the chat's members are read beside them: the name (the direct
    // chat's title until then) is waited for, not read at once.
    await card(b, 'payment').filter({ hasText: 'Haruka Mori sent you' }).waitFor();
    await card(b, 'request').filter({ hasText: 'Haruka Mori asked you for' }).waitFor();
    expect(await card(b, 'payment').innerText()).toMatch(/Haruka Mori sent you[\s\S]*1,200/);
    expect(await card(b, 'request').innerText()).toMatch(/Haruka Mori asked you for[\s\S]*800[\s\S]*Concert tickets/);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await b.screenshot({ path: path.join(shots, 'pay-chat-request.png') });
    await card(b, 'request').getByTestId('pay-accept').click();
    await card(b, 'request_update').waitFor();
    expect(await card(b, 'request').getAttribute('data-status')).toBe('accepted');
    expect(await card(b, 'request').getByTestId('pay-accept').count()).toBe(0);
    // Haruka's window follows live: her request now reads paid, without a reload.
    await a.locator('[data-testid="pay-card"][data-card-type="request"][data-status="accepted"]').waitFor();
    await a.screenshot({ path: path.join(shots, 'pay-chat-accepted.png') });

    // Haruka's wallet shows all three: 10,000 − 1,200 + 800.
    await a.getByTestId('tab-wallet').click();
    await a.getByTestId('wallet-pane').getByTestId('wallet-item').nth(2).waitFor();
    expect(await a.getByTestId('wallet-balance').innerText()).toMatch(/9,600/);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
