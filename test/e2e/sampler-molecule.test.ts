/**
 * md-small in the page, as a user meets it: the tiopronin demo (MMFF MD at 5 fs of a molecule no model was trained
 * on) opens, the page picks md-small for it by itself (no conversion: the intervals match), Sample runs, and the K
 * sampled futures keep every bond of the molecule within ±15 % of its length at "now" and play back on the
 * timeline. Skipped where models/index.json does not list md-small.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropFile, launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { blur, runAndWait, viewState, waitModel } from './samplerHelpers';

const ROOT = resolve(__dirname, '../..');
const INDEX = resolve(ROOT, 'models/index.json');
const listed = existsSync(INDEX) && (JSON.parse(readFileSync(INDEX, 'utf8')).models as { name: string }[]).some((m) => m.name === 'md-small');
const DEMO = resolve(ROOT, 'public/scenes/tiopronin-mmff.xyz');
const COVALENT: Record<string, number> = { H: 0.31, C: 0.76, N: 0.71, O: 0.66, F: 0.57, S: 1.05, Cl: 1.02 };

/** Elements and positions of frame f of the demo file (plain multi-frame XYZ). */
function demoFrame(f: number): { elements: string[]; pos: number[][] } {
  const lines = readFileSync(DEMO, 'utf8').split('\n');
  const n = Number(lines[0]);
  const rows = lines.slice(f * (n + 2) + 2, f * (n + 2) + 2 + n).map((l) => l.trim().split(/\s+/));
  return { elements: rows.map((r) => r[0]), pos: rows.map((r) => r.slice(1, 4).map(Number)) };
}

const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A one-frame extended XYZ at md-small's interval; atoms 1.5 Å apart on a line (the check reads no geometry). */
function xyz(elements: string[]): string {
  return `${elements.length}\nProperties=species:S:1:pos:R:3 dt=5 dt_unit=fs\n${elements.map((e, i) => `${e} ${(1.5 * i).toFixed(3)} 0.000 0.000`).join('\n')}\n`;
}
const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

let browser: Browser;
let page: Page;
let log: PageLog;

describe.skipIf(!listed)('md-small samples a molecule it never saw', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    ({ page, log } = await openApp(browser, inject('baseUrl')));
    await page.click('[data-testid="demo-tiopronin-mmff"]');
    await waitForScene(page, 'tiopronin-mmff.xyz');
    await waitModel(page, 'md-small');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('samples K futures from frame 30 in which every bond stays within ±15 %, and plays them back', async () => {
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(false);
    expect(await page.locator('[data-testid="frame-interval"]').innerText()).toBe('5 fs');
    await page.locator('[data-testid="scrub"]').fill('30');
    await page.fill('[data-testid="sample-k"]', '4');
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[0];
    expect(run).toMatchObject({ K: 4, N: 19, now: 30, horizon: 20 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(31 + 20);
    const { elements, pos } = demoFrame(30);
    const bonds: [number, number, number][] = [];
    for (let i = 0; i < pos.length; i++)
      for (let j = i + 1; j < pos.length; j++) {
        const d = dist(pos[i], pos[j]);
        if (d < 1.2 * (COVALENT[elements[i]] + COVALENT[elements[j]])) bonds.push([i, j, d]);
      }
    expect(bonds.length).toBe(18); // tiopronin: 19 atoms, no ring
    let worst = 0;
    for (let k = 0; k < 4; k++)
      for (let j = 0; j < 20; j++) {
        const rows = (await page.evaluate(([id, kk, jj]) => window.__lamslideSample!.positions(id, kk, jj), [run.id, k, j] as const))!;
        const at = new Map(rows.map(([e, ...p]) => [e, p]));
        for (const [a, b, d0] of bonds) worst = Math.max(worst, Math.abs(dist(at.get(a)!, at.get(b)!) / d0 - 1));
      }
    expect(worst, 'largest relative bond deviation over every sampled frame').toBeLessThan(0.15);
    await blur(page);
    await page.keyboard.press(']');
    await page.locator('[data-testid="scrub"]').fill('45');
    const v = await viewState(page);
    expect(v!.drawn).toBe(19);
    expect(v!.run).toMatchObject({ sample: 0, truthMarkers: 19 });
    expect(log.errors).toEqual([]);
  });

  it('refuses a molecule with an element outside the vocabulary, naming the atom, the element and the vocabulary', async () => {
    await dropFile(page, 'bromobenzene.xyz', xyz(['C', 'C', 'C', 'C', 'C', 'C', 'Br', 'H', 'H', 'H', 'H', 'H']));
    await waitForScene(page, 'bromobenzene.xyz');
    await waitModel(page, 'md-small');
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    const why = await text('sample-blocker');
    expect(why).toContain("1 entity has an element outside model md-small's vocabulary (H, C, N, O, F, S, Cl)");
    expect(why).toContain('"Br"');
  });

  it('refuses a molecule with more atoms than the ID pool, naming both counts', async () => {
    await dropFile(page, 'c11h22.xyz', xyz([...Array(11).fill('C'), ...Array(22).fill('H')]));
    await waitForScene(page, 'c11h22.xyz');
    await waitModel(page, 'md-small');
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    expect(await text('sample-blocker')).toContain("every window of the scene holds at least 33 entities, but model md-small's ID pool holds 32");
    expect(log.errors).toEqual([]);
  });
});
