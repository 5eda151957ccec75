/**
 * Offline use: after a first visit (the service worker precaches the app, the WASM runtime, the demo scenes and
 * the models), the app opens and samples with the server gone and the browser context offline. The app is
 * served by a private server here, so stopping it takes the network away for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseManifest, parseModelIndex } from '../../src/core/sampler/manifest';
import { launchBrowser, ourWarnings, sampleCrowd, watchPage } from './browser';
import { serveDirectory, type RunningServer } from './staticServer';

let browser: Browser;
let context: BrowserContext;
let server: RunningServer | undefined;

beforeAll(async () => {
  server = await serveDirectory(inject('distDir'));
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'allow' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('offline', () => {
  it('opens and samples with the network off after the first visit', { timeout: 240_000 }, async () => {
    const url = server!.url;
    const first = await context.newPage();
    const firstLog = watchPage(first);
    await first.goto(url);
    await first.waitForSelector('[data-testid="viewport"] canvas');
    // The worker is active (precache complete) and controls the page.
    await first.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });

    // The cache holds each model graph under the sha256 its manifest states.
    const cached = await first.evaluate(async () => {
      const out: string[] = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) out.push(req.url);
      return out;
    });
    const dist = inject('distDir');
    const index = parseModelIndex(JSON.parse(readFileSync(join(dist, 'models', 'index.json'), 'utf8')));
    for (const entry of index) {
      const m = parseManifest(JSON.parse(readFileSync(join(dist, 'models', entry.path, 'manifest.json'), 'utf8')));
      for (const g of Object.values(m.files)) {
        expect(cached).toContain(`${url}models/${entry.path}/${g.path}?__WB_REVISION__=${g.sha256}`);
      }
    }
    expect(cached.some((u) => /\/assets\/ort-wasm-simd-threaded\.jsep-[^/]+\.wasm$/.test(u))).toBe(true);
    await first.close();
    expect(firstLog.errors).toEqual([]);

    await server!.close();
    server = undefined;
    await context.setOffline(true);
    const page = await context.newPage();
    const log = watchPage(page);
    await page.goto(url);
    await page.waitForSelector('[data-testid="viewport"] canvas');
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    const st = await sampleCrowd(page, { k: 3, nfe: 2 });
    expect(st.error).toBeNull();
    expect(st.status).toBe('done');
    expect(st.model).toBe(index.find((m) => m.default)?.name);
    expect(st.lines).toBeGreaterThan(0);
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
    expect(ourWarnings(log)).toEqual([]);
  });
});
