// Screenshot tour of the operator console (web/ops.html) into .tmp/screens/ops-*.png, plus the
// helpers its browser test shares: RFC 6238 codes for the demo operators and signing in through
// the console's form. Run: npx tsx test/browser/ops.screens.ts   (needs /usr/bin/chromium and a
// web/dist that contains ops.html).
import crypto from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestServer } from '../support/server.js';
import { launchChromium, repoRoot } from './support.js';

/** Public demo credentials of every demo operator (README). */
export const OPS_PASSWORD = 'domicile-ops-demo';
export const OPS_TOTP_SECRET = 'DOMICILEDEMOTOTPSECRETFOROPSDEMO';
export const SIMULATED = { JP: '133.242.0.1', KR: '211.43.0.1', CN: '1.2.4.8' } as const;

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s) for a time step. */
export function totpAt(step: number, secret = OPS_TOTP_SECRET): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

const usedSteps = new Map<string, number>();

/**
 * A code the server has not yet accepted for this operator: each code works once, and the server
 * accepts one step either side of now, so a second sign-in within 30 s uses the next step.
 */
export async function freshTotp(operatorId: string): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    // Never now - 1: a step boundary passing before the server checks would make it stale.
    const step = Math.max(now, (usedSteps.get(operatorId) ?? now - 1) + 1);
    if (step <= now + 1) {
      usedSteps.set(operatorId, step);
      return totpAt(step);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Opens the console and signs in through its form, appearing from `address` (demo mode). */
export async function signInConsole(page: Page, url: string, operatorId: string, address: string): Promise<void> {
  await page.goto(`${url}/ops.html`);
  await page.getByLabel('Operator id').fill(operatorId);
  await page.getByLabel('Password').fill(OPS_PASSWORD);
  await page.getByLabel('One-time code (TOTP)').fill(await freshTotp(operatorId));
  await page.getByLabel('Simulated source address (demo mode)').selectOption(address);
  await page.getByTestId('ops-signin-submit').click();
  const consoleShell = page.getByTestId('ops-console');
  const error = page.getByTestId('ops-error');
  await Promise.race([consoleShell.waitFor({ timeout: 15_000 }), error.waitFor({ timeout: 15_000 })]);
  if (await error.isVisible()) throw new Error(`operator sign-in refused: ${await error.innerText()}`);
  await page.locator('[data-testid="ops-socket"][data-state="open"]').waitFor({ timeout: 15_000 });
}

/** Fills the subject lookup form and asks the broker; waits for its answer. */
export async function lookUp(page: Page, props: { subject: string; categories: string[]; purpose: string; caseRef: string; grantId?: string }): Promise<void> {
  await page.getByTestId('ops-tab-lookup').click();
  await page.getByLabel('Subject id').fill(props.subject);
  await page.getByTestId('lookup-purpose').selectOption(props.purpose);
  await page.getByLabel('Case reference').fill(props.caseRef);
  await page.getByLabel('Grant id (optional)').fill(props.grantId ?? '');
  for (const box of await page.locator('[data-testid^="lookup-category-"]').all()) {
    const category = ((await box.getAttribute('data-testid')) ?? '').replace('lookup-category-', '');
    await box.setChecked(props.categories.includes(category));
  }
  const before = await page.getByTestId('access-result').count();
  await page.getByTestId('lookup-submit').click();
  if (before === 0) await page.getByTestId('access-result').waitFor();
  else await page.waitForTimeout(500);
}

// ---- the tour

const outDir = `${repoRoot}.tmp/screens`;

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${outDir}/ops-${name}.png`, fullPage });
  console.log(`saved ${outDir}/ops-${name}.png`);
}

async function consolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  return page;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const srv = await startTestServer({ web: true, demo: true, demoMode: true });
  const browser = await launchChromium();
  try {
    // 1. Sign-in, and a refusal with the server's message.
    const support = await consolePage(browser);
    await support.goto(`${srv.url}/ops.html`);
    await support.getByTestId('ops-demo-address-field').waitFor();
    await shot(support, '01-signin');
    await support.getByLabel('Operator id').fill('op-tokyo-support');
    await support.getByLabel('Password').fill(OPS_PASSWORD);
    await support.getByLabel('One-time code (TOTP)').fill('000000');
    await support.getByTestId('ops-signin-submit').click();
    await support.getByTestId('ops-error').waitFor();
    await shot(support, '01b-signin-error');

    // 2. Subject lookup through the broker.
    await signInConsole(support, srv.url, 'op-tokyo-support', SIMULATED.JP);
    await shot(support, '02-console');
    await lookUp(support, { subject: 'hanako', categories: ['user.account', 'user.contact'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001' });
    await shot(support, '03-lookup-allowed', true);
    await lookUp(support, { subject: 'hanako', categories: ['user.content.message'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001' });
    await support.locator('[data-testid="access-result"][data-decision="deny"]').waitFor();
    await shot(support, '04-lookup-denied', true);

    // 2b. Cases: the list, T-1001 opened through the broker, a new ticket opened.
    await support.getByTestId('ops-tab-cases').click();
    await support.locator('[data-testid="case-item"][data-ref="T-1001"]').getByTestId('case-open').click();
    await support.getByTestId('access-result').waitFor();
    await shot(support, '04b-case-opened', true);
    await support.getByTestId('case-subjects').fill('taro');
    await support.getByTestId('case-reason').selectOption('login');
    await support.getByTestId('case-submit').click();
    await support.getByTestId('case-notice').waitFor();
    await shot(support, '04c-case-ticket-opened');

    // 3. Grants: support requests, the approver approves, support reads the phone in clear.
    await support.getByTestId('ops-tab-grants').click();
    await support.getByLabel('Subjects (comma-separated)').fill('hanako');
    await support.getByLabel('Fields in clear (blank: all)').fill('phone');
    await support.getByTestId('grant-case').fill('T-1001');
    await support.getByTestId('grant-submit').click();
    await support.getByTestId('grant-requested').waitFor();
    const grantId = (await support.getByTestId('grant-row').first().getAttribute('data-grant-id')) ?? '';
    await shot(support, '05-grant-requested');

    const approver = await consolePage(browser);
    await signInConsole(approver, srv.url, 'op-tokyo-approver', SIMULATED.JP);
    await approver.getByTestId('ops-tab-grants').click();
    await approver.locator(`[data-testid="grant-row"][data-grant-id="${grantId}"]`).waitFor();
    await shot(approver, '06-grants-approver');
    await approver.locator(`[data-testid="grant-row"][data-grant-id="${grantId}"]`).getByTestId('grant-approve').click();
    await approver.locator(`[data-testid="grant-row"][data-grant-id="${grantId}"][data-status="approved"]`).waitFor();
    await shot(approver, '06b-grant-approved');

    await support.locator(`[data-testid="grant-row"][data-grant-id="${grantId}"][data-status="approved"]`).waitFor();
    await shot(support, '07-grant-approved-requester');
    await lookUp(support, { subject: 'hanako', categories: ['user.contact'], purpose: 'SUPPORT_CASE', caseRef: 'T-1001', grantId });
    await shot(support, '08-lookup-with-grant', true);

    // 4. Moderation: hanako reports a message of taro's; the moderator opens it through the broker.
    const hanako = new ApiClient(srv.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const chats = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string; title: string }[] };
    const chat = chats.conversations.find((c) => c.kind === 'direct' && c.title === 'Taro Suzuki');
    const messages = ((await hanako.request('GET', `/v1/conversations/${chat?.id ?? ''}/messages`)).body as { messages: { id: string; senderId: string; kind: string }[] }).messages;
    const taros = messages.find((m) => m.senderId === 'taro' && m.kind === 'text');
    await hanako.request('POST', `/v1/conversations/${chat?.id ?? ''}/messages/${taros?.id ?? ''}/report`, { reason: 'harassment' });
    const moderator = await consolePage(browser);
    await signInConsole(moderator, srv.url, 'op-tokyo-moderator', SIMULATED.JP);
    await moderator.getByTestId('ops-tab-moderation').click();
    await moderator.getByTestId('report-item').first().waitFor();
    await shot(moderator, '09-moderation-queue');
    await moderator.getByTestId('report-open').first().click();
    await moderator.getByTestId('access-result').waitFor();
    await shot(moderator, '10-reported-message', true);

    // 5. Cut-offs: a Shanghai engineer's console, then the admin blocks CN.
    const shanghai = await consolePage(browser);
    await signInConsole(shanghai, srv.url, 'op-shanghai-eng1', SIMULATED.CN);
    await shot(shanghai, '11-china-console');
    const admin = await consolePage(browser);
    await signInConsole(admin, srv.url, 'op-tokyo-admin', SIMULATED.JP);
    await admin.getByTestId('ops-tab-blocks').click();
    await admin.getByTestId('blocks-empty').waitFor();
    await shot(admin, '12-blocks');
    await admin.getByLabel('Country to cut off (ISO code)').fill('CN');
    await admin.getByTestId('block-submit').click();
    await admin.locator('[data-testid="block-item"][data-country="CN"]').waitFor();
    await shot(admin, '13-blocked');
    await shanghai.getByTestId('cutoff-banner').waitFor();
    await shot(shanghai, '14-cutoff-banner');
    await admin.getByTestId('unblock').click();
    await admin.getByTestId('blocks-empty').waitFor();
  } finally {
    await browser.close();
    await srv.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
