/**
 * Charged N-body in the page: a CSV made here by a small simulation of five charged particles (the GeoTDM
 * constants: dt 0.001, a frame every 100 steps, forces clipped at ±100) reads in simulation units; particles are
 * coloured by charge (red +1, blue −1, with a legend) and trail behind them in 3-D. A charged test model
 * (test/unit/engine/tiny-model.ts with a charge vocabulary) samples it through the same panels, its horizon typed
 * in simulation time, and the readouts say "simulation units".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chargeColor, hex, NEGATIVE, POSITIVE } from '../../src/ui/view/palette';
import { tinyMoleculeDims, writeTinyMoleculeModel } from '../unit/engine/tiny-model';
import { launchBrowser, openApp, type PageLog } from './browser';
import { blur, reopen, runAndWait, serveWithTestModel, viewPixels, viewState, waitModel } from './samplerHelpers';
import type { RunningServer } from './staticServer';

const CHARGES = [1, -1, 1, 1, -1];
const FRAMES = 30;

/** Leapfrog as in the reference generator: kick, then drift 100 steps per saved frame; Coulomb with k = 1. */
function simulate(): number[][][] {
  const n = CHARGES.length;
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const x = Array.from({ length: n }, () => [rnd() * 1.5, rnd() * 1.5, rnd() * 1.5]);
  const v = Array.from({ length: n }, () => [rnd() * 0.3, rnd() * 0.3, rnd() * 0.3]);
  const force = () =>
    x.map((xi, i) => {
      const f = [0, 0, 0];
      x.forEach((xj, j) => {
        if (i === j) return;
        const d = [xi[0] - xj[0], xi[1] - xj[1], xi[2] - xj[2]];
        const r3 = Math.hypot(...d) ** 3;
        for (let c = 0; c < 3; c++) f[c] += (CHARGES[i] * CHARGES[j] * d[c]) / r3;
      });
      return f.map((c) => Math.max(-100, Math.min(100, c)));
    });
  const dt = 0.001;
  const frames: number[][][] = [];
  for (let step = 1; frames.length < FRAMES; step++) {
    const f = force();
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) v[i][c] += dt * f[i][c];
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) x[i][c] += dt * v[i][c];
    if (step % 100 === 0) frames.push(x.map((p) => [...p]));
  }
  return frames;
}

function csv(): string {
  const lines = ['# lamslide kind=nbody frame_interval=0.1', 'frame,id,x,y,z,charge'];
  simulate().forEach((fr, f) => fr.forEach((p, i) => lines.push(`${f},${i},${p.map((c) => c.toFixed(5)).join(',')},${CHARGES[i]}`)));
  return lines.join('\n');
}

let browser: Browser;
let page: Page;
let log: PageLog;
let server: RunningServer;
let tmp: string;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

/** Pixels of the view (the legend left out) that are clearly red, and clearly blue. */
async function redAndBlue(): Promise<{ red: number; blue: number }> {
  let red = 0;
  let blue = 0;
  await viewPixels(page, (r, g, b) => {
    if (r > 120 && r > b + 70 && r > g + 60) red++;
    if (b > 120 && b > r + 70 && b > g + 20) blue++;
  });
  return { red, blue };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-nbody-'));
  const models = join(tmp, 'models');
  await writeTinyMoleculeModel(join(models, 'tiny-nbody'), { ...tinyMoleculeDims, vocab: ['-1', '1'] }, {
    name: 'tiny-nbody',
    domain: 'nbody',
    length_unit: 'sim',
    frame_interval: { value: 0.1, unit: 'sim' },
    features: { key: 'charge', vocab: ['-1', '1'] },
    metrics: { protocol: { name: 'mean', k: 5, unit: 'sim' } },
  });
  // The shipped N-body model (nbody-charged) is left out: test/e2e/sampler-systems samples with it.
  server = await serveWithTestModel(inject('distDir'), models, { name: 'tiny-nbody', domain: 'nbody' });
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, server.url));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a charged N-body system', () => {
  it('reads in simulation units and colours the particles by charge, with a legend', async () => {
    await reopen(page, 'charged.csv', Buffer.from(csv()));
    expect(await text('scene-kind')).toBe('nbody (3-D)');
    expect(await text('length-unit')).toBe('simulation units');
    expect(await text('frame-interval')).toBe('0.1 simulation units');
    const layer = (await viewState(page))!.layer!;
    expect(layer.kind).toBe('particles');
    expect(layer.chargeScale).toBe(1);
    const close = (a: string, b: string) => [1, 3, 5].every((o) => Math.abs(parseInt(a.slice(o, o + 2), 16) - parseInt(b.slice(o, o + 2), 16)) <= 1);
    CHARGES.forEach((q, i) => expect(close(layer.colors[i], hex(q > 0 ? POSITIVE : NEGATIVE))).toBe(true));
    expect(hex(chargeColor(1))).not.toBe(hex(chargeColor(-1)));
    // sized for simulation units: 0.15 of them
    expect(layer.radii.every((r) => r === 0.15)).toBe(true);
    expect(await text('legend-charge')).toMatch(/charge\s*\+1 \(3\)\s*−1 \(2\)\s*lengths and times in simulation units/);
    const px = await redAndBlue();
    expect(px.red).toBeGreaterThan(30);
    expect(px.blue).toBeGreaterThan(30);
  });

  it('draws a fading trail behind each particle in 3-D', async () => {
    expect((await viewState(page))!.layer!.trails).toBe(0);
    await page.locator('[data-testid="scrub"]').fill('10');
    expect((await viewState(page))!.layer!.trails).toBe(5 * 10);
    await page.locator('[data-testid="scrub"]').fill('25');
    expect((await viewState(page))!.layer!.trails).toBe(5 * 12);
    expect(await text('time-readout')).toBe('2.5 simulation units');
  });

  it('samples with a charged model, the horizon in simulation time, and plays back in simulation units', async () => {
    await waitModel(page, 'tiny-nbody');
    await page.locator('[data-testid="scrub"]').fill('20');
    await page.fill('[data-testid="sample-k"]', '3');
    await page.fill('[data-testid="sample-nfe"]', '2');
    await page.fill('[data-testid="sample-horizon"]', '2 sim');
    expect(await text('sample-horizon-readout')).toBe('horizon: 20 frames = 4 chained windows of 6 · 2.0 simulation units');
    const st = await runAndWait(page, 'sample-run');
    expect(st.runs[0]).toMatchObject({ K: 3, N: 5, now: 20, horizon: 20 });
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(41);
    expect(await text('summary-ade')).toMatch(/^\d+\.\d{3} simulation units$/);
    await blur(page);
    await page.keyboard.press(']');
    await page.locator('[data-testid="scrub"]').fill('35');
    const v = (await viewState(page))!;
    expect(v.drawn).toBe(5);
    expect(v.layer!.kind).toBe('particles');
    expect(v.layer!.trails).toBe(5 * 12);
    expect(await text('frame-secondary')).toBe('sampled 15 / 20 · window 3');
    expect(log.errors).toEqual([]);
  });
});
