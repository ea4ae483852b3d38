// End-to-end chat in a real browser: two people (two isolated browser contexts) sign up through the UI,
// one starts a direct chat by handle, both see where it is stored, messages and an image travel live
// over the WebSocket into the other window, and unread badges and read markers follow.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ApiClient } from '../support/server.js';
import os from 'node:os';
import path from 'node:path';
import { makePng, seriousA11yViolations, signUpThroughUi, uniqueHandle, useBrowserSession } from './support.js';

const screenshotPath = (name: string) => path.join(os.tmpdir(), name);

const session = useBrowserSession({ server: { web: true } });
const { ready, pageErrors } = session;
const newUserPage = () => session.newPage({ width: 1200, height: 800 });

function messageText(page: Page, text: string) {
  return page.getByTestId('message-text').filter({ hasText: text });
}

describe('chat in the browser', () => {
  it('two people chat live across windows, with the residency badge, images and read markers', async () => {
    const { url } = ready();
    const aiko = { handle: uniqueHandle('aiko'), displayName: 'Aiko Tanaka', home: 'JP' as const, email: '', password: 'correct horse 1' };
    aiko.email = `${aiko.handle}@example.jp`;
    const minjun = { handle: uniqueHandle('minjun'), displayName: 'Min-jun Kim', home: 'KR' as const, email: '', password: 'correct horse 2' };
    minjun.email = `${minjun.handle}@example.kr`;

    const a = await newUserPage();
    const b = await newUserPage();
    await signUpThroughUi(a, url, aiko);
    await signUpThroughUi(b, url, minjun);
    expect(await a.getByTestId('me-name').innerText()).toBe('Aiko Tanaka');
    expect(await b.getByTestId('me-name').innerText()).toBe('Min-jun Kim');

    // Aiko starts a direct chat by Min-jun's handle (typed with the "@" people tend to add).
    await a.getByTestId('new-chat').click();
    // A handle nobody has: the server's own message is shown, not a generic failure.
    await a.getByLabel('Contact handle').fill('nobody-by-this-name');
    await a.getByTestId('new-chat-submit').click();
    const refusal = await a.getByTestId('form-error').innerText();
    expect(refusal.length).toBeGreaterThan(0);
    expect(refusal).not.toMatch(/request failed/i);
    await a.getByLabel('Contact handle').fill(`@${minjun.handle}`);
    await a.getByTestId('new-chat-submit').click();
    await a.getByTestId('chat-pane').waitFor();
    // Conversations live in the creator's home cell: Aiko's is Japan.
    expect(await a.getByTestId('residency-badge').innerText()).toBe('Stored in Japan · JP · images in South Korea · KR');

    await a.getByLabel('Message', { exact: true }).fill('Hello from Tokyo');
    await a.getByLabel('Message', { exact: true }).press('Enter');
    await messageText(a, 'Hello from Tokyo').waitFor();

    // Min-jun (home Korea) has not consented to storage in Japan, so nothing of his is written
    // there: the chat reaches him, without reloading, as an invitation kept in Korea. Joining
    // answers TRANSFER_CONSENT_REQUIRED and the app shows notice kr-messages-jp; he reads it and
    // agrees, and the membership is written through the transfer gate.
    const item = b.getByTestId('conversation-item').filter({ hasText: 'Aiko Tanaka' });
    await item.waitFor();
    await item.click();
    const invitation = b.getByTestId('invitation-text');
    await invitation.waitFor();
    expect(await invitation.innerText()).toMatch(/invited you to this chat\. It is stored in Japan/);
    expect(await messageText(b, 'Hello from Tokyo').count()).toBe(0);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await b.screenshot({ path: screenshotPath('invitation-bar.png') });
    await b.getByTestId('request-accept').click();
    const joinDialog = b.getByTestId('notice-dialog');
    await joinDialog.waitFor();
    await joinDialog.getByTestId('notice-regime').waitFor();
    expect(await joinDialog.getByRole('heading', { level: 2 }).innerText()).toBe('Your membership will be stored in Japan');
    expect(await joinDialog.getByTestId('notice-regime').innerText()).toMatch(/Act on the Protection of Personal Information/);
    expect(await joinDialog.getByTestId('notice-recipient').innerText()).toMatch(/Nihon Talk Corp[\s\S]*measures/);
    expect(await joinDialog.getByTestId('notice-purpose').innerText()).toMatch(/your membership/);
    expect(await joinDialog.getByTestId('notice-agree').innerText()).toBe('Agree and join');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await b.screenshot({ path: screenshotPath('invitation-notice.png') });
    await joinDialog.getByTestId('notice-agree').click();
    await joinDialog.waitFor({ state: 'detached' });
    await b.getByTestId('request-bar').waitFor({ state: 'detached' });
    await messageText(b, 'Hello from Tokyo').waitFor();
    expect(await b.getByTestId('residency-badge').innerText()).toBe('Stored in Japan · JP · images in South Korea · KR');
    expect(await b.getByTestId('residency-note').innerText()).toContain('South Korea');
    // The name comes with the member list, which may land a moment after the message text.
    await b.getByTestId('sender-name').filter({ hasText: 'Aiko Tanaka' }).first().waitFor();
    expect(await b.getByTestId('sender-name').filter({ hasText: 'Aiko Tanaka' }).count()).toBeGreaterThan(0);

    // Min-jun opened the chat, so Aiko's message shows as read in her window.
    await a.getByTestId('read-marker').filter({ hasText: 'Read' }).first().waitFor();

    // His consent covers his messages too: the reply travels back live, with no second notice.
    await b.getByLabel('Message', { exact: true }).fill('안녕하세요, Seoul here');
    await b.getByTestId('composer-send').click();
    await messageText(a, '안녕하세요, Seoul here').waitFor();
    await messageText(b, '안녕하세요, Seoul here').waitFor();
    expect(await messageText(a, '안녕하세요, Seoul here').count()).toBe(1);
    expect(await b.getByTestId('pending-message').count()).toBe(0);
    expect(await b.getByTestId('notice-dialog').count()).toBe(0);

    // An image: uploaded with the auth header, then fetched with it into an object URL on both sides.
    const png = makePng(48, 32, [12, 107, 93], [240, 200, 80]);
    await a.getByTestId('attach-input').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: png });
    for (const page of [a, b]) {
      const img = page.getByTestId('message-image').last();
      await img.waitFor();
      await page.waitForFunction(
        () => {
          const imgs = document.querySelectorAll<HTMLImageElement>('[data-testid="message-image"]');
          const last = imgs[imgs.length - 1];
          return last !== undefined && last.complete && last.naturalWidth > 0;
        },
        undefined,
        { timeout: 15_000 },
      );
      expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(48);
      expect(await img.getAttribute('src')).toMatch(/^blob:/);
    }
    // The list previews the image for the receiver.
    await b.getByTestId('conversation-preview').filter({ hasText: 'Photo' }).first().waitFor();
    // The open chat, with its day divider, messages, image and read markers, passes axe.
    expect(await seriousA11yViolations(a)).toEqual([]);

    // Nothing pending or failed is left behind, and no page threw.
    expect(await a.getByTestId('pending-message').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('signs in, and after the socket drops resumes from its cursor without losing or repeating messages', async () => {
    const server = ready();
    const sora = { handle: uniqueHandle('sora'), password: 'correct horse 3' };
    const jiwoo = new ApiClient(server.url);
    const soraApi = new ApiClient(server.url);
    const soraUser = (await soraApi.signUp({ handle: sora.handle, displayName: 'Sora Ito', home: 'JP', password: sora.password })).user;
    await jiwoo.signUp({ handle: uniqueHandle('jiwoo'), displayName: 'Ji-woo Park', home: 'KR' });
    const created = await jiwoo.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [soraUser.id] });
    expect(created.status).toBe(201);
    const conversationId = (created.body as { id: string }).id;
    const say = async (clientId: string, text: string) => {
      const res = await jiwoo.request('POST', `/v1/conversations/${conversationId}/messages`, { clientId, text });
      expect(res.status).toBe(201);
    };
    await say('c1', 'before the drop');

    const page = await newUserPage();
    await page.goto(server.url);
    await page.getByTestId('signin-login').fill(sora.handle);
    await page.getByTestId('signin-password').fill(sora.password);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor();
    await page.getByTestId('conversation-item').first().click();
    await messageText(page, 'before the drop').waitFor();
    // Storage is decided by the creator's home: Ji-woo's is Korea.
    expect(await page.getByTestId('residency-badge').innerText()).toBe('Stored in South Korea · KR');

    // Drop every socket; the client waits out its backoff, so these messages land while it is away.
    server.runtime.hub.closeAll();
    expect(server.runtime.hub.connectionsOf(soraUser.id)).toBe(0);
    await say('c2', 'while away one');
    expect(server.runtime.hub.connectionsOf(soraUser.id)).toBe(0);
    await say('c3', 'while away two');

    await messageText(page, 'while away two').waitFor();
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor();
    await say('c4', 'after the return');
    await messageText(page, 'after the return').waitFor();
    for (const text of ['before the drop', 'while away one', 'while away two', 'after the return']) {
      expect(await messageText(page, text).count()).toBe(1);
    }
    const seqs = await page.getByTestId('message').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
