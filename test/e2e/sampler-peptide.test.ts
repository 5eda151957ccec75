/**
 * The shipped ala2 model in the page, as the peptide issue's user would meet it: the alanine dipeptide demo picks
 * ala2 (its scope is the molecule's formula), the page offers its 1 ps frames from the demo's 0.5 ps, and a 2 ns
 * horizon chains the windows in the worker into a trajectory that plays back on the timeline, with the φ/ψ readout
 * and the Ramachandran plot of the sampled frames beside the file's. Every sampled atom position is checked: finite,
 * near the molecule, and the heavy-atom bonds of every sampled frame within the model card's stated range.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { blur, runAndWait, sampleState, sceneFrame, waitModel } from './samplerHelpers';

let browser: Browser;
let page: Page;
let log: PageLog;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

// The heavy atoms in the demo PDB's atom order (public/scenes/alanine-dipeptide.pdb): ACE CH3 C O, ALA N CA C O CB,
// NME N C. Their bonds are read off the last known frame below (distance < 1.7 Å), not assumed.
const HEAVY = [0, 4, 5, 6, 8, 10, 11, 12, 16, 18];
beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
});

afterAll(async () => {
  await browser?.close();
});

describe('alanine dipeptide with the shipped ala2 model', () => {
  it('picks ala2 for the demo and takes every 2nd frame of its 0.5 ps after the confirm step', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    await waitModel(page, 'ala2');
    expect(await text('compat-conversions')).toContain('every 2nd frame (0.5 ps → 1 ps)');
    await page.click('[data-testid="convert-scene"]');
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => window.__lamslide!.frameCount() === 50);
    expect(await text('frame-interval')).toBe('1 ps');
  });

  it('samples a 2 ns horizon as chained windows and plays it back with φ/ψ and the Ramachandran plot', async () => {
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '2');
    await page.fill('[data-testid="sample-horizon"]', '2 ns');
    expect(await text('sample-horizon-readout')).toBe('horizon: 2000 frames = 125 chained windows of 16 · 2000 ps');
    // the card found its chained rollouts coming apart: the page says so before sampling
    expect(await text('sample-chain-warning')).toBe("Model ala2's card: in 0 of 2 chained rollouts of 10 ns, every bond stayed within ±15 % of its length; beyond the first window the sampled molecule may come apart.");
    const st = await runAndWait(page, 'sample-run', 600_000);
    const run = st.runs[0];
    expect(run).toMatchObject({ K: 2, N: 22, now: 49, horizon: 2000 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(2050);

    // Every sampled position of every 10th frame is finite. Over the first window (16 ps) the molecule holds: every
    // atom within 15 Å of the last known frame's centroid and the bonds between heavy atoms at most 25 % off their
    // length at "now" (the card's single-window claim); later frames are only counted (the card's warning).
    const ids = await page.evaluate(() => window.__lamslideSample!.sourceIds());
    const frame49 = await sceneFrame(page, 49);
    const last = ids.map((id, i) => [i, ...frame49.get(id)!]);
    expect(last.length).toBe(22);
    const centre = [1, 2, 3].map((c) => last.reduce((s, r) => s + r[c], 0) / last.length);
    const at = (rows: number[][], i: number) => rows.find((r) => r[0] === i)!.slice(1);
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    const bonds: [number, number, number][] = [];
    for (const i of HEAVY) for (const j of HEAVY) if (i < j && dist(at(last, i), at(last, j)) < 1.7) bonds.push([i, j, dist(at(last, i), at(last, j))]);
    expect(bonds.length).toBe(9);
    let worst = 0;
    let far = 0;
    let finite = 0;
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < 2000; j += j < 16 ? 1 : 10) {
        const rows = (await page.evaluate(([id, kk, jj]) => window.__lamslideSample!.positions(id, kk, jj), [run.id, k, j] as const))!;
        expect(rows.length).toBe(22);
        for (const r of rows) {
          if (r.slice(1).every((v) => Number.isFinite(v))) finite++;
          if (j < 16) far = Math.max(far, dist(r.slice(1), centre));
        }
        if (j < 16) for (const [a, b, len] of bonds) worst = Math.max(worst, Math.abs(dist(at(rows, a), at(rows, b)) / len - 1));
      }
    }
    expect(finite).toBe(2 * (16 + 199) * 22);
    expect(far).toBeLessThan(15);
    expect(worst).toBeLessThan(0.25);

    await page.waitForSelector('[data-testid="plot-ramachandran"] svg');
    expect(await page.locator('[data-testid="ramachandran"]').getAttribute('data-sampled-points')).toBe('4000');
    expect(await page.locator('[data-testid="plot-ramachandran"] figcaption').innerText()).toContain('sampled: run #1, 2 samples × 2000 frames');

    await blur(page);
    await page.keyboard.press(']');
    await page.selectOption('[data-testid="speed"]', '64');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.__lamslide!.frame() > 200, undefined, { timeout: 60_000, polling: 50 });
    await page.click('[data-testid="play"]');
    expect((await page.locator('[data-testid="torsion-readout"] .legend-item').first().innerText())).toMatch(/^ALA 2: φ −?\d+\.\d° ψ −?\d+\.\d°$/);
    expect((await sampleState(page)).error).toBeNull();
    expect(log.errors).toEqual([]);
  });
});
