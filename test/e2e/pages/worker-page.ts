/**
 * Test-only page (served by a Vite dev server from test/e2e/worker.test.ts): drives the real sampling worker
 * (src/engine/worker.ts) through SamplerClient, as the app does, and returns what it reported.
 */
import { SamplerClient } from '../../../src/engine/client';

export interface WorkerRunRequest {
  modelUrl: string;
  numThreads: number;
  backend: 'wasm' | 'webgpu' | 'auto';
}

export interface WorkerRunResult {
  crossOriginIsolated: boolean;
  backend: string;
  progress: { file: string; loaded: number; total: number | null }[];
  future: number[];
  compare: { nfe: number; ms: number; evaluations: number[] };
}

async function run(req: WorkerRunRequest): Promise<WorkerRunResult> {
  const client = SamplerClient.create();
  try {
    const progress: WorkerRunResult['progress'] = [];
    const loaded = await client.load(req.modelUrl, { backend: req.backend, numThreads: req.numThreads }, (p) => progress.push(p));
    const { observed, future } = loaded.manifest.frames;
    const T = observed + future;
    const N = 4;
    const pos = new Float32Array(T * N * 2).map((_, i) => Math.sin(i * 0.37) * 3);
    const mask = new Float32Array(T * N).fill(1);
    const r = await client.sample({ T, N, D: 2, pos, mask, K: 3, nfe: 4, solver: 'ddim', seed: 3 }).result;
    const evaluations: number[] = [];
    const c = await client.compare({ base: { T, N, D: 2, pos, mask, K: 3, seed: 3 }, settings: [{ nfe: 4, solver: 'ddim' }], warmup: true }, (p) => evaluations.push(p.evaluations)).result;
    return { crossOriginIsolated: self.crossOriginIsolated, backend: r.backend, progress, future: Array.from(r.future), compare: { nfe: c.results[0].nfe, ms: c.results[0].ms, evaluations } };
  } finally {
    client.terminate();
  }
}

declare global {
  interface Window {
    lamslideWorkerTest?: { run(req: WorkerRunRequest): Promise<WorkerRunResult> };
  }
}

window.lamslideWorkerTest = { run };
document.getElementById('status')!.textContent = 'ready';
