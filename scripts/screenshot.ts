/**
 * Screenshots of the built app with each demo scene, for looking at the rendering by eye, then of the sampler
 * on the crowd demo (the README's pictures): the fan with ghosts, one sample beside the ground truth, IDs by
 * hand with a refused duplicate, five NFE settings side by side, and the export dialog.
 * Usage: npx vite build && npx tsx scripts/screenshot.ts [outDir=test-results/screenshots] [frame]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, openApp } from '../test/e2e/browser';
import { serveDirectory } from '../test/e2e/staticServer';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? 'test-results/screenshots');
  const frameArg = process.argv[3];
  mkdirSync(outDir, { recursive: true });
  // LAMSLIDE_DIST: a build folder other than dist/ (e.g. one made with vite build --outDir).
  const server = await serveDirectory(resolve(process.env.LAMSLIDE_DIST ?? join(import.meta.dirname, '..', 'dist')));
  const browser = await launchBrowser();
  try {
    const { page, log } = await openApp(browser, server.url, { width: 1440, height: 900 });
    await page.screenshot({ path: join(outDir, 'empty.png') });
    const demos = await page.$$eval('[data-testid^="demo-"]', (els) => els.map((e) => e.getAttribute('data-testid')!));
    for (const id of demos) {
      const before = await page.evaluate(() => window.__lamslide?.sceneName() ?? null);
      await page.click(`[data-testid="${id}"]`);
      await page.waitForFunction((b) => {
        const h = window.__lamslide;
        return !!h && !h.loading() && h.sceneName() !== b;
      }, before);
      if (frameArg === 'end') await page.keyboard.press('End');
      else if (frameArg) for (let i = 0; i < Number(frameArg); i++) await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(300);
      const file = join(outDir, `${id}.png`);
      await page.screenshot({ path: file });
      console.log(file, await page.evaluate(() => ({ drawn: window.__lamslide?.drawnEntities(), frame: window.__lamslide?.frame() })));
    }
    await samplerShots(page, outDir);
    if (log.errors.length) console.log('page errors:\n' + log.errors.join('\n'));
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();

async function shot(page: Page, outDir: string, name: string): Promise<void> {
  await page.waitForTimeout(400);
  const file = join(outDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(file);
}

async function waitDone(page: Page, runs: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const s = window.__lamslideSample?.state();
      return !!s && (s.status === 'error' || (s.status === 'done' && s.runs.length >= n));
    },
    runs,
    { timeout: 600_000, polling: 200 },
  );
  const err = await page.evaluate(() => window.__lamslideSample?.state().error);
  if (err) throw new Error(err);
}

async function samplerShots(page: Page, outDir: string): Promise<void> {
  await page.click('[data-testid="demo-crossing-crowd"]');
  await page.waitForFunction(() => window.__lamslide?.sceneName() === 'crossing-crowd.txt' && window.__lamslideSample?.state().model != null && window.__lamslideSample.state().status !== 'loading-model', undefined, { timeout: 120_000 });
  await page.locator('[data-testid="scrub"]').fill('20');
  await page.fill('[data-testid="sample-k"]', '12');
  await page.click('[data-testid="sample-run"]');
  await waitDone(page, 1);
  await page.locator('[data-testid="scrub"]').fill('27');
  await shot(page, outDir, 'sampler-fan');
  await page.selectOption('[data-testid="sample-pick"]', 'best');
  await page.locator('[data-testid="entity-table"] tbody tr').first().click();
  await shot(page, outDir, 'sampler-best');
  await page.locator('[data-testid="entity-table"] tbody tr').first().click();
  await page.check('[data-testid="id-mode-manual"]');
  const cell = page.locator('[data-testid="id-cell-2"]');
  const first = await page.locator('[data-testid="id-cell-1"]').inputValue();
  await cell.fill(first);
  await cell.press('Enter');
  await page.locator('[data-testid="panel-ids"]').scrollIntoViewIfNeeded();
  await shot(page, outDir, 'sampler-ids');
  await cell.press('Escape');
  await page.check('[data-testid="id-mode-random"]');
  await page.fill('[data-testid="compare-nfes"]', '1, 2, 5, 10, 20');
  await page.click('[data-testid="compare-run"]');
  await waitDone(page, 6);
  await page.locator('[data-testid="scrub"]').fill('27');
  await shot(page, outDir, 'sampler-compare');
  await page.click('[data-testid="export-open"]');
  await shot(page, outDir, 'sampler-export');
  await page.keyboard.press('Escape');
}
