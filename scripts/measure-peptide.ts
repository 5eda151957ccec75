/**
 * Generated nanoseconds per wall-clock second of a chained rollout in the page (the worker, WASM), for the ala2
 * card's speed table (`lamslide_train.bench_md --record --wasm "onnxruntime-web WASM, browser (Chromium)=<ns/s>"`).
 * Usage: npx vite build && npx tsx scripts/measure-peptide.ts [ns=1] [runs=2]   (LAMSLIDE_DIST=<folder> for another
 * build)
 *
 * The alanine dipeptide demo is opened, converted to the model's 1 ps frames (every 2nd frame), and one sample (K = 1,
 * the model's default NFE) of an `ns` horizon is chained from the last frame; the time is the run's own (the worker
 * reports it), the median over `runs` runs in one page. Headless Chromium on this machine, WASM backend.
 */
import { join, resolve } from 'node:path';
import { launchBrowser, openApp, waitForScene } from '../test/e2e/browser.ts';
import { runAndWait, waitModel } from '../test/e2e/samplerHelpers.ts';
import { serveDirectory } from '../test/e2e/staticServer.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const ns = Number(process.argv[2] ?? 1);
  const runs = Number(process.argv[3] ?? 2);
  if (!(ns > 0) || !(runs >= 1)) throw new Error(`usage: measure-peptide.ts [ns > 0] [runs >= 1], got ${process.argv.slice(2).join(' ')}`);
  const dist = resolve(process.env.LAMSLIDE_DIST ?? join(import.meta.dirname, '..', 'dist'));
  const server = await serveDirectory(dist);
  const browser = await launchBrowser();
  try {
    const { page } = await openApp(browser, server.url);
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    await waitModel(page, 'ala2');
    await page.click('[data-testid="convert-scene"]');
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => window.__lamslide!.frameCount() === 50);
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '1');
    await page.fill('[data-testid="sample-horizon"]', `${ns} ns`);
    const nfe = await page.inputValue('[data-testid="sample-nfe"]');
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = Date.now();
      const st = await runAndWait(page, 'sample-run', 1_800_000);
      if (st.status !== 'done') throw new Error(`sampling failed: ${st.error}`);
      times.push((st.ms ?? Date.now() - t0) / 1000);
    }
    const s = median(times);
    console.log(JSON.stringify({ engine: 'onnxruntime-web WASM, browser (Chromium, headless)', ns, nfe: Number(nfe), K: 1, runs, seconds: times, ns_per_s: +(ns / s).toFixed(4) }));
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
