/**
 * Generated nanoseconds per wall-clock second of a long alanine dipeptide rollout in the page (headless Chromium,
 * onnxruntime-web WASM in the worker), for the ala2 card and the README: the demo is opened, converted to the
 * model's 1 ps, and one sample of the horizon is drawn with the model's default NFE. The time is the run's own
 * sampling time (the worker's wall clock around the rollout; model loading excluded).
 * Usage: npx vite build && npx tsx scripts/measure-peptide.ts [horizon="2 ns"] [runs=2]
 */
import { join, resolve } from 'node:path';
import { launchBrowser, openApp, waitForScene } from '../test/e2e/browser.ts';
import { waitModel } from '../test/e2e/samplerHelpers.ts';
import { serveDirectory } from '../test/e2e/staticServer.ts';

async function main(): Promise<void> {
  const horizon = process.argv[2] ?? '2 ns';
  const runs = Number(process.argv[3] ?? 2);
  const dist = resolve(process.env.LAMSLIDE_DIST ?? join(import.meta.dirname, '..', 'dist'));
  const server = await serveDirectory(dist);
  const browser = await launchBrowser();
  const rates: number[] = [];
  try {
    const { page } = await openApp(browser, server.url);
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    await waitModel(page, 'ala2');
    await page.click('[data-testid="convert-scene"]');
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => window.__lamslide!.timelineCount() === 50);
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '1');
    await page.fill('[data-testid="sample-horizon"]', horizon);
    for (let r = 0; r < runs; r++) {
      const n0 = await page.evaluate(() => window.__lamslideSample!.state().runs.length);
      await page.click('[data-testid="sample-run"]');
      await page.waitForFunction((n) => { const s = window.__lamslideSample!.state(); return s.status === 'error' || (s.status === 'done' && s.runs.length > n); }, n0, { timeout: 900_000, polling: 250 });
      const st = await page.evaluate(() => window.__lamslideSample!.state());
      if (st.error) throw new Error(st.error);
      const run = st.runs[st.runs.length - 1];
      const ns = run.horizon * 1e-3; // 1 ps frames
      rates.push(ns / ((st.ms ?? NaN) / 1000));
      console.log(`run ${r + 1}: ${run.horizon} frames (${ns} ns), NFE ${run.nfe} ${run.solver}, ${st.backend}: ${(st.ms! / 1000).toFixed(1)} s = ${rates[r].toFixed(4)} ns/s`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const best = Math.max(...rates);
  console.log(`ala2 in headless Chromium (WASM worker): best of ${runs}: ${best.toFixed(4)} generated ns per second (${(best * 86400).toFixed(0)} ns/day)`);
}

await main();
