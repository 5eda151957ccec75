/**
 * Time to first paint and time to first sample of the production build in headless Chromium, for the README.
 * Usage: npx vite build && npx tsx scripts/measure-load.ts [runs=3]   (LAMSLIDE_DIST=<folder> for another build)
 *
 * Each run is a new browser profile on 127.0.0.1 (no HTTP cache): the first visit, then a second visit in the same
 * profile, when the service worker serves everything from its cache. Times are from navigation start:
 * first paint = first-contentful-paint, app = the viewer is drawn, first sample = the crowd demo opened, the
 * timeline moved to frame 12, one sample with the panel's defaults (K 20, the model's default NFE) finished.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, sampleCrowd } from '../test/e2e/browser.ts';
import { serveDirectory } from '../test/e2e/staticServer.ts';

interface Run {
  paint: number;
  app: number;
  sample: number;
  sampleMs: number;
}

async function visit(url: string, context: Awaited<ReturnType<Browser['newContext']>>): Promise<Run> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('[data-testid="viewport"] canvas');
  const app = await page.evaluate(() => performance.now());
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  await page.waitForFunction(() => window.__lamslideSample?.state().model != null, undefined, { timeout: 120_000 });
  const nfe = Number(await page.inputValue('[data-testid="sample-nfe"]'));
  const st = await sampleCrowd(page, { k: 20, nfe });
  if (st.status !== 'done') throw new Error(`sampling failed: ${st.error}`);
  const sample = await page.evaluate(() => performance.now());
  await page.close();
  return { paint, app, sample, sampleMs: st.ms ?? NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const dist = resolve(process.env.LAMSLIDE_DIST ?? join(import.meta.dirname, '..', 'dist'));
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /<script type="module" crossorigin src="\/([^"]+)"/.exec(html)?.[1];
  const server = await serveDirectory(dist);
  const browser = await launchBrowser();
  const first: Run[] = [];
  const second: Run[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'allow' });
      first.push(await visit(server.url, context));
      if (!existsSync(join(dist, 'sw.js'))) {
        await context.close();
        continue;
      }
      // Let the service worker finish precaching before the second visit.
      const p = await context.newPage();
      await p.goto(server.url);
      await p.evaluate(() => navigator.serviceWorker.ready);
      await p.close();
      second.push(await visit(server.url, context));
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const row = (name: string, xs: Run[]) =>
    `${name.padEnd(13)} first paint ${median(xs.map((x) => x.paint)).toFixed(0)} ms, viewer ${median(xs.map((x) => x.app)).toFixed(0)} ms, ` +
    `first sample ${median(xs.map((x) => x.sample)).toFixed(0)} ms (sampling itself ${median(xs.map((x) => x.sampleMs)).toFixed(0)} ms)`;
  console.log(`entry script ${entry} ${(statSync(join(dist, entry ?? '')).size / 1000).toFixed(1)} kB; median of ${runs} runs, headless Chromium, WASM`);
  console.log(row('first visit', first));
  if (second.length > 0) console.log(row('second visit', second));
}

await main();
