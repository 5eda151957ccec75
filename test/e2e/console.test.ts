/**
 * A clean console: a fresh build prints no warning, and a first visit (with the service worker installing),
 * every demo scene and a sampling run log no error, no warning of the app's and no failed request, with no CSP
 * violation. BROWSER_WARNINGS (browser.ts) lists the only warnings let through, which are the browser's own.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, ourWarnings, sampleCrowd, waitForScene, watchCsp, watchPage } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('console', () => {
  it('the build printed no warning', () => {
    // Empty also when LAMSLIDE_E2E_DIST serves an existing build (nothing was built then).
    expect(inject('buildWarnings')).toEqual([]);
  });

  it('stays clean on load, on every demo scene and while sampling', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'allow' });
    const page = await context.newPage();
    const violations = await watchCsp(page);
    const log = watchPage(page);
    await page.goto(inject('baseUrl'));
    await page.waitForSelector('[data-testid="viewport"] canvas');
    await page.evaluate(() => navigator.serviceWorker.ready);
    const demos = await page.$$eval('[data-testid^="demo-"]', (els) => els.map((e) => [e.getAttribute('data-testid')!, e.getAttribute('title')!]));
    expect(demos.length).toBeGreaterThan(0);
    for (const [id, file] of demos) {
      await page.click(`[data-testid="${id}"]`);
      await waitForScene(page, file);
    }
    const st = await sampleCrowd(page, { k: 4, nfe: 2 });
    expect(st.error).toBeNull();
    await page.click('[data-testid="show-file"]');
    await page.waitForTimeout(500);
    expect(log.errors).toEqual([]);
    expect(ourWarnings(log)).toEqual([]);
    expect(log.failedRequests).toEqual([]);
    expect(await violations()).toEqual([]);
    await context.close();
  });
});
