/**
 * The same panels, timeline and view on a 3-D molecule: the alanine dipeptide demo sampled with the engine's tiny
 * v2 molecule model (element vocabulary H, C, N, O; written by test/unit/engine/tiny-model.ts and served beside
 * the build's own models), its frame interval set to 1 ps so the page must offer (and the user accept) taking
 * every 2nd frame of the 0.5 ps demo (its XYZ file; the PDB states no interval and takes the model's). Checks the ball-and-stick moving along a sampled future, the hover readout
 * (source identity and ID), the bond-length plot, the ODE steps and the latent view, and XYZ / PDB exports
 * re-opened with the same positions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tinyMoleculeDims, writeTinyMoleculeModel, type TinyMoleculeDims } from '../unit/engine/tiny-model';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { decodePng } from './png';
import { blur, exportFiles, reopen, runAndWait, sampleState, sceneFrame, serveWithTestModel, viewState, waitModel } from './samplerHelpers';
import type { RunningServer } from './staticServer';

const DIMS: TinyMoleculeDims = { ...tinyMoleculeDims, P: 24, L: 8, C: 24 };

let browser: Browser;
let page: Page;
let log: PageLog;
let server: RunningServer;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-3d-'));
  const models = join(tmp, 'models');
  const dir = join(models, 'tiny-molecule');
  // A 1 ps model for the 0.5 ps demo: the page must offer taking every 2nd frame.
  await writeTinyMoleculeModel(dir, DIMS, { frame_interval: { value: 1, unit: 'ps' } });
  server = await serveWithTestModel(inject('distDir'), models, { name: 'tiny-molecule', domain: 'molecule' });
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, server.url));
  await page.click('[data-testid="demo-alanine-dipeptide-xyz"]');
  await waitForScene(page, 'alanine-dipeptide.xyz');
  await waitModel(page, 'tiny-molecule');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('3-D molecules through the same panels', () => {
  it('offers to take every 2nd frame for the 1 ps model, then samples a ball-and-stick future along which every atom moves', async () => {
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="compat-conversions"]').innerText()).toContain('every 2nd frame (0.5 ps → 1 ps)');
    // A confirm step names the conversion with both values before anything changes.
    await page.click('[data-testid="convert-scene"]');
    expect(await page.locator('[data-testid="convert-list"]').innerText()).toContain("the scene's are 0.5 ps apart, the model steps 1 ps: every 2nd frame is kept (50 of 100)");
    expect(await page.evaluate(() => window.__lamslide!.frameCount())).toBe(100);
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => window.__lamslide!.frameCount() === 50);
    expect(await page.locator('[data-testid="frame-interval"]').innerText()).toBe('1 ps');
    await page.locator('[data-testid="scrub"]').fill('30');
    await page.fill('[data-testid="sample-k"]', '3');
    await page.fill('[data-testid="sample-nfe"]', '3');
    await page.check('[data-testid="keep-steps"]');
    await page.check('[data-testid="keep-latents"]');
    const st = await runAndWait(page, 'sample-run');
    const run = st.runs[0];
    expect(run).toMatchObject({ K: 3, N: 22, now: 30, horizon: 6 });
    expect(await page.locator('[data-testid="sample-status"]').innerText()).toMatch(/3 futures × 22 atoms in \d+ ms/);
    expect(await page.evaluate(() => window.__lamslide!.timelineCount())).toBe(37);
    await blur(page);
    const atNow = await viewState(page);
    const before = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    await page.keyboard.press(']');
    await page.locator('[data-testid="scrub"]').fill('34');
    const v = await viewState(page);
    expect(v!.drawn).toBe(22);
    expect(v!.run).toMatchObject({ sample: 0, truthMarkers: 22 });
    const start = new Map(atNow!.positions.map((p) => [p.entity, p.p]));
    const want = (await page.evaluate((id) => window.__lamslideSample!.positions(id, 0, 3), run.id))!;
    for (const e of v!.positions) {
      const w = want.find((x) => x[0] === e.entity)!;
      for (let d = 0; d < 3; d++) expect(e.p[d]).toBeCloseTo(w[d + 1], 4);
      expect(Math.hypot(...e.p.map((x, d) => x - start.get(e.entity)![d]))).toBeGreaterThan(1e-3);
    }
    const after = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    let changed = 0;
    for (let i = 0; i < after.data.length; i += 4) if (Math.abs(after.data[i] - before.data[i]) + Math.abs(after.data[i + 1] - before.data[i + 1]) > 30) changed++;
    expect(changed / (after.data.length / 4)).toBeGreaterThan(0.002);
  });

  it('hovering an atom shows its source identity and its ID', async () => {
    const st = await sampleState(page);
    const run = st.runs[0];
    const at = await page.evaluate(() => window.__lamslide!.screenOf(0));
    expect(at).not.toBeNull();
    await page.mouse.move(at!.x, at!.y);
    const readout = page.locator('[data-testid="hover-readout"]');
    await readout.waitFor();
    const entity = Number(await readout.getAttribute('data-entity'));
    const txt = await readout.innerText();
    expect(txt).toContain(`source id ${run.sourceIds[entity]}`);
    expect(txt).toContain(`ID ${run.ids[entity]}`);
    expect(txt).toMatch(/element [A-Z][a-z]?/);
    await page.mouse.move(2, 2);
  });

  it('plots bond-length deviations and highlights an atom from the per-entity table', async () => {
    await page.waitForSelector('[data-testid="plot-bonds"] svg');
    expect(await page.locator('[data-testid="bond-summary"]').innerText()).toMatch(/over \d+ bonds/);
    const row = page.locator('[data-testid="entity-table"] tbody tr').nth(2);
    await row.click();
    expect((await viewState(page))!.highlight).toBe(Number(await row.getAttribute('data-entity')));
    await row.click();
  });

  it('steps through the ODE integration and shows the latent trajectory', async () => {
    await page.click('[data-testid="panel-inside"] summary');
    const slider = page.locator('[data-testid="ode-step"]');
    expect(await slider.getAttribute('max')).toBe('3');
    const final = await viewState(page);
    await slider.fill('0');
    expect(await page.locator('[data-testid="ode-step-readout"]').innerText()).toMatch(/evaluation 1 \/ 3, t = 0\.00\d/);
    const first = await viewState(page);
    const diff = first!.positions.reduce((a, p, i) => a + Math.hypot(...p.p.map((x, d) => x - final!.positions[i].p[d])), 0);
    expect(diff).toBeGreaterThan(1e-3);
    await slider.fill('3');
    expect(await page.locator('[data-testid="ode-step-readout"]').innerText()).toContain('final sample');
    await page.waitForSelector('[data-testid="plot-latents"] svg');
    expect(await page.locator('[data-testid="plot-latents"] figcaption').innerText()).toContain('8 × 24 values per frame');
  });

  it('exports multi-frame XYZ (all samples) and multi-MODEL PDB (one file per sample) that re-open with the same positions', async () => {
    const st = await sampleState(page);
    const run = st.runs[0];
    const expectAt = async (k: number, j: number) => new Map(((await page.evaluate(([id, kk, jj]) => window.__lamslideSample!.positions(id, kk, jj), [run.id, k, j] as const)) ?? []).map(([e, ...p]) => [run.sourceIds[e], p]));
    const s1 = await expectAt(1, 2);
    const s2 = await expectAt(2, 5);
    const xyz = await exportFiles(page, 'xyz', 'all-in-one');
    const pdb = await exportFiles(page, 'pdb', 'per-sample', 3);
    expect(xyz[0].name).toBe('alanine-dipeptide_tiny-molecule_nfe3-ddim_seed0_all3.xyz');
    const check = async (file: { name: string; bytes: Buffer }, frame: number, want: Map<string, number[]>, digits: number) => {
      await reopen(page, file.name, file.bytes);
      const got = await sceneFrame(page, frame);
      expect(got.size).toBe(22);
      for (const [id, p] of want) for (let d = 0; d < 3; d++) expect(got.get(id)![d]).toBeCloseTo(p[d], digits);
    };
    await check(xyz[0], 31 + 1 * 6 + 2, s1, 4);
    expect(await page.evaluate(() => window.__lamslide!.frameCount())).toBe(31 + 3 * 6);
    await check(pdb.find((f) => f.name.endsWith('_s2.pdb'))!, 31 + 5, s2, 2);
    expect(await page.evaluate(() => window.__lamslide!.frameCount())).toBe(37);
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
  });
});
