/**
 * Test-only page (served by a Vite dev server from test/e2e/webgpu.test.ts): runs the engine in the browser on a
 * chosen backend and returns plain arrays for comparison in Node.
 */
import { rollout } from '../../../src/core/sampler/rollout';
import { OnnxModel } from '../../../src/engine/model';
import type { BackendChoice } from '../../../src/engine/session';
import { UrlModelSource } from '../../../src/engine/source';
import { f32, i32, rolloutFixture, windowSlots } from '../../models/parity';


export interface PageRunRequest {
  modelUrl: string;
  backend: BackendChoice;
  /** use the rollout of this fixtures.json (noise, ids, window); otherwise a synthetic window */
  fixtureUrl?: string;
  /** make the first WebGPU run fail (exercises the run-time fallback) */
  failFirstGpuRun?: boolean | 'encoder' | 'approximator' | 'decoder';
  synthetic?: { N: number; K: number; nfe: number; solver: 'euler' | 'heun' | 'ddim'; seed: number };
  bucketing?: 'auto' | 'always' | 'never';
  /** keep latents on the GPU between flow steps (default true) */
  gpuResident?: boolean;
}

export interface PageRunResult {
  backendAfterLoad: string;
  backendAfterRun: string;
  fallbackReasons: string[];
  adapter: string;
  /** per graph, on the fixture's inputs (fixture runs only) */
  graphs?: Record<string, number[]>;
  xFinal: number[];
  /**
   * fixture runs: the fixture's x_S compared the same way as xFinal (with the slot graph both hold only the
   * window's slots, since the slots of no entity are 0 there and decayed noise in PyTorch's full-latent run)
   */
  xFinalRef?: number[];
  positions: number[];
  ms: number;
  /** the last integration kept the latents on the GPU */
  onDevice: boolean;
}


async function adapterInfo(): Promise<string> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
  if (!gpu) return 'no navigator.gpu';
  const a = await gpu.requestAdapter();
  if (!a) return 'no adapter';
  const i = a.info ?? {};
  return `${i.vendor ?? ''} ${i.architecture ?? ''} ${i.description ?? ''}`.trim() || 'adapter without info';
}

async function run(req: PageRunRequest): Promise<PageRunResult> {
  const failNextGpuRun = { value: req.failFirstGpuRun !== undefined && req.failFirstGpuRun !== false, graph: typeof req.failFirstGpuRun === 'string' ? req.failFirstGpuRun : undefined };
  const model = await OnnxModel.load(new UrlModelSource(req.modelUrl), { backend: req.backend, failNextGpuRun, bucketing: req.bucketing, gpuResident: req.gpuResident });
  const backendAfterLoad = model.backend;
  const t0 = performance.now();
  try {
    if (req.fixtureUrl) {
      const fx = await (await fetch(req.fixtureUrl)).json();
      const e = fx.encoder.inputs;
      const [eB, eN] = e.ids.shape;
      const a = fx.approximator.inputs;
      const d = fx.decoder.inputs;
      const [dB, dN] = d.ids.shape;
      const graphs = {
        encoder: Array.from(await model.encode(f32(e.pos), i32(e.ids), f32(e.mask), eB, eN, e.feats ? i32(e.feats) : undefined)),
        approximator: Array.from(await model.approximate(f32(a.x), f32(a.t), f32(a.cond), i32(a.cond_mask), a.x.shape[0])),
        decoder: Array.from(await model.decode(f32(d.latent), i32(d.ids), dB, dN)),
      } as Record<string, number[]>;
      const sa = fx.slot_approximator?.inputs;
      if (model.slots && sa) graphs.slot_approximator = Array.from(await model.slots.approximate(f32(sa.x), f32(sa.t), f32(sa.cond), i32(sa.frame_mask), f32(sa.occupied), sa.x.shape[0], sa.x.shape[2]));
      const r = fx.rollout;
      const res = await rolloutFixture(model, model.dims, r);
      let xFinal = Array.from(res.xFinal);
      let xFinalRef: number[] = r.x_final.data;
      if (model.slots && model.dims.slotWidth) {
        const { L, C, slotWidth } = model.dims;
        const T = r.window.pos.shape[0];
        xFinal = windowSlots(res.xFinal, r.k, T, L * C, r.window.ids.data, slotWidth);
        xFinalRef = windowSlots(r.x_final.data, r.k, T, L * C, r.window.ids.data, slotWidth);
      }
      return { backendAfterLoad, backendAfterRun: model.backend, fallbackReasons: model.fallbackReasons, adapter: await adapterInfo(), graphs, xFinal, xFinalRef, positions: Array.from(res.firstWindow), ms: performance.now() - t0, onDevice: model.lastIntegrationOnDevice };
    }
    const s = req.synthetic ?? { N: 5, K: 3, nfe: 4, solver: 'heun' as const, seed: 7 };
    const T = model.dims.observed + model.dims.future;
    const pos = new Float32Array(T * s.N * 2).map((_, i) => Math.sin(i * 0.37) * 3);
    const mask = new Float32Array(T * s.N).fill(1);
    const res = await rollout(model, model.dims, { T, N: s.N, D: 2, pos, mask }, { K: s.K, nfe: s.nfe, solver: s.solver, seed: s.seed });
    return { backendAfterLoad, backendAfterRun: model.backend, fallbackReasons: model.fallbackReasons, adapter: await adapterInfo(), xFinal: Array.from(res.xFinal), positions: Array.from(res.firstWindow), ms: performance.now() - t0, onDevice: model.lastIntegrationOnDevice };
  } finally {
    await model.release();
  }
}

declare global {
  interface Window {
    lamslideEngineTest?: { run(req: PageRunRequest): Promise<PageRunResult> };
  }
}

window.lamslideEngineTest = { run };
document.getElementById('status')!.textContent = 'ready';
