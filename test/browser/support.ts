// Shared helpers for the browser tests and the screenshot script: launching Debian's Chromium through
// playwright-core (never a downloaded browser), building web/dist when missing, driving the sign-up
// form, checking a screen with axe-core, and making small real PNG files for uploads.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requestedTestDialect } from '../support/databases.js';
import { startTestServer, type TestServer, type TestServerProps } from '../support/server.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Flags from MACHINE-NOTES: root needs --no-sandbox; the rest stop Chromium reaching the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the browser tests cannot run. ` +
        'Install Debian\'s build with: apt-get install -y chromium ' +
        '(do not use `npx playwright install`, it downloads and fails here).',
    );
  }
}

/**
 * Launches Chromium headless. playwright-core refuses `--user-data-dir` in `args` for `launch()`: it
 * creates a fresh temporary profile itself (mkdtemp `playwright_chromiumdev_profile-*`) for every
 * launch and deletes it on close, which is what we need; each `browser.newContext()` is then an
 * isolated storage partition (its own localStorage), i.e. one user.
 */
export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds web/dist with Vite when it is missing or older than the sources (or when `force`). */
export function ensureWebBuilt(force = false): void {
  const index = `${repoRoot}web/dist/index.html`;
  const sources = Math.max(newestMtime(`${repoRoot}web/src`), statSync(`${repoRoot}web/index.html`).mtimeMs);
  if (!force && existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const result = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], {
    cwd: repoRoot,
    // Vitest sets NODE_ENV=test; inherited, it would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0 || !existsSync(index)) {
    throw new Error(`vite build failed (status ${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
  }
}

export interface NewUser {
  handle: string;
  displayName: string;
  home: 'JP' | 'KR';
  email: string;
  password: string;
}

/** A handle unique per run, so tests can share a server without colliding (handles: letter first). */
export function uniqueHandle(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

export async function signUpThroughUi(page: Page, baseUrl: string, user: NewUser): Promise<void> {
  await page.goto(baseUrl);
  await page.getByTestId('show-signup').click();
  await page.getByLabel('Handle', { exact: true }).fill(user.handle);
  await page.getByLabel('Display name', { exact: true }).fill(user.displayName);
  await page.getByLabel('Home jurisdiction').selectOption(user.home);
  await page.getByLabel('Email address').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByTestId('signup-submit').click();
  await waitForAppOrError(page);
}

/** Waits for the chat app, or fails with the form's error text so a refused sign-up is obvious. */
async function waitForAppOrError(page: Page): Promise<void> {
  const app = page.getByTestId('chat-app');
  const error = page.getByTestId('form-error');
  await Promise.race([app.waitFor({ timeout: 15_000 }), error.waitFor({ timeout: 15_000 })]);
  if (await error.isVisible()) throw new Error(`sign-up refused: ${await error.innerText()}`);
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 });
}

// ---- accessibility

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: string | null = null;

/**
 * Axe runs on the SQLite pass only. The PostgreSQL pass renders the same pages from the same API
 * answers (only the cells' dialect differs, and no page shows it), and axe was a third of a browser
 * file's time there (governance: 13 of 45 s).
 */
const axeOnThisPass = requestedTestDialect() !== 'postgres';

/**
 * Runs axe-core on the page as it is now and returns its serious and critical violations (the ones a
 * screen may not ship with), each with the selectors of up to three offending nodes; none on the
 * PostgreSQL pass (above).
 */
export async function seriousA11yViolations(page: Page): Promise<A11yViolation[]> {
  if (!axeOnThisPass) return [];
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, not as a <script> tag: the pages' Content-Security-Policy
  // (src/http/security-headers.ts) refuses inline scripts, and the test must not weaken it.
  await page.evaluate(axeSource);
  // A string, so the bundler's helpers never leak into the page.
  const all = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
  )) as A11yViolation[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// ---- PNG generation (a real image: the server sniffs uploads, so bytes must be a valid PNG)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG with a diagonal two-colour pattern, `width`×`height` pixels. */
export function makePng(width: number, height: number, a: [number, number, number], b: [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, bl] = (x + y) % 24 < 12 ? a : b;
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = bl;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface BrowserSession {
  /** The server, or the setup error (e.g. Chromium missing) rethrown so the test fails loudly. */
  ready(): TestServer;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Uncaught errors of every page opened so far. */
  readonly pageErrors: string[];
}

/**
 * Registers beforeAll/afterAll for one browser test file: builds web/dist if needed, starts a test
 * server and Chromium, and closes everything afterwards. Setup problems are kept and rethrown by
 * every test, so a missing browser shows as failed tests carrying the install hint, never as
 * skipped ones.
 */
export function useBrowserSession(props: { server: TestServerProps; beforeStart?: () => void }): BrowserSession {
  let srv: TestServer | undefined;
  let browser: Browser | undefined;
  let setupError: unknown = null;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    try {
      assertChromiumInstalled();
      ensureWebBuilt();
      props.beforeStart?.();
      srv = await startTestServer(props.server);
      browser = await launchChromium();
    } catch (err) {
      setupError = err;
    }
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
  });

  return {
    pageErrors,
    ready() {
      if (setupError) throw setupError;
      if (!srv || !browser) throw new Error('browser test setup did not finish');
      return srv;
    },
    async newPage(viewport = { width: 1280, height: 860 }) {
      if (!browser) throw new Error('browser not started');
      const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    },
  };
}
