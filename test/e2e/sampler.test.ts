/**
 * The interactive sampler on the crowd demo with the bundled eth_ucy-all model, in Chromium against the
 * production build: runs on the timeline (scrub into the sampled future, picker, ghosts, ground truth, chained
 * windows), IDs by hand with a refused duplicate, Re-roll IDs with A/B metrics, NFE comparison with its table
 * and grid, per-entity metrics, export of every 2-D format re-opened with the same positions, and the PNG.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { decodePng, fractionUnlike } from './png';
import { blur, exportFiles, reopen, runAndWait, sampleState, sceneFrame, viewState, waitModel } from './samplerHelpers';

const BACKGROUND: [number, number, number] = [0x12, 0x16, 0x1d];

let browser: Browser;
let page: Page;
let log: PageLog;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
  await page.click('[data-testid="demo-crossing-crowd"]');
  await waitForScene(page, 'crossing-crowd.txt');
  await waitModel(page, 'eth_ucy-all');
});

afterAll(async () => {
  await browser?.close();
});

function changedFraction(a: ReturnType<typeof decodePng>, b: ReturnType<typeof decodePng>): number {
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 30) changed++;
  }
  return changed / (a.data.length / 4);
}

describe('runs on the timeline', () => {
  it('samples at the last frame, spans history + horizon, and moves every entity along the picked sample', async () => {
    await page.keyboard.press('End');
    expect(await text('frame-readout')).toBe('frame 59 / 60');
    await page.fill('[data-testid="sample-k"]', '4');
    await page.fill('[data-testid="sample-nfe"]', '2');
    expect(await page.getByRole('button', { name: 'Sample', exact: true }).isEnabled()).toBe(true);
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[0];
    expect(run).toMatchObject({ K: 4, now: 59, horizon: 12, nfe: 2 });
    // history 0..59 plus 12 sampled frames; "now" marked on the slider labelled "timeline"
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(72);
    expect(await page.getByRole('slider', { name: 'timeline' }).getAttribute('max')).toBe('71');
    expect(await page.locator('[data-testid="now-mark"]').getAttribute('data-now')).toBe('59');
    expect(await text('frame-readout')).toBe('frame 59 / 72');
    expect(await text('frame-secondary')).toContain('source frame 590');

    // Fan mode: at "now" the entities stand at their last positions; in the future, K ghosts per entity.
    await blur(page);
    const atNow = await viewState(page);
    expect(atNow!.drawn).toBe(16);
    const before = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    await page.locator('[data-testid="scrub"]').fill('66');
    expect(await text('frame-readout')).toBe('frame 66 / 72');
    expect(await text('time-readout')).toBe('26.4 s');
    expect(await text('frame-secondary')).toBe('sampled 7 / 12');
    const fan = await viewState(page);
    expect(fan!.run).toMatchObject({ sample: null, ghosts: 4 * 16, truthMarkers: 0 });

    // One sample: every entity moved away from where it stood at "now".
    await page.keyboard.press(']');
    expect(await page.locator('[data-testid="sample-pick"]').inputValue()).toBe('0');
    const one = await viewState(page);
    expect(one!.run).toMatchObject({ sample: 0, ghosts: 0 });
    expect(one!.drawn).toBe(16);
    const start = new Map(atNow!.positions.map((p) => [p.entity, p.p]));
    const expected = await page.evaluate((id) => window.__lamslideSample!.positions(id, 0, 6), run.id);
    const moved: number[] = [];
    for (const e of one!.positions) {
      const p0 = start.get(e.entity)!;
      moved.push(Math.hypot(e.p[0] - p0[0], e.p[1] - p0[1]));
      const want = expected!.find((x) => x[0] === e.entity)!;
      expect(e.p[0]).toBeCloseTo(want[1], 4);
      expect(e.p[1]).toBeCloseTo(want[2], 4);
    }
    // every entity moved; walkers cover metres in 2.8 s (a few have stopped at their goal)
    expect(moved.every((d) => d > 1e-3)).toBe(true);
    expect(moved.reduce((a, b) => a + b, 0)).toBeGreaterThan(1);
    const after = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    expect(changedFraction(before, after)).toBeGreaterThan(0.002);
    expect(fractionUnlike(after, BACKGROUND)).toBeGreaterThan(0.05);

    // [ and ] step through all / 0..K-1 (no "best" without ground truth) and wrap.
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    expect(await page.locator('[data-testid="sample-pick"]').inputValue()).toBe('3');
    await page.keyboard.press(']');
    expect(await page.locator('[data-testid="sample-pick"]').inputValue()).toBe('all');
    await page.keyboard.press('[');
    expect(await page.locator('[data-testid="sample-pick"]').inputValue()).toBe('3');

    // Playing moves along the sample; "Show the file" gives the file's own timeline back.
    await page.keyboard.press('End');
    expect(await text('frame-readout')).toBe('frame 71 / 72');
    await page.click('[data-testid="show-file-bar"]');
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(60);
    expect(await text('frame-readout')).toBe('frame 59 / 60');
  });

  it('draws the ground truth beside the sample, offers the best of K, and chains 5 windows', async () => {
    await page.locator('[data-testid="scrub"]').fill('20');
    await page.selectOption('[data-testid="sample-windows"]', '5');
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[st.runs.length - 1];
    expect(run).toMatchObject({ now: 20, horizon: 60 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(81);
    expect(st.truthLines).toBeGreaterThan(0);
    // 4 window boundaries inside the horizon
    expect(await page.locator('.window-mark').count()).toBe(4);
    await page.locator('[data-testid="scrub"]').fill('40');
    expect(await text('frame-secondary')).toBe('sampled 20 / 60 · window 2');
    const v = await viewState(page);
    expect(v!.run!.truthMarkers).toBe(16);
    await page.selectOption('[data-testid="sample-pick"]', 'best');
    expect(await page.locator('[data-testid="sample-pick"] option:checked').innerText()).toMatch(/best of K \(sample \d\)/);
    expect((await viewState(page))!.run!.sample).not.toBeNull();
    // the panel's "now" and the timeline agree
    expect(await text('sample-now')).toContain('now: frame 20 · 8.0 s (source frame 200)');
    await page.selectOption('[data-testid="sample-windows"]', '1');
  });
});

describe('IDs', () => {
  it('assigns IDs by hand, refuses a duplicate naming the clash, and samples with them', async () => {
    await page.check('[data-testid="id-mode-sequential"]');
    expect(await page.locator('[data-testid="id-1"]').innerText()).toBe('0');
    expect(await page.locator('[data-testid="id-2"]').innerText()).toBe('1');
    expect(await text('id-pool')).toContain('pool: 96 IDs (0–95) · 16 entities');
    await page.check('[data-testid="id-mode-manual"]');
    const cell = page.locator('[data-testid="id-cell-2"]');
    await cell.fill('0');
    await cell.press('Enter');
    expect(await text('id-refusal')).toContain('ID 0 is already used by ped 1');
    expect(await cell.getAttribute('aria-invalid')).toBe('true');
    await cell.fill('96');
    await cell.press('Enter');
    expect(await text('id-refusal')).toContain('outside the pool 0–95');
    await cell.fill('95');
    await cell.press('Enter');
    expect(await page.locator('[data-testid="id-refusal"]').count()).toBe(0);
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[st.runs.length - 1];
    expect(run.ids[run.sourceIds.indexOf('2')]).toBe(95);
    expect(run.ids[run.sourceIds.indexOf('1')]).toBe(0);
    expect(run.label).toContain('IDs by hand');
  });

  it('Re-roll IDs samples again with new random IDs and the same noise seed, A/B side by side', async () => {
    const before = await sampleState(page);
    const st = await runAndWait(page, 'reroll');
    const a = before.runs[before.runs.length - 1];
    const b = st.runs[st.runs.length - 1];
    expect(b.seed).toBe(a.seed);
    expect(b.ids).not.toEqual(a.ids);
    const table = page.locator('[data-testid="ab-table"]');
    expect(await table.innerText()).toContain(`A #${a.id}`);
    expect(await table.innerText()).toContain(`B #${b.id}`);
    const ade = await page.locator('[data-testid="ab-ade"] td').allInnerTexts();
    expect(ade.slice(0, 2).every((t) => /^\d+\.\d{3}$/.test(t))).toBe(true);
    await page.getByRole('button', { name: 'Re-roll IDs' }).isEnabled();
  });
});

describe('NFE comparison', () => {
  it('compares three NFE values in one queue with a progress bar, and reads the table', async () => {
    await page.fill('[data-testid="compare-nfes"]', '1, 2, 5');
    await page.selectOption('[data-testid="compare-solver"]', 'ddim');
    // Watch the progress bar from the page on every animation frame (a quick comparison may end between polls).
    const seen = page.evaluate(
      () =>
        new Promise<{ max: string | null; values: number[] }>((resolve) => {
          const out = { max: null as string | null, values: [] as number[] };
          const until = performance.now() + 120_000;
          const tick = () => {
            const bar = document.querySelector('[data-testid="compare-progress"]') as HTMLProgressElement | null;
            if (bar) {
              out.max = bar.getAttribute('max');
              out.values.push(bar.value);
            }
            const done = out.values.length > 0 && window.__lamslideSample!.state().status === 'done';
            if (done || performance.now() > until) resolve(out);
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }),
    );
    await page.click('[data-testid="compare-run"]');
    const progress = await seen;
    expect(progress.max).toBe('8');
    expect(Math.max(...progress.values)).toBeLessThanOrEqual(8);
    await page.waitForFunction(() => window.__lamslideSample!.state().status === 'done', undefined, { timeout: 180_000 });
    const rows = page.locator('[data-testid="compare-table"] tbody tr');
    expect(await rows.count()).toBe(3);
    const cells = await Promise.all([0, 1, 2].map((i) => rows.nth(i).locator('td').allInnerTexts()));
    expect(cells.map((c) => c[0])).toEqual(['1', '2', '5']);
    for (const c of cells) {
      expect(c[1]).toBe('ddim');
      expect(Number(c[2])).toBeGreaterThan(0);
      expect(c[3]).toMatch(/^\d+\.\d{3}$/);
      expect(c[4]).toMatch(/^\d+\.\d{3}$/);
    }
    expect(await page.locator('[data-testid="compare-table"] th').allInnerTexts()).toEqual(['NFE', 'solver', 'ms', 'minADE (m)', 'minFDE (m)']);
    // small viewports labelled with NFE, solver and ms; one camera; one timeline
    expect(await page.locator('[data-testid="grid-label-5"]').innerText()).toMatch(/^NFE 5 · ddim · \d+ ms$/);
    expect(await text('compare-dock')).toContain('ms exclude the warm-up');
    await page.locator('[data-testid="scrub"]').fill('25');
    const grid = await page.evaluate(() => window.__lamslide!.grid());
    expect(grid!.cells.length).toBe(3);
    expect(grid!.cells.every((c) => c.frame === 25 && c.run !== null)).toBe(true);
    // the plot of error and time against NFE is drawn
    await page.waitForSelector('[data-testid="plot-nfe"] svg');
  });

  it('cancels a comparison', async () => {
    await page.fill('[data-testid="compare-nfes"]', '20, 50');
    await page.click('[data-testid="compare-run"]');
    await page.waitForSelector('[data-testid="compare-cancel"]');
    await page.click('[data-testid="compare-cancel"]');
    await page.waitForFunction(() => window.__lamslideSample!.state().status === 'idle', undefined, { timeout: 60_000 });
    expect(await page.locator('[data-testid="compare-progress"]').count()).toBe(0);
    // the earlier comparison is still the one shown
    expect(await page.locator('[data-testid="compare-table"] tbody tr').count()).toBe(3);
    await page.fill('[data-testid="compare-nfes"]', '1, 2, 5, 10, 20');
  });
});

describe('metrics', () => {
  it('lists per-entity minADE/minFDE sortably, a row click highlights the entity, plots are drawn', async () => {
    await page.click('[data-testid="grid-label-5"]');
    await page.waitForSelector('[data-testid="entity-table"]');
    await page.click('[data-testid="sort-ade"]');
    const ades = (await page.locator('[data-testid="entity-table"] tbody tr td:nth-child(2)').allInnerTexts()).map(Number);
    expect(ades.length).toBe(16);
    expect([...ades].sort((x, y) => y - x)).toEqual(ades);
    const row = page.locator('[data-testid="entity-table"] tbody tr').first();
    const entity = Number(await row.getAttribute('data-entity'));
    await row.click();
    expect((await viewState(page))!.highlight).toBe(entity);
    await row.press('Enter');
    expect((await viewState(page))!.highlight).toBeNull();
    await page.waitForSelector('[data-testid="plot-error-horizon"] svg');
    await page.waitForSelector('[data-testid="plot-spread"] svg');
    expect(await text('summary-ade')).toMatch(/^\d+\.\d{3} m$/);
  });
});

describe('export', () => {
  it('writes a PNG of the view at 1× and 2×, not empty', async () => {
    const [one] = await exportFiles(page, 'png1', null);
    const [two] = await exportFiles(page, 'png2', null);
    expect(one.name).toMatch(/_nfe5-ddim_seed0_.*_1x\.png$/);
    const a = decodePng(one.bytes);
    const b = decodePng(two.bytes);
    const box = await page.locator('[data-testid="viewport"]').boundingBox();
    expect(a.width).toBe(Math.round(box!.width));
    expect(b.width).toBe(2 * a.width);
    expect(fractionUnlike(a, BACKGROUND)).toBeGreaterThan(0.03);
    expect(fractionUnlike(b, BACKGROUND)).toBeGreaterThan(0.03);
  });

  it('exports CSV, ETH/UCY and JSON and re-opens each with the same positions', async () => {
    const st = await sampleState(page);
    const run = st.runs.find((r) => r.id === st.active)!;
    // expected positions by source id (entity e of the crowd has source id e + 1): sample k, future frame j
    const expectAt = async (k: number, j: number) => {
      const rows = (await page.evaluate(([id, kk, jj]) => window.__lamslideSample!.positions(id, kk, jj), [run.id, k, j] as const))!;
      return new Map(rows.map(([e, ...p]) => [String(e + 1), p]));
    };
    const history = await sceneFrame(page, 20);
    const s0 = await expectAt(0, 5);
    const s2last = await expectAt(2, 11);
    await page.selectOption('[data-testid="sample-pick"]', '0');
    const csv = await exportFiles(page, 'csv', 'selected');
    const eth = await exportFiles(page, 'ethucy', 'all-in-one');
    const json = await exportFiles(page, 'json', 'per-sample', run.K);
    expect(csv[0].name).toBe('crossing-crowd_eth_ucy-all_nfe5-ddim_seed0_s0.csv');
    expect(eth[0].name).toBe(`crossing-crowd_eth_ucy-all_nfe5-ddim_seed0_all${run.K}.txt`);
    expect(json.map((f) => f.name).sort()).toEqual(Array.from({ length: run.K }, (_, k) => `crossing-crowd_eth_ucy-all_nfe5-ddim_seed0_s${k}.json`).sort());
    const meta = JSON.parse(json.find((f) => f.name.endsWith('_s0.json'))!.bytes.toString()).meta.lamslideRun;
    expect(meta).toMatchObject({ model: 'eth_ucy-all', nfe: 5, solver: 'ddim', seed: 0, now: 20, K: run.K });
    expect(meta.ids.length).toBe(16);

    const close = (a: number[] | undefined, b: number[] | undefined) => {
      expect(a).toBeDefined();
      expect(b).toBeDefined();
      for (let d = 0; d < 2; d++) expect(a![d]).toBeCloseTo(b![d], 4);
    };
    const check = async (file: { name: string; bytes: Buffer }, frames: [number, Map<string, number[]>][]) => {
      await reopen(page, file.name, file.bytes);
      for (const [f, m] of frames) {
        const got = await sceneFrame(page, f);
        for (const [id, p] of m) close(got.get(id), p);
      }
    };
    await check(csv[0], [
      [20, history],
      [26, s0],
    ]);
    expect(await page.evaluate(() => window.__lamslide!.frameCount())).toBe(33);
    await check(eth[0], [
      [20, history],
      [21 + 0 * 12 + 5, s0],
      [21 + 2 * 12 + 11, s2last],
    ]);
    expect(await page.evaluate(() => window.__lamslide!.frameCount())).toBe(21 + run.K * 12);
    const j0 = json.find((f) => f.name.endsWith('_s0.json'))!;
    await check(j0, [
      [20, history],
      [26, s0],
    ]);
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
  });
});
