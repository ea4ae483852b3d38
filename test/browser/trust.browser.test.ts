// Sessions and strangers in a real browser (issue 14): a group a stranger made shows as a message
// request — tagged in the list, a bar with Accept / Decline instead of the composer — and
// accepting it opens the composer; the profile changes the password (a guessable one is refused
// with the server's advice; other devices are signed out) and signs out everywhere. axe finds no
// serious violation; screenshots go to .tmp/screens/ for a person to look at.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../support/server.js';
import { repoRoot, seriousA11yViolations, uniqueHandle, useBrowserSession } from './support.js';

const { ready, newPage, pageErrors } = useBrowserSession({ server: { web: true } });
const outDir = `${repoRoot}.tmp/screens`;
const password = 'correct horse battery';

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await page.waitForTimeout(250);
  await page.screenshot({ path: `${outDir}/${name}.png` });
}

async function signIn(page: Page, url: string, login: string, pass: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('signin-login').fill(login);
  await page.getByTestId('signin-password').fill(pass);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('chat-app').waitFor();
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor();
}

describe('message requests in the browser', () => {
  it('shows a stranger’s group as a request and opens the composer once accepted', async () => {
    const { url } = ready();
    const stranger = new ApiClient(url);
    const strangerHandle = uniqueHandle('kuma');
    await stranger.signUp({ handle: strangerHandle, displayName: 'Kuma Sales' });
    const person = new ApiClient(url);
    const handle = uniqueHandle('yuki');
    await person.signUp({ handle, displayName: 'Yuki Mori' });
    const group = (await stranger.request('POST', '/v1/conversations', { kind: 'group', memberIds: [handle], title: 'Limited offer' })).body as { id: string };
    await stranger.request('POST', `/v1/conversations/${group.id}/messages`, { clientId: 'offer-1', text: 'Click here for a prize' });

    const page = await newPage();
    await signIn(page, url, handle, password);
    const item = page.locator(`[data-testid="conversation-item"][data-conversation-id="${group.id}"]`);
    await item.getByTestId('request-tag').waitFor();
    expect(await item.getByTestId('conversation-preview').innerText()).toMatch(/^Message request from /);
    await item.click();
    const bar = page.getByTestId('request-bar');
    await bar.waitFor();
    expect(await bar.innerText()).toContain(`@${strangerHandle}`);
    expect(await page.getByTestId('composer').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'trust-01-message-request');

    await page.getByTestId('request-accept').click();
    await page.getByTestId('composer').waitFor();
    await item.getByTestId('request-tag').waitFor({ state: 'detached' });
    expect(await page.getByTestId('request-bar').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

describe('password and sessions in the profile', () => {
  it('changes the password (refusing a guessable one) and signs out everywhere', async () => {
    const { url } = ready();
    const handle = uniqueHandle('natsu');
    const otherDevice = new ApiClient(url);
    await otherDevice.signUp({ handle, displayName: 'Natsu Ono' });
    const page = await newPage();
    await signIn(page, url, handle, password);
    await page.getByTestId('open-profile').click();
    await page.getByTestId('profile-pane').waitFor();

    await page.getByTestId('password-current').fill(password);
    await page.getByTestId('password-new').fill(`${handle}-${handle}`);
    await page.getByTestId('password-submit').click();
    const status = page.getByTestId('password-status');
    await status.waitFor();
    expect(await status.innerText()).toMatch(/handle, name, e-mail or phone/);
    expect(await status.getAttribute('role')).toBe('alert');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'trust-02-weak-password');

    await page.getByTestId('password-new').fill('maple orbit lantern');
    await page.getByTestId('password-submit').click();
    await page.getByText('Password changed. 1 other device was signed out.').waitFor();
    expect((await otherDevice.request('GET', '/v1/me')).status).toBe(401);
    await page.getByTestId('password-form').scrollIntoViewIfNeeded();
    await shot(page, 'trust-03-password-changed');

    // Sign out everywhere: back to the sign-in screen, and this session is over on the server too.
    const laptop = new ApiClient(url);
    await laptop.signIn(handle, 'maple orbit lantern');
    await page.getByTestId('sign-out-everywhere').click();
    await page.getByTestId('signin-login').waitFor();
    expect((await laptop.request('GET', '/v1/me')).status).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
