// Screenshot tour of the browser app's main screens into .tmp/screens/*.png, for a person to look at.
// Run: npx tsx test/browser/screens.ts   (needs /usr/bin/chromium; builds web/dist first).
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { demoPassword, demoUsers } from '../../src/demo/demo.world.js';
import { startTestServer } from '../support/server.js';
import { ensureWebBuilt, launchChromium, makePng, repoRoot, signUpThroughUi, uniqueHandle, type NewUser } from './support.js';

const outDir = `${repoRoot}.tmp/screens`;

async function shot(page: Page, name: string): Promise<void> {
  // Let fonts, images and transitions settle so the picture shows what a person would see.
  await page.waitForTimeout(250);
  await page.screenshot({ path: `${outDir}/${name}.png` });
  console.log(`saved ${outDir}/${name}.png`);
}

async function userPage(browser: Browser, width = 1280, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  return page;
}

function person(prefix: string, displayName: string, home: 'JP' | 'KR'): NewUser {
  const handle = uniqueHandle(prefix);
  return { handle, displayName, home, email: `${handle}@example.${home.toLowerCase()}`, password: 'correct horse battery' };
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  ensureWebBuilt(process.argv.includes('--rebuild'));
  const srv = await startTestServer({ web: true, demo: true });
  const browser = await launchChromium();
  try {
    const aiko = person('aiko', 'Aiko Tanaka', 'JP');
    const minjun = person('minjun', 'Min-jun Kim', 'KR');
    const haruto = person('haruto', 'Haruto Sato', 'JP');

    const a = await userPage(browser);
    await a.goto(srv.url);
    await a.getByTestId('signin-form').waitFor();
    await shot(a, '01-signin');
    await a.getByTestId('signin-login').fill('nobody-here');
    await a.getByTestId('signin-password').fill('wrong password');
    await a.getByTestId('signin-submit').click();
    await a.getByTestId('form-error').waitFor();
    await shot(a, '01b-signin-error');

    await a.getByTestId('show-signup').click();
    await a.getByLabel('Handle', { exact: true }).fill(aiko.handle);
    await a.getByLabel('Display name', { exact: true }).fill(aiko.displayName);
    await a.getByLabel('Email address').fill(aiko.email);
    await a.getByLabel('Password', { exact: true }).fill(aiko.password);
    await shot(a, '02-signup');
    await a.getByTestId('signup-submit').click();
    await a.locator('[data-testid="connection"][data-state="open"]').waitFor();
    await shot(a, '03-empty');

    const b = await userPage(browser);
    await signUpThroughUi(b, srv.url, minjun);
    const c = await userPage(browser);
    await signUpThroughUi(c, srv.url, haruto);

    // Contacts: Aiko adds both.
    await a.getByTestId('tab-contacts').click();
    for (const h of [minjun.handle, haruto.handle]) {
      await a.getByTestId('add-contact-handle').fill(h);
      await a.getByTestId('add-contact-submit').click();
      await a.getByTestId('contact-item').filter({ hasText: h }).waitFor();
    }
    await shot(a, '04-contacts');

    // New chat (direct).
    await a.getByTestId('tab-chats').click();
    await a.getByTestId('new-chat').click();
    await a.getByLabel('Contact handle').fill(minjun.handle);
    await shot(a, '05-new-chat');
    await a.getByTestId('new-chat-submit').click();
    await a.getByTestId('chat-pane').waitFor();

    const compose = async (page: Page, text: string) => {
      await page.getByLabel('Message', { exact: true }).fill(text);
      await page.getByLabel('Message', { exact: true }).press('Enter');
      await page.getByTestId('message-text').filter({ hasText: text }).waitFor();
    };
    await compose(a, 'Hi Min-jun! Are you still coming to Tokyo next week?');
    const item = b.getByTestId('conversation-item').first();
    await item.waitFor();
    await shot(b, '06-unread');
    await item.click();
    // Min-jun's home is Korea and the chat is stored in Japan: it reaches him as an invitation kept
    // in Korea, and the notice comes before he joins (docs/residency.md).
    await b.getByTestId('invitation-text').waitFor();
    await shot(b, '06a-invitation');
    await b.getByTestId('request-accept').click();
    await b.getByTestId('notice-dialog').waitFor();
    await b.getByTestId('notice-regime').waitFor();
    await shot(b, '06b-notice-before-consent');
    await b.getByTestId('notice-agree').click();
    await b.getByTestId('notice-dialog').waitFor({ state: 'detached' });
    await b.getByTestId('request-bar').waitFor({ state: 'detached' });
    await compose(b, 'Yes! Landing at Haneda on Tuesday afternoon.');
    await a.getByTestId('message-text').filter({ hasText: 'Landing at Haneda' }).waitFor();
    await compose(b, 'Could you send me the address of the café?');
    await compose(a, 'Sure — here is the map.');
    await a
      .getByTestId('attach-input')
      .setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: makePng(360, 220, [12, 107, 93], [226, 240, 236]) });
    await a.getByTestId('message-image').last().waitFor();
    await b.getByTestId('message-image').last().waitFor();
    await a.getByTestId('read-marker').first().waitFor();
    await shot(a, '07-chat');
    await shot(b, '08-chat-receiver');

    // A group.
    await a.getByTestId('new-chat').click();
    await a.getByTestId('new-chat-kind-group').check();
    await a.getByLabel('Group title').fill('Tokyo trip');
    await a.getByLabel('Members’ handles').fill(`${minjun.handle}, ${haruto.handle}`);
    await shot(a, '09-new-group');
    await a.getByTestId('new-chat-submit').click();
    await a.getByTestId('chat-pane').waitFor();
    await compose(a, 'Made a group so we can plan together.');
    const cItem = c.getByTestId('conversation-item').filter({ hasText: 'Tokyo trip' });
    await cItem.click();
    await compose(c, 'Great idea. I can pick you up at the airport.');
    await a.getByTestId('message-text').filter({ hasText: 'pick you up' }).waitFor();
    await shot(a, '10-group');

    // Official accounts.
    await a.getByTestId('tab-official').click();
    await a.getByTestId('official-panel').waitFor();
    const follow = a.getByTestId('follow-toggle').first();
    if (await follow.count()) {
      await follow.click();
      await a.getByTestId('open-channel').first().click();
      await a.getByTestId('chat-pane').waitFor();
    }
    await shot(a, '11-official');

    // Profile with a picture.
    await a.getByTestId('open-profile').click();
    await a
      .getByTestId('avatar-input')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: makePng(96, 96, [240, 170, 90], [250, 225, 180]) });
    await a.getByTestId('profile-status').waitFor();
    await shot(a, '12-profile');

    // Narrow screen: one column at a time.
    const m = await userPage(browser, 390, 780);
    await m.goto(srv.url);
    await m.getByTestId('signin-login').fill(minjun.handle);
    await m.getByTestId('signin-password').fill(minjun.password);
    await m.getByTestId('signin-submit').click();
    await m.getByTestId('conversation-item').first().waitFor();
    await shot(m, '13-mobile-list');
    await m.getByTestId('conversation-title').filter({ hasText: 'Aiko Tanaka' }).first().click();
    await m.getByTestId('message-image').last().waitFor();
    await shot(m, '14-mobile-chat');

    // The demo world: a Japanese user with local, cross-border and group chats and an official channel.
    const d = await userPage(browser);
    await d.goto(srv.url);
    await d.getByTestId('signin-login').fill(demoUsers[0].handle);
    await d.getByTestId('signin-password').fill(demoPassword);
    await d.getByTestId('signin-submit').click();
    await d.getByTestId('conversation-item').first().waitFor();
    await d.getByTestId('conversation-title').filter({ hasText: 'Min-jun Kim' }).first().click();
    await d.getByTestId('message').last().waitFor();
    await d.waitForTimeout(1000);
    await shot(d, '15-demo-cross-border');
    await d.getByTestId('conversation-title').filter({ hasText: 'Minato City' }).first().click();
    await d.getByTestId('channel-readonly').waitFor();
    await shot(d, '16-demo-channel');

    // The privacy centre, on the demo's story: hanako's data, transfers and who accessed it.
    await d.getByTestId('open-privacy').click();
    await d.getByTestId('privacy-where').waitFor();
    await shot(d, '17-privacy-where');
    await d.getByTestId('privacy-tab-transfers').click();
    await d.getByTestId('transfer-item').first().waitFor();
    await shot(d, '18-privacy-transfers');
    await d.getByTestId('privacy-tab-accesses').click();
    await d.locator('[data-testid="access-item"][data-verified="verified"]').first().waitFor();
    await d.locator('[data-testid="access-item"][data-employer="Shanghai Dev Ltd."]').first().scrollIntoViewIfNeeded();
    await shot(d, '19-privacy-accesses');
    await d.getByTestId('privacy-tab-consents').click();
    await d.getByTestId('privacy-consents').waitFor();
    await shot(d, '20-privacy-consents-none');

    // Min-jun's consent with its receipt.
    await b.getByTestId('open-privacy').click();
    await b.getByTestId('privacy-tab-consents').click();
    await b.getByTestId('consent-item').first().waitFor();
    await b.getByTestId('consent-view-receipt').first().click();
    await shot(b, '21-privacy-consent-receipt');

    // The public page, from the sign-in screen's footer.
    const p = await userPage(browser);
    await p.goto(srv.url);
    await p.getByTestId('open-foreign-handling').click();
    await p.getByTestId('fh-jurisdiction').first().waitFor();
    await shot(p, '22-where-data-is');
    await p.screenshot({ path: `${outDir}/22b-where-data-is-full.png`, fullPage: true });

    // Narrow: the accesses list.
    const mp = await userPage(browser, 390, 780);
    await mp.goto(srv.url);
    await mp.getByTestId('signin-login').fill(demoUsers[0].handle);
    await mp.getByTestId('signin-password').fill(demoPassword);
    await mp.getByTestId('signin-submit').click();
    await mp.getByTestId('open-privacy').click();
    await mp.getByTestId('privacy-tab-accesses').click();
    await mp.locator('[data-testid="access-item"][data-verified="verified"]').first().waitFor();
    await shot(mp, '23-mobile-accesses');
  } finally {
    await browser.close();
    await srv.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
