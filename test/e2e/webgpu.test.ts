/**
 * The WebGPU path in headless Chromium (SwiftShader's WebGPU adapter, page served from 127.0.0.1 = secure
 * context): the same rollout as WASM within tolerance, the run-time fallback to WASM, and, for every model
 * models/index.json lists, the PyTorch fixture rollout.
 *
 * Tolerances (relative L2 over the whole tensor, see test/models/parity.ts): WebGPU vs WASM 1e-3 for a full
 * rollout, WebGPU vs PyTorch 2e-3 for each graph and the rollout. Looser than the Node parity bound (1e-4):
 * SwiftShader's WebGPU float32 kernels differ more (measured: ped-dev encoder 1.2e-4, rollout 1.4e-6), and a
 * real GPU may use fused multiply-add and different reduction trees.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageRunRequest, PageRunResult } from './pages/engine-page';
import { startEngineServer } from './engineServer';
import { listedModels, ROOT } from '../models/index';
import { relL2 } from '../models/parity';
import { writeTinyModel, writeTinyMoleculeModel } from '../unit/engine/tiny-model';

const GPU_VS_WASM = 1e-3;
const GPU_VS_TORCH = 2e-3;

let browser: Browser;
let page: Page;
let server: ViteDevServer;
let tmp: string;
let base: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-webgpu-'));
  await writeTinyModel(join(tmp, 'tiny'), { D: 2, L: 4, C: 16, P: 24, observed: 8, future: 12 });
  await writeTinyMoleculeModel(join(tmp, 'molecule'));
  const s = await startEngineServer({ '/__tmp/': tmp });
  server = s.server;
  base = s.url;
  browser = await launchBrowser({ webgpu: true });
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page] ${m.text()}`);
  });
  await page.goto(`${base}/test/e2e/pages/engine.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function runInPage(req: PageRunRequest): Promise<PageRunResult> {
  return page.evaluate((r) => window.lamslideEngineTest!.run(r), req);
}

describe('WebGPU in headless Chromium (SwiftShader)', () => {
  it('has a WebGPU adapter', async () => {
    const info = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'no navigator.gpu';
      return (await gpu.requestAdapter()) ? 'ok' : 'no adapter';
    });
    expect(info, 'WebGPU is unavailable in this Chromium: the WebGPU path cannot be tested here (flags --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader)').toBe('ok');
  });

  it('runs a rollout on WebGPU, latents kept on the GPU between flow steps, that matches WASM', async () => {
    for (const solver of ['heun', 'euler', 'ddim'] as const) {
      const synthetic = { N: 5, K: 3, nfe: 4, solver, seed: 7 };
      const gpu = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'webgpu', synthetic });
      const gpuCpuSolve = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'webgpu', synthetic, gpuResident: false });
      const wasm = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'wasm', synthetic });
      expect(gpu.backendAfterLoad, `WebGPU session creation failed: ${gpu.fallbackReasons.join('; ')}`).toBe('webgpu');
      expect(gpu.backendAfterRun).toBe('webgpu');
      expect(gpu.onDevice, gpu.fallbackReasons.join('; ')).toBe(true);
      expect(gpuCpuSolve.onDevice).toBe(false);
      expect(wasm.backendAfterRun).toBe('wasm');
      const e = relL2(gpu.positions, wasm.positions);
      const e2 = relL2(gpuCpuSolve.positions, wasm.positions);
      console.log(`tiny model ${solver}, WebGPU (${gpu.adapter}) vs WASM: relative L2 ${e.toExponential(2)} GPU-resident, ${e2.toExponential(2)} CPU solver (positions)`);
      expect(e).toBeLessThan(GPU_VS_WASM);
      expect(e2).toBeLessThan(GPU_VS_WASM);
    }
  });

  it('retries on WASM when WebGPU fails at run time', async () => {
    const synthetic = { N: 4, K: 2, nfe: 2, solver: 'euler' as const, seed: 3 };
    const failed = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'webgpu', failFirstGpuRun: 'approximator', synthetic, gpuResident: false });
    const wasm = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'wasm', synthetic });
    expect(failed.backendAfterLoad).toBe('webgpu');
    expect(failed.backendAfterRun).not.toBe('webgpu');
    expect(failed.fallbackReasons.join(' ')).toMatch(/WebGPU run failed: injected/);
    expect(relL2(failed.positions, wasm.positions)).toBeLessThan(GPU_VS_WASM);
  });

  it('falls back to the CPU solver when the GPU-resident solve fails', async () => {
    const synthetic = { N: 4, K: 2, nfe: 2, solver: 'euler' as const, seed: 3 };
    const failed = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'webgpu', failFirstGpuRun: 'approximator', synthetic });
    const wasm = await runInPage({ modelUrl: '/__tmp/tiny/', backend: 'wasm', synthetic });
    expect(failed.onDevice).toBe(false);
    expect(failed.backendAfterRun).toBe('webgpu');
    expect(failed.fallbackReasons.join(' ')).toMatch(/GPU-resident solve failed: injected/);
    expect(relL2(failed.positions, wasm.positions)).toBeLessThan(GPU_VS_WASM);
  });

  it('runs a contract v2 model (3-D, element vocabulary: feats padded on WebGPU) as on WASM', async () => {
    const fx = JSON.parse(await readFile(join(tmp, 'molecule', 'fixtures', 'fixtures.json'), 'utf8'));
    const req = { modelUrl: '/__tmp/molecule/', fixtureUrl: '/__tmp/molecule/fixtures/fixtures.json' };
    const gpu = await runInPage({ ...req, backend: 'webgpu', bucketing: 'always' });
    const wasm = await runInPage({ ...req, backend: 'wasm' });
    expect(gpu.backendAfterRun, gpu.fallbackReasons.join('; ')).toBe('webgpu');
    expect(relL2(gpu.graphs!.encoder, fx.encoder.outputs.latent.data)).toBeLessThan(GPU_VS_TORCH);
    expect(relL2(gpu.positions, wasm.positions)).toBeLessThan(GPU_VS_WASM);
    expect(relL2(gpu.positions, fx.rollout.pos_out.data)).toBeLessThan(GPU_VS_TORCH);
  });

  const models = listedModels().filter((m) => m.hasFixtures);
  it.skipIf(models.length === 0)('reproduces the PyTorch fixture rollout on WebGPU for every listed model', async () => {
    const { readFileSync } = await import('node:fs');
    for (const m of models) {
      const url = `/${relative(ROOT, m.dir)}/`;
      const fx = JSON.parse(readFileSync(join(m.dir, 'fixtures', 'fixtures.json'), 'utf8'));
      const gpu = await runInPage({ modelUrl: url, backend: 'webgpu', fixtureUrl: `${url}fixtures/fixtures.json`, bucketing: 'auto' });
      const wasm = await runInPage({ modelUrl: url, backend: 'wasm', fixtureUrl: `${url}fixtures/fixtures.json` });
      expect(gpu.backendAfterRun, `${m.name}: ${gpu.fallbackReasons.join('; ')}`).toBe('webgpu');
      expect(gpu.onDevice, `${m.name}: ${gpu.fallbackReasons.join('; ')}`).toBe(true);
      const eTorch = relL2(gpu.positions, fx.rollout.pos_out.data);
      const eTorchX = relL2(gpu.xFinal, gpu.xFinalRef ?? fx.rollout.x_final.data);
      const eWasm = relL2(gpu.positions, wasm.positions);
      // the slot graph too, where the model has one (the rollouts above ran it)
      const eGraphs = Object.fromEntries(Object.keys(gpu.graphs!).map((g) => [g, relL2(gpu.graphs![g], Object.values(fx[g].outputs as Record<string, { data: number[] }>)[0].data)]));
      console.log(`${m.name}: WebGPU vs PyTorch rollout ${eTorch.toExponential(2)} (positions), ${eTorchX.toExponential(2)} (x_S), vs WASM ${eWasm.toExponential(2)}, graphs ${JSON.stringify(eGraphs)} (${gpu.ms.toFixed(0)} ms)`);
      expect(eWasm).toBeLessThan(GPU_VS_WASM);
      for (const [g, e] of Object.entries(eGraphs)) expect(e, `${m.name}: ${g} on WebGPU vs PyTorch`).toBeLessThan(GPU_VS_TORCH);
      expect(eTorch).toBeLessThan(GPU_VS_TORCH);
      expect(eTorchX).toBeLessThan(GPU_VS_TORCH);
    }
    // A hang guard that grows with the number of listed models: each costs 10-60 s of shader compilation on
    // SwiftShader, more when the machine is shared.
  }, 90_000 * Math.max(1, models.length));
});
