/**
 * The Sample panel end to end in Chromium against the production build (H2's harness: dist/ served with
 * COOP/COEP from 127.0.0.1): open the pedestrian demo, move to a frame with history, sample K futures in the
 * worker, and check the fan and the ground truth are drawn, the backend and time are shown, and the page kept
 * animating while the worker sampled.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { decodePng, fractionUnlike } from './png';

let browser: Browser;
let page: Page;
let log: PageLog;

const sampleState = () => page.evaluate(() => window.__lamslideSample?.state() ?? null);

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
});

afterAll(async () => {
  await browser?.close();
});

describe('Sample panel', () => {
  it('samples a fan of futures for the pedestrian demo', async () => {
    await page.click('[data-testid="demo-crossing-crowd"]');
    await waitForScene(page, 'crossing-crowd.txt');
    // The model list and the default model load in the worker.
    await page.waitForFunction(() => window.__lamslideSample?.state().model != null, undefined, { timeout: 60_000 });
    // "now" = timeline frame 20: 8 frames of history, ground truth after it.
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => window.__lamslide?.frame() === 20);
    await page.fill('[data-testid="sample-k"]', '6');
    await page.fill('[data-testid="sample-nfe"]', '4');
    await page.selectOption('[data-testid="sample-solver"]', 'heun');
    const before = decodePng(await page.locator('[data-testid="viewport"]').screenshot());

    await page.click('[data-testid="sample-run"]');
    // While the worker samples, the main thread keeps serving animation frames.
    // Counted: frames that ran while the status said "sampling" (a main-thread rollout would leave none between
    // its network calls' awaits for most of its duration). Gaps are logged, not asserted: timing depends on load.
    const { gaps, whileSampling } = await page.evaluate(
      () =>
        new Promise<{ gaps: number[]; whileSampling: number }>((resolve) => {
          const out: number[] = [];
          let sampling = 0;
          let last = performance.now();
          const tick = (t: number) => {
            out.push(t - last);
            last = t;
            const st = window.__lamslideSample?.state().status;
            if (st === 'sampling') sampling++;
            if (st === 'sampling' || st === 'loading-model' || out.length < 5) requestAnimationFrame(tick);
            else resolve({ gaps: out, whileSampling: sampling });
          };
          requestAnimationFrame(tick);
        }),
    );
    await page.waitForFunction(() => ['done', 'error'].includes(window.__lamslideSample?.state().status ?? ''), undefined, { timeout: 120_000 });
    const st = await sampleState();
    expect(st?.error).toBeNull();
    expect(st?.status).toBe('done');
    expect(st?.K).toBe(6);
    expect(['wasm', 'webgpu']).toContain(st?.backend);
    // 16 walkers present at frame 20 (both groups), 6 samples x 12 segments each
    expect(st?.lines).toBeGreaterThanOrEqual(6 * 12);
    expect(st?.truthLines).toBeGreaterThan(0);
    const status = await page.locator('[data-testid="sample-status"]').innerText();
    expect(status).toMatch(/6 futures × \d+ pedestrians in \d+ ms on (WASM|WebGPU)/);
    console.log(`sample panel: ${status}; ${whileSampling} frames while sampling, longest gap ${Math.max(...gaps).toFixed(0)} ms`);
    expect(whileSampling).toBeGreaterThan(3);

    // The fan changes the picture.
    const after = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    let changed = 0;
    for (let i = 0; i < after.data.length; i += 4) {
      if (Math.abs(after.data[i] - before.data[i]) + Math.abs(after.data[i + 1] - before.data[i + 1]) + Math.abs(after.data[i + 2] - before.data[i + 2]) > 30) changed++;
    }
    expect(changed / (after.data.length / 4)).toBeGreaterThan(0.001);
    expect(fractionUnlike(after, [0x12, 0x16, 0x1d])).toBeGreaterThan(0.01);
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
  });

  it('clears the fan when another scene is opened', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    await page.waitForFunction(() => window.__lamslideSample?.state().lines === 0);
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
  });
});
