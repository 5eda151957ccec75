import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplerClient, type WorkerLike } from '../../../src/engine/client';
import { FileModelSource } from '../../../src/engine/node-source';
import type { SampleRequest, WorkerRequest, WorkerResponse } from '../../../src/engine/protocol';
import { SamplingService } from '../../../src/engine/service';
import { tinyDims, writeTinyModel } from './tiny-model';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-svc-'));
  await writeTinyModel(join(root, 'tiny'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** An in-process stand-in for the Worker: same protocol, messages structured-cloned like postMessage does. */
function inProcessWorker(): WorkerLike & { transfers: number } {
  const w: WorkerLike & { transfers: number } = {
    onmessage: null,
    transfers: 0,
    postMessage(msg: WorkerRequest) {
      void service.handle(structuredClone(msg));
    },
    terminate() {},
  };
  const service = new SamplingService(
    (msg: WorkerResponse, transfer?: Transferable[]) => {
      w.transfers += transfer?.length ?? 0;
      setTimeout(() => w.onmessage?.({ data: structuredClone(msg) } as MessageEvent<WorkerResponse>), 0);
    },
    (url) => new FileModelSource(join(root, url)),
  );
  return w;
}

/** The service itself with every response recorded in order (no client). */
function recordingService(): { service: SamplingService; log: WorkerResponse[]; waitFor: (pred: (m: WorkerResponse) => boolean) => Promise<void> } {
  const log: WorkerResponse[] = [];
  const waiters: { pred: (m: WorkerResponse) => boolean; res: () => void }[] = [];
  const service = new SamplingService(
    (msg) => {
      log.push(msg);
      for (const w of waiters.splice(0)) {
        if (w.pred(msg)) w.res();
        else waiters.push(w);
      }
    },
    (url) => new FileModelSource(join(root, url)),
  );
  const waitFor = (pred: (m: WorkerResponse) => boolean) =>
    log.some(pred) ? Promise.resolve() : new Promise<void>((res) => waiters.push({ pred, res }));
  return { service, log, waitFor };
}

function history() {
  const T = tinyDims.observed + tinyDims.future;
  const N = 2;
  return { T, N, D: 2, pos: new Float32Array(T * N * 2).map((_, i) => i / 10), mask: new Float32Array(T * N).fill(1) };
}

const sampleReq = (id: number, extra: Partial<SampleRequest> = {}): SampleRequest => ({ type: 'sample', id, ...history(), K: 2, nfe: 3, solver: 'euler', seed: 1, ...extra });

describe('sampling service protocol', () => {
  it('loads, samples with progress per flow step, and transfers the result', async () => {
    const w = inProcessWorker();
    const c = new SamplerClient(w);
    const loaded = await c.load('tiny', { backend: 'wasm' });
    expect(loaded.backend).toBe('wasm');
    expect(loaded.manifest.name).toBe('tiny');
    const steps: number[] = [];
    const { result } = c.sample({ ...history(), K: 4, nfe: 3, solver: 'euler', seed: 1 }, (s) => steps.push(s));
    const r = await result;
    expect(steps).toEqual([1, 2, 3]);
    expect(r.future.length).toBe(4 * tinyDims.future * 2 * 2);
    expect(r.backend).toBe('wasm');
    expect(w.transfers).toBe(2);
    expect(r).toMatchObject({ T: tinyDims.observed + tinyDims.future, L: tinyDims.L, C: tinyDims.C, windows: 1, nfe: 3, solver: 'euler' });
    expect(r.timing.totalMs).toBe(r.ms);
    expect(r.steps).toBeUndefined();
    expect(r.latents).toBeUndefined();
  });

  it('returns steps and latents when asked, laid out by T, L, C and windows', async () => {
    const c = new SamplerClient(inProcessWorker());
    await c.load('tiny', { backend: 'wasm' });
    const r = await c.sample({ ...history(), K: 3, nfe: 4, solver: 'heun', seed: 2, horizon: 6, keepSteps: true, keepLatents: true }).result;
    expect(r.windows).toBe(2);
    expect(r.steps!.t.length).toBe(4);
    expect(r.steps!.pos.length).toBe(4 * 3 * r.T * r.N * r.D);
    expect(r.latents!.length).toBe(r.windows * 3 * r.T * r.L * r.C);
    const plain = await c.sample({ ...history(), K: 3, nfe: 4, solver: 'heun', seed: 2, horizon: 6 }).result;
    expect(plain.future).toEqual(r.future);
  });

  it('samples a pedestrian window above the ID pool in spatial tiles (the page\'s worker path)', async () => {
    const c = new SamplerClient(inProcessWorker());
    await c.load('tiny', { backend: 'wasm' });
    // 30 walkers in a row 2 m apart: 60 m wide, more than the tiny model's pool of 12.
    const T = tinyDims.observed + tinyDims.future;
    const N = 30;
    const pos = new Float32Array(T * N * 2);
    for (let f = 0; f < T; f++) for (let n = 0; n < N; n++) pos.set([2 * n, 0.4 * f], (f * N + n) * 2);
    const win = { T, N, D: 2, pos, mask: new Float32Array(T * N).fill(1), K: 2, nfe: 2, solver: 'euler' as const, seed: 3 };
    const windows: number[] = [];
    const r = await c.sample({ ...win, idMode: 'sequential' }, (_s, _t, _w, ws) => windows.push(ws)).result;
    expect(r.tiles).toBeGreaterThan(1);
    expect(windows.at(-1)).toBe(r.tiles);
    expect(r.N).toBe(N);
    expect(r.future.length).toBe(2 * tinyDims.future * N * 2);
    expect(r.future.every(Number.isFinite)).toBe(true);
    expect(Math.max(...r.ids)).toBeLessThan(tinyDims.P);
    const random = await c.sample({ ...win, idMode: 'random', idSeed: 5 }).result;
    expect(random.ids).not.toEqual(r.ids);
    // A whole-window ID table cannot hold 30 distinct IDs of 12.
    await expect(c.sample({ ...win, ids: Array.from({ length: N }, (_, i) => i) }).result).rejects.toThrow(/sampled in tiles/);
  });

  it('reports errors with the file at fault, and cancels', async () => {
    const c = new SamplerClient(inProcessWorker());
    await expect(c.load('nowhere', { backend: 'wasm' })).rejects.toThrow(/manifest\.json: missing/);
    await expect(c.sample({ ...history(), K: 1, nfe: 1, solver: 'euler', seed: 0 }).result).rejects.toThrow(/no model loaded/);
    await c.load('tiny', { backend: 'wasm' });
    const { id, result } = c.sample({ ...history(), K: 2, nfe: 50, solver: 'euler', seed: 0 }, (s) => {
      if (s === 2) c.cancel(id);
    });
    await expect(result).rejects.toThrow(/cancelled/);
  });
});

describe('queue', () => {
  it('runs requests one at a time in arrival order', async () => {
    const { service, log } = recordingService();
    const all = [service.handle({ type: 'load', id: 1, modelUrl: 'tiny', backend: 'wasm' }), service.handle(sampleReq(2, { nfe: 6 })), service.handle(sampleReq(3, { nfe: 2 })), service.handle(sampleReq(4, { nfe: 1 }))];
    await Promise.all(all);
    // Every message of a request comes before any message of the next one: nothing interleaves.
    const ids = log.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(log.filter((m) => m.type === 'result' || m.type === 'loaded').map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(log.filter((m) => m.type === 'progress' && m.id === 2).length).toBe(6);
  });

  it('cancels a queued request at once and a running one within a flow step', async () => {
    const { service, log, waitFor } = recordingService();
    await service.handle({ type: 'load', id: 1, modelUrl: 'tiny', backend: 'wasm' });
    const running = service.handle(sampleReq(2, { nfe: 40 }));
    const queued = service.handle(sampleReq(3));
    const after = service.handle(sampleReq(4, { nfe: 2 }));
    await waitFor((m) => m.type === 'progress' && m.id === 2 && m.step === 2);
    await service.handle({ type: 'cancel', id: 5, target: 3 });
    // answered before the running request finished
    expect(log.filter((m) => m.id === 3)).toEqual([{ type: 'cancelled', id: 3 }]);
    expect(log.some((m) => m.type === 'result')).toBe(false);
    await service.handle({ type: 'cancel', id: 6, target: 2 });
    await Promise.all([running, queued, after]);
    const steps2 = log.filter((m) => m.type === 'progress' && m.id === 2).length;
    expect(steps2).toBeLessThan(40);
    expect(log.find((m) => m.id === 2 && m.type !== 'progress')).toEqual({ type: 'cancelled', id: 2 });
    // the queue goes on after a cancel
    expect(log.filter((m) => m.id === 4).map((m) => m.type)).toEqual(['progress', 'progress', 'result']);
  });
});

describe('compare', () => {
  const settings = [
    { nfe: 1, solver: 'euler' as const },
    { nfe: 5, solver: 'heun' as const }, // 4 evaluations
    { nfe: 3, solver: 'ddim' as const },
  ];

  it('runs every setting with the same seed and IDs, counting network evaluations across all of them', async () => {
    const c = new SamplerClient(inProcessWorker());
    await c.load('tiny', { backend: 'wasm' });
    const { N, ...rest } = history();
    const base = { ...rest, N, K: 2, seed: 7, horizon: 6 };
    const progress: { setting: number; settings: number; evaluations: number; totalEvaluations: number }[] = [];
    const { results, warmupMs } = await c.compare({ base, settings, warmup: true }, (p) => progress.push(p)).result;
    // two windows (horizon 6 > future 4): (1 + 4 + 3) * 2 evaluations, the warm-up not counted
    expect(new Set(progress.map((p) => p.totalEvaluations))).toEqual(new Set([16]));
    expect(progress.at(-1)).toEqual({ setting: 2, settings: 3, evaluations: 16, totalEvaluations: 16 });
    expect(progress[0]).toEqual({ setting: 0, settings: 3, evaluations: 0, totalEvaluations: 16 });
    for (let i = 1; i < progress.length; i++) expect(progress[i].evaluations).toBeGreaterThanOrEqual(progress[i - 1].evaluations);
    // one message per network evaluation (plus one at the start of each setting)
    expect(new Set(progress.filter((p) => p.evaluations > 0).map((p) => p.evaluations)).size).toBe(16);
    expect(progress.length).toBe(16 + 3);
    expect(warmupMs).toBeGreaterThan(0);
    expect(results.map((r) => [r.nfe, r.solver])).toEqual(settings.map((s) => [s.nfe, s.solver]));
    for (const r of results) {
      expect(Array.from(r.ids)).toEqual(Array.from(results[0].ids));
      expect(r.timing.totalMs).toBe(r.ms);
    }
    // each result equals a plain sample with the same setting and seed
    const alone = await c.sample({ ...base, nfe: 5, solver: 'heun' }).result;
    expect(alone.future).toEqual(results[1].future);
    const noWarm = await c.compare({ base, settings: settings.slice(0, 1), warmup: false }).result;
    expect(noWarm.warmupMs).toBe(0);
  });

  it('refuses bad settings before running, and cancels', async () => {
    const c = new SamplerClient(inProcessWorker());
    await c.load('tiny', { backend: 'wasm' });
    const base = { ...history(), K: 2, seed: 7 };
    await expect(c.compare({ base, settings: [{ nfe: 2, solver: 'euler' }, { nfe: 1, solver: 'heun' }], warmup: false }).result).rejects.toThrow(/heun solver needs NFE >= 2/);
    await expect(c.compare({ base, settings: [], warmup: false }).result).rejects.toThrow(/no settings/);
    const { id, result } = c.compare({ base, settings: [{ nfe: 3, solver: 'euler' }, { nfe: 40, solver: 'euler' }], warmup: true }, (p) => {
      if (p.evaluations === 5) c.cancel(id);
    });
    await expect(result).rejects.toThrow(/cancelled/);
  });
});
