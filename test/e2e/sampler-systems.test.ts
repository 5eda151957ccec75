/**
 * The shipped system models in the page: each demo scene (charged-nbody.csv, basketball-play.txt, opened through
 * the file input as a user would drop it) picks its own model from models/index.json, samples with the panel's
 * defaults and plays the futures back: every sampled position at every future frame is finite, within a plausible
 * range of the scene, and the summary reads in the model's unit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, type PageLog } from './browser';
import { blur, reopen, runAndWait, viewState, waitModel } from './samplerHelpers';

const SCENES = join(__dirname, '..', '..', 'public', 'scenes');

let browser: Browser;
let page: Page;
let log: PageLog;

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
});

afterAll(async () => {
  await browser?.close();
});

/** Every position of every sample at every future frame of the run: all finite and within `bound` of 0. */
async function checkFutures(runId: number, K: number, horizon: number, D: number, bound: number): Promise<number> {
  let count = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < horizon; j++) {
      const rows = (await page.evaluate(([id, kk, jj]) => window.__lamslideSample!.positions(id, kk, jj), [runId, k, j] as const))!;
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.length).toBe(1 + D);
        for (const v of r.slice(1)) {
          expect(Number.isFinite(v)).toBe(true);
          expect(Math.abs(v)).toBeLessThan(bound);
        }
        count++;
      }
    }
  }
  return count;
}

/** Opens a demo through the file input, waits for the model the page picks, samples K futures at `now` and checks
 * them all; returns the run. */
async function sampleDemo(file: string, model: string, o: { now: number; K: number; N: number; D: number; future: number; bound: number; unit: string }) {
  await reopen(page, file, readFileSync(join(SCENES, file)));
  await waitModel(page, model);
  await page.locator('[data-testid="scrub"]').fill(String(o.now));
  await page.fill('[data-testid="sample-k"]', String(o.K));
  const st = await runAndWait(page, 'sample-run');
  const run = st.runs[st.runs.length - 1];
  expect(run).toMatchObject({ K: o.K, N: o.N, now: o.now });
  expect(run.horizon).toBeGreaterThanOrEqual(o.future);
  expect(await checkFutures(run.id, run.K, run.horizon, o.D, o.bound)).toBe(run.K * run.horizon * o.N);
  expect(await page.locator('[data-testid="summary-ade"]').innerText()).toMatch(new RegExp(`^\\d+\\.\\d{3} ${o.unit}$`));
  // pick sample 0 (under "all samples" only the ghosts are drawn after "now") and play it back
  await blur(page);
  await page.keyboard.press(']');
  await page.locator('[data-testid="scrub"]').fill(String(o.now + 5));
  const v = (await viewState(page))!;
  expect(v.run).toMatchObject({ sample: 0 });
  expect(v.drawn).toBe(o.N);
  expect(log.errors).toEqual([]);
  return run;
}

describe('the shipped system models in the page', () => {
  it('charged-nbody.csv picks nbody-charged, samples 5 bodies and plays back finite futures', async () => {
    // the demo's particles stay within a few units of the origin over its 60 frames
    await sampleDemo('charged-nbody.csv', 'nbody-charged', { now: 15, K: 3, N: 5, D: 3, future: 20, bound: 50, unit: 'simulation units' });
  });

  it('basketball-play.txt picks nba, samples 10 players and the ball and plays back finite futures in feet', async () => {
    // the court is 94 x 50 ft; a sample may leave it a little, not by hundreds of feet
    await sampleDemo('basketball-play.txt', 'nba', { now: 40, K: 4, N: 11, D: 2, future: 12, bound: 300, unit: 'ft' });
  });
});
