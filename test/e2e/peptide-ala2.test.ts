/**
 * The shipped ala2 model in the page, as a user meets it: the alanine dipeptide demo (0.5 ps frames) picks ala2
 * (scope C6H12N2O2) over the general molecule models, offers every 2nd frame to reach the model's 1 ps, and after
 * the user confirms, a 2 ns horizon is sampled as chained windows in the worker, plays back on the timeline and is
 * drawn on the Ramachandran plot beside the file's frames. The sampled molecule stays a molecule: its backbone bonds
 * keep their lengths along the whole 2 ns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dihedral } from '../../src/core/peptide/torsions';
import { dropFile, launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { blur, sampleState, viewState, waitModel } from './samplerHelpers';
import { serveDirectory, type RunningServer } from './staticServer';

let browser: Browser;
let page: Page;
let log: PageLog;
let server: RunningServer;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

beforeAll(async () => {
  server = await serveDirectory(inject('distDir'));
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, server.url));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('alanine dipeptide with the ala2 model', () => {
  it('picks ala2 for the demo and offers every 2nd frame to reach its 1 ps', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    await waitModel(page, 'ala2');
    expect(await text('frame-interval')).toBe('0.5 ps');
    expect(await text('compat-conversions')).toContain('ala2');
    await page.click('[data-testid="convert-scene"]');
    expect(await text('convert-list')).toMatch(/0\.5 ps.*1 ps/);
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => window.__lamslide!.timelineCount() === 50, undefined, { timeout: 30_000, polling: 50 });
    expect(await text('frame-interval')).toBe('1 ps');
  });

  it('samples 2 ns as chained windows in the worker and plays them back', async () => {
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '2');
    await page.fill('[data-testid="sample-horizon"]', '2 ns');
    expect(await text('sample-horizon-readout')).toMatch(/^horizon: 2000 frames = 100 chained windows of 20/);
    await page.click('[data-testid="sample-run"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sample-progress"]')?.getAttribute('data-window') ?? 0) >= 1, undefined, { timeout: 120_000, polling: 50 });
    expect(await page.locator('[data-testid="sample-progress"]').getAttribute('max')).toBe('100');
    await page.waitForFunction(() => ['done', 'error'].includes(window.__lamslideSample!.state().status), undefined, { timeout: 540_000, polling: 250 });
    const st = await sampleState(page);
    expect(st.error).toBeNull();
    expect(st.model).toBe('ala2');
    expect(st.runs[0]).toMatchObject({ K: 2, N: 22, horizon: 2000 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(2050);

    // backbone bonds N-CA, CA-C, C-N(NME) and C(ACE)-N of both samples over the whole rollout, every 50th frame
    const bonds: [number, number][] = [[4, 6], [6, 8], [8, 10], [10, 16]];
    const id = st.runs[0].id;
    const start = (await page.evaluate(([rid]) => window.__lamslideSample!.positions(rid, 0, 0), [id] as const))!;
    const at = (atoms: number[][], i: number) => atoms.find((a) => a[0] === i)!.slice(1);
    const len = (atoms: number[][], [i, j]: [number, number]) => Math.hypot(...at(atoms, i).map((v, d) => v - at(atoms, j)[d]));
    const ref = bonds.map((b) => len(start, b));
    let worst = 0;
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < 2000; j += 50) {
        const atoms = (await page.evaluate(([rid, kk, jj]) => window.__lamslideSample!.positions(rid, kk, jj), [id, k, j] as const))!;
        expect(atoms.length).toBe(22);
        for (const a of atoms) for (const v of a.slice(1)) expect(Number.isFinite(v)).toBe(true);
        bonds.forEach((b, bi) => (worst = Math.max(worst, Math.abs(len(atoms, b) / ref[bi] - 1))));
      }
    }
    expect(worst, 'largest relative backbone bond deviation').toBeLessThan(0.15);

    await page.selectOption('[data-testid="speed"]', '64');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.__lamslide!.frame() > 300, undefined, { timeout: 60_000, polling: 50 });
    await page.click('[data-testid="play"]');
    expect((await viewState(page))!.drawn).toBe(22);
  });

  it('draws the sampled φ/ψ on the Ramachandran plot and reads them at the current frame', async () => {
    const fig = page.locator('[data-testid="ramachandran"]');
    await page.waitForSelector('[data-testid="plot-ramachandran"] svg');
    expect(await fig.getAttribute('data-reference-points')).toBe('50');
    expect(await fig.getAttribute('data-sampled-points')).toBe('4000');
    // basin populations: the two samples, the file, and the reference MD of the card
    const rows = await page.locator('[data-testid="basin-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-basins')));
    expect(rows).toEqual(['sampled', "the file's 50 frames", "reference MD of model ala2's card"]);
    expect(await page.locator('[data-testid="basin-table"] caption').innerText()).toMatch(/Jensen-Shannon distance of the sampled φ\/ψ to the file's: φ 0\.\d{3}, ψ 0\.\d{3}, φ\/ψ 0\.\d{3}/);
    await blur(page);
    await page.keyboard.press(']');
    const st = await sampleState(page);
    const frame = await page.evaluate(() => window.__lamslide!.frame());
    const atoms = (await page.evaluate(([id, j]) => window.__lamslideSample!.positions(id, 0, j), [st.runs[0].id, frame - 50] as const))!;
    const p = (i: number) => atoms.find((a) => a[0] === i)!.slice(1);
    const el = page.locator('[data-testid="torsion-readout"] .legend-item').first();
    expect(Number(await el.getAttribute('data-phi'))).toBeCloseTo(dihedral(p(4), p(6), p(8), p(10)), 3);
    expect(Number(await el.getAttribute('data-psi'))).toBeCloseTo(dihedral(p(6), p(8), p(10), p(16)), 3);
  });

  it('samples a dropped single-frame PDB of the molecule the same way, at the model\'s 1 ps', async () => {
    // the demo's first model, without its interval remark: one structure, no velocities, no stated interval
    const demo = readFileSync(join(process.cwd(), 'public', 'scenes', 'alanine-dipeptide.pdb'), 'utf8');
    const first = demo.slice(0, demo.indexOf('ENDMDL')).split('\n').filter((l) => !l.startsWith('REMARK')).join('\n') + '\nENDMDL\nEND\n';
    await dropFile(page, 'ala2-one-frame.pdb', first);
    await waitForScene(page, 'ala2-one-frame.pdb');
    await waitModel(page, 'ala2');
    expect(await text('compat-notices')).toContain('1 ps');
    await page.fill('[data-testid="sample-k"]', '3');
    await page.fill('[data-testid="sample-horizon"]', '40 frames');
    await page.click('[data-testid="sample-run"]');
    await page.waitForFunction(() => ['done', 'error'].includes(window.__lamslideSample!.state().status) && window.__lamslideSample!.state().runs.length > 0, undefined, { timeout: 120_000, polling: 100 });
    const st = await sampleState(page);
    expect(st.error).toBeNull();
    expect(st.model).toBe('ala2');
    expect(st.runs[0]).toMatchObject({ K: 3, N: 22, now: 0, horizon: 40 });
    expect(log.errors).toEqual([]);
  });
});
