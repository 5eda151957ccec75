/** Shared Chromium setup for the e2e files: the system browser, never a download. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.LAMSLIDE_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run "node scripts/ensure-chromium.mjs"`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Without a GPU, WebGL needs the software rasteriser; recent Chromium no longer falls back to it unasked.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}

export interface PageLog {
  errors: string[];
}

/** Opens the app and collects page errors and console errors, so a test can assert there were none. */
export async function openApp(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ viewport });
  const log: PageLog = { errors: [] };
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  await page.goto(baseUrl);
  await page.waitForSelector('[data-testid="viewport"] canvas');
  return { page, log };
}

/** Waits until the scene `name` is shown and nothing is loading. */
export async function waitForScene(page: Page, name: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (n) => window.__lamslide?.sceneName() === n && !window.__lamslide.loading(),
    name,
    { timeout },
  );
}
