/**
 * A 30 MB ETH/UCY file must load without freezing the page: parsing runs in a worker, so the page keeps
 * producing animation frames while the file is read and parsed.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openApp, waitForScene } from './browser';

const AGENTS = 500;
const FRAMES = 2300;

let browser: Browser;
let dir: string;
let file: string;

interface RafStats {
  frames: number;
  framesWhileLoading: number;
  maxGapWhileLoading: number;
  maxGap: number;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lamslide-e2e-'));
  file = join(dir, 'big-crowd.txt');
  const chunks: string[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const rows: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      // Agents walk on circles of different radii: cheap, deterministic, and every row is distinct text.
      const a = (f * 0.01 + i) % (2 * Math.PI);
      const r = 5 + (i % 50) * 0.4;
      rows.push(`${(f * 10).toFixed(1)}\t${(i + 1).toFixed(1)}\t${(r * Math.cos(a)).toFixed(3)}\t${(r * Math.sin(a)).toFixed(3)}`);
    }
    chunks.push(rows.join('\n'));
  }
  writeFileSync(file, chunks.join('\n') + '\n');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('loads a 30 MB ETH/UCY file in the background while the page keeps animating', async () => {
  expect(statSync(file).size).toBeGreaterThan(30e6);
  const { page, log } = await openApp(browser, inject('baseUrl'));
  // A small crowd first, so this kind of scene has been drawn once before the clock starts.
  await page.click('[data-testid="demo-crossing-crowd"]');
  await waitForScene(page, 'crossing-crowd.txt');

  await page.evaluate(() => {
    const stats = { frames: 0, framesWhileLoading: 0, maxGapWhileLoading: 0, maxGap: 0 };
    (window as unknown as { rafStats: typeof stats }).rafStats = stats;
    let last = performance.now();
    let wasLoading = false;
    const tick = (now: number) => {
      const loading = window.__lamslide?.loading() ?? false;
      const gap = now - last;
      stats.frames++;
      stats.maxGap = Math.max(stats.maxGap, gap);
      // Only gaps that start and end inside the load count as "frozen while parsing"; drawing the new scene
      // for the first time afterwards is rendering work (slow in software GL), not parsing.
      if (loading && wasLoading) {
        stats.framesWhileLoading++;
        stats.maxGapWhileLoading = Math.max(stats.maxGapWhileLoading, gap);
      }
      wasLoading = loading;
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  const t0 = Date.now();
  await page.locator('[data-testid="file-input"]').setInputFiles(file);
  await page.waitForSelector('[data-testid="loading"]', { timeout: 5_000 });
  await waitForScene(page, 'big-crowd.txt', 90_000);
  const loadMs = Date.now() - t0;
  const stats = await page.evaluate(() => (window as unknown as { rafStats: RafStats }).rafStats);
  console.log(
    `30 MB load: ${(loadMs / 1000).toFixed(1)} s; ${stats.framesWhileLoading} animation frames while loading, ` +
      `longest gap ${stats.maxGapWhileLoading.toFixed(0)} ms while loading, ${stats.maxGap.toFixed(0)} ms overall`,
  );

  expect(await page.locator('[data-testid="entity-count"]').innerText()).toBe(String(AGENTS));
  expect(await page.locator('[data-testid="frame-readout"]').innerText()).toBe(`frame 0 / ${FRAMES}`);
  expect(await page.evaluate(() => window.__lamslide!.drawnEntities())).toBe(AGENTS);
  expect(await page.locator('[data-testid="loading"]').count()).toBe(0);
  expect(stats.framesWhileLoading).toBeGreaterThan(5);
  expect(stats.maxGapWhileLoading).toBeLessThan(1000);
  // The page still works afterwards: stepping moves the 500 agents.
  await page.keyboard.press('End');
  expect(await page.locator('[data-testid="frame-readout"]').innerText()).toBe(`frame ${FRAMES - 1} / ${FRAMES}`);
  expect(log.errors).toEqual([]);
});
