/**
 * Screenshots of the built app with each demo scene, for looking at the rendering by eye.
 * Usage: npx vite build && npx tsx scripts/screenshot.ts [outDir=test-results/screenshots] [frame]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
    const { page, log } = await openApp(browser, server.url);
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
    if (log.errors.length) console.log('page errors:\n' + log.errors.join('\n'));
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
