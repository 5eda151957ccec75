/**
 * Alanine dipeptide in the page: the φ/ψ readout follows the frame (backbone from the PDB's atom names, and from
 * the bonds in the XYZ file), and after sampling with the tiny 3-D model (test/unit/engine/tiny-model.ts, its frame
 * interval the demo's 0.5 ps) a 2 ns horizon chains 667 windows in the worker with a progress bar, plays back on
 * the timeline and gets a Ramachandran plot beside the file's own frames; a 10 ns rollout can be cancelled, and
 * K is capped for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dihedral } from '../../src/core/peptide/torsions';
import { tinyMoleculeDims, writeTinyMoleculeModel, type TinyMoleculeDims } from '../unit/engine/tiny-model';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { blur, runAndWait, sampleState, sceneFrame, serveWithTestModel, viewState, waitModel } from './samplerHelpers';
import type { RunningServer } from './staticServer';

const DIMS: TinyMoleculeDims = { ...tinyMoleculeDims, P: 24, L: 8, C: 24 };
// mdtraj.compute_phi / compute_psi of the demo's frames 0 and 50 (degrees)
const MDTRAJ = { 0: [-84.283, -12.028], 50: [-72.358, 174.647] } as const;

let browser: Browser;
let page: Page;
let log: PageLog;
let server: RunningServer;
let tmp: string;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();
const readout = async () => {
  const el = page.locator('[data-testid="torsion-readout"] .legend-item').first();
  return { text: await el.innerText(), phi: Number(await el.getAttribute('data-phi')), psi: Number(await el.getAttribute('data-psi')) };
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-ala-'));
  const models = join(tmp, 'models');
  await writeTinyMoleculeModel(join(models, 'tiny-molecule'), DIMS, { frame_interval: { value: 0.5, unit: 'ps' } });
  server = await serveWithTestModel(inject('distDir'), models, { name: 'tiny-molecule', domain: 'molecule' });
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, server.url));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('alanine dipeptide', () => {
  it('reads φ/ψ at the current frame, from the atom names of the PDB and from the bonds of the XYZ', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide-xyz"]');
    await waitForScene(page, 'alanine-dipeptide.xyz');
    expect(await page.locator('[data-testid="torsion-readout"]').getAttribute('data-method')).toBe('bonds');
    await page.locator('[data-testid="scrub"]').fill('50');
    const xyz = await readout();
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    expect(await page.locator('[data-testid="torsion-readout"]').getAttribute('data-method')).toBe('names');
    const r0 = await readout();
    expect(r0.text).toBe('ALA 2: φ −84.3° ψ −12.0°');
    expect(r0.phi).toBeCloseTo(MDTRAJ[0][0], 2);
    await page.locator('[data-testid="scrub"]').fill('50');
    const r50 = await readout();
    expect(r50.phi).toBeCloseTo(MDTRAJ[50][0], 2);
    expect(r50.psi).toBeCloseTo(MDTRAJ[50][1], 2);
    // the same trajectory with 5 decimals instead of 3
    expect(Math.abs(xyz.phi - r50.phi)).toBeLessThan(0.5);
    expect(Math.abs(xyz.psi - r50.psi)).toBeLessThan(0.5);
  });

  it('samples a 2 ns horizon as 667 chained windows in the worker, with a progress bar', async () => {
    await waitModel(page, 'tiny-molecule');
    // The PDB's FRAME INTERVAL remark states the model's 0.5 ps: no conversion, no assumption.
    expect(await text('frame-interval')).toBe('0.5 ps');
    expect(await page.locator('[data-testid="compat-conversions"]').count()).toBe(0);
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '2');
    await page.fill('[data-testid="sample-nfe"]', '2');
    await page.fill('[data-testid="sample-horizon"]', '2 ns');
    expect(await text('sample-horizon-readout')).toBe('horizon: 4000 frames = 667 chained windows of 6 · 2000.0 ps');
    expect(await page.locator('[data-testid="sample-windows"]').inputValue()).toBe('custom');
    await page.click('[data-testid="sample-run"]');
    // The bar counts windows done of all of them while the worker chains them.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sample-progress"]')?.getAttribute('data-window') ?? 0) >= 2, undefined, { timeout: 120_000, polling: 50 });
    expect(await page.locator('[data-testid="sample-progress"]').getAttribute('max')).toBe('667');
    expect(await text('sample-status')).toMatch(/^sampling: window \d+ \/ 667 \(\d+ done\)$/);
    await page.waitForFunction(() => window.__lamslideSample!.state().status === 'done', undefined, { timeout: 300_000, polling: 200 });
    const st = await sampleState(page);
    expect(st.runs[0]).toMatchObject({ K: 2, N: 22, now: 99, horizon: 4000 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(4100);
    expect(await page.locator('[data-testid="sample-progress"]').count()).toBe(0);
  });

  it('draws the Ramachandran plot of the sampled frames beside the file’s', async () => {
    const fig = page.locator('[data-testid="ramachandran"]');
    await page.waitForSelector('[data-testid="plot-ramachandran"] svg');
    expect(await fig.getAttribute('data-reference-points')).toBe('100');
    expect(await fig.getAttribute('data-sampled-points')).toBe('8000');
    const caption = await page.locator('[data-testid="plot-ramachandran"] figcaption').innerText();
    expect(caption).toContain("reference: the file's 100 frames (100 points)");
    expect(caption).toContain('sampled: run #1, 2 samples × 4000 frames (8000 points, every 2nd drawn)');
    // one panel each, dots in both
    expect(await page.locator('[data-testid="plot-ramachandran"] svg [aria-label="dot"] circle').count()).toBe(100 + 4000);
    await blur(page);
    await page.keyboard.press(']');
    await page.waitForFunction(() => document.querySelector('[data-testid="ramachandran"]')?.getAttribute('data-sampled-points') === '4000');
  });

  it('plays the long rollout back on the timeline, with φ/ψ of the sample on screen', async () => {
    const st = await sampleState(page);
    await page.selectOption('[data-testid="speed"]', '64');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.__lamslide!.frame() > 400, undefined, { timeout: 60_000, polling: 50 });
    await page.click('[data-testid="play"]');
    const frame = await page.evaluate(() => window.__lamslide!.frame());
    const v = (await viewState(page))!;
    expect(v.drawn).toBe(22);
    const j = frame - 100;
    // One sample's 22 × 4000 segments are drawn whole; the fan of both samples only over a span around the frame.
    expect(v.run).toMatchObject({ sample: 0, lines: 22 * 4000, span: null });
    await page.keyboard.press('[');
    const fan = (await viewState(page))!.run!;
    expect(fan).toMatchObject({ sample: null, lines: 2 * 22 * 48, ghosts: 2 * 22 });
    expect(fan.span!.to - fan.span!.from).toBe(48);
    expect(fan.span!.from).toBeLessThanOrEqual(j);
    expect(fan.span!.to).toBeGreaterThan(j);
    expect((await readout()).text).toBe('ALA 2: pick a sample to read φ/ψ');
    await page.keyboard.press(']');
    const atoms = (await page.evaluate(([id, jj]) => window.__lamslideSample!.positions(id, 0, jj), [st.runs[0].id, j] as const))!;
    const p = (i: number) => atoms.find((a) => a[0] === i)!.slice(1);
    const r = await readout();
    expect(r.phi).toBeCloseTo(dihedral(p(4), p(6), p(8), p(10)), 3);
    expect(r.psi).toBeCloseTo(dihedral(p(6), p(8), p(10), p(16)), 3);
    expect(r.text).toMatch(/^ALA 2: φ −?\d+\.\d° ψ −?\d+\.\d°$/);
  });

  it('caps K for a 10 ns horizon and cancels a long rollout while it runs', async () => {
    await page.click('[data-testid="show-file-bar"]');
    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-horizon"]', '10 ns');
    await page.fill('[data-testid="sample-k"]', '13');
    expect(await text('sample-blocker')).toMatch(/K = 13 over 20000 frames of 22 entities is more than a run may hold .*choose K ≤ 12/);
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    await page.fill('[data-testid="sample-k"]', '2');
    await page.click('[data-testid="sample-run"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sample-progress"]')?.getAttribute('data-window') ?? 0) >= 3, undefined, { timeout: 120_000, polling: 50 });
    expect(await page.locator('[data-testid="sample-progress"]').getAttribute('max')).toBe('3334');
    await page.click('[data-testid="sample-cancel"]');
    await page.waitForFunction(() => window.__lamslideSample!.state().status === 'idle', undefined, { timeout: 30_000, polling: 50 });
    const st = await sampleState(page);
    expect(st.runs.length).toBe(1);
    expect(st.error).toBeNull();
    expect(await page.locator('[data-testid="sample-progress"]').count()).toBe(0);
    // the file itself is untouched
    expect((await sceneFrame(page, 99)).size).toBe(22);
    expect(log.errors).toEqual([]);
  });
});
