/**
 * The sampler on a real ETH/UCY recording (read in place from the staged data; skipped where it is absent): sample,
 * scrub into the future, pick a sample, sequential IDs, five NFE settings side by side, export and re-open.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { blur, exportFiles, reopen, runAndWait, sceneFrame, viewState, waitModel } from './samplerHelpers';

const REAL_ETH = resolve(__dirname, '../../../shared/data/eth_ucy/hotel/val/biwi_eth_val.txt');

let browser: Browser;
let page: Page;
let log: PageLog;

describe.skipIf(!existsSync(REAL_ETH))('sampler on a real ETH/UCY file', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    ({ page, log } = await openApp(browser, inject('baseUrl')));
    await page.locator('[data-testid="file-input"]').setInputFiles({ name: 'biwi_eth_val.txt', mimeType: 'text/plain', buffer: readFileSync(REAL_ETH) });
    await waitForScene(page, 'biwi_eth_val.txt');
    await waitModel(page, 'eth_ucy-all');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('samples, scrubs the future, compares five NFE settings and exports', async () => {
    await page.locator('[data-testid="scrub"]').fill('12');
    await page.fill('[data-testid="sample-k"]', '4');
    await page.check('[data-testid="id-mode-sequential"]');
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[0];
    expect(run.now).toBe(12);
    expect(run.ids).toEqual(Array.from({ length: run.N }, (_, i) => i));
    expect(run.N).toBeGreaterThan(20);
    await blur(page);
    await page.keyboard.press(']');
    await page.locator('[data-testid="scrub"]').fill('18');
    expect(await page.locator('[data-testid="frame-readout"]').innerText()).toBe(`frame 18 / ${13 + 12}`);
    const v = await viewState(page);
    expect(v!.run!.sample).toBe(0);
    expect(v!.run!.truthMarkers).toBeGreaterThan(10);
    expect(await page.locator('[data-testid="summary-ade"]').innerText()).toMatch(/^\d+\.\d{3} m$/);

    await page.fill('[data-testid="compare-nfes"]', '1, 2, 5, 10, 20');
    await page.click('[data-testid="compare-run"]');
    await page.waitForFunction(() => window.__lamslideSample!.state().status === 'done' && window.__lamslideSample!.state().runs.length === 6, undefined, { timeout: 300_000, polling: 200 });
    const nfes = await page.locator('[data-testid="compare-table"] tbody tr td:first-child').allInnerTexts();
    expect(nfes).toEqual(['1', '2', '5', '10', '20']);
    expect((await page.evaluate(() => window.__lamslide!.grid()))!.cells.length).toBe(5);
    const ades = (await page.locator('[data-testid="compare-table"] tbody tr td:nth-child(4)').allInnerTexts()).map(Number);
    expect(ades.every((a) => a > 0 && a < 5)).toBe(true);

    const active = (await page.evaluate(() => window.__lamslideSample!.state())).active!;
    const rows = (await page.evaluate((id) => window.__lamslideSample!.positions(id, 1, 4), active))!;
    await page.selectOption('[data-testid="sample-pick"]', '1');
    const [csv] = await exportFiles(page, 'csv', 'selected');
    expect(csv.name).toBe('biwi_eth_val_eth_ucy-all_nfe20-ddim_seed0_s1.csv');
    const sourceIds = await page.evaluate(() => window.__lamslideSample!.sourceIds());
    await reopen(page, csv.name, csv.bytes);
    // the file holds the history 0..12, then sample 1's horizon: future frame 4 is frame 17
    const got = await sceneFrame(page, 13 + 4);
    expect(got.size).toBe(rows.length);
    for (const [e, x, y] of rows) {
      const p = got.get(sourceIds[e])!;
      expect(p[0]).toBeCloseTo(x, 4);
      expect(p[1]).toBeCloseTo(y, 4);
    }
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
  });
});
