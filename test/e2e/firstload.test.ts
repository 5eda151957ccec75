/**
 * First load: the entry script (and whatever it imports statically) stays small, three.js and onnxruntime-web
 * come later in their own chunks, the page paints its shell first, and nothing it asks for is missing (the icon).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp } from './browser';

const MAX_ENTRY_BYTES = 250_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('first load', () => {
  it(`has an entry script of at most ${MAX_ENTRY_BYTES / 1000} kB, with three.js and onnxruntime-web elsewhere`, () => {
    const dist = inject('distDir');
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const entries = [...html.matchAll(/<script type="module"[^>]* src="\/([^"]+)"/g)].map((m) => m[1]);
    const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]* href="\/([^"]+)"/g)].map((m) => m[1]);
    expect(entries).toHaveLength(1);
    const files = [...entries, ...preloads];
    const bytes = files.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
    console.log(`entry: ${files.join(' + ')} = ${(bytes / 1000).toFixed(1)} kB`);
    expect(bytes).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    const code = files.map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    // Markers of the big libraries: three's renderer and onnxruntime's session API.
    expect(code).not.toContain('WebGLRenderer');
    expect(code).not.toContain('InferenceSession');
  });

  it('paints the shell, then the viewer, and requests nothing that is missing', async () => {
    const { page, log } = await openApp(browser, inject('baseUrl'));
    const paints = await page.evaluate(() => performance.getEntriesByType('paint').map((e) => e.name));
    expect(paints).toContain('first-contentful-paint');
    expect(await page.locator('[data-testid="app-loading"]').count()).toBe(0);
    const icon = await page.evaluate(async () => {
      const href = document.querySelector('link[rel="icon"]')?.getAttribute('href');
      return href ? (await fetch(href)).status : 0;
    });
    expect(icon).toBe(200);
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector('link[rel="manifest"]')?.getAttribute('href');
      const m = href ? ((await (await fetch(href)).json()) as { icons: Array<{ src: string }> }) : { icons: [] };
      return Promise.all(m.icons.map(async (i) => `${i.src} ${(await fetch(i.src)).status}`));
    });
    expect(manifest.length).toBeGreaterThan(0);
    for (const m of manifest) expect(m).toMatch(/ 200$/);
    expect(log.failedRequests).toEqual([]);
    expect(log.errors).toEqual([]);
  });
});
