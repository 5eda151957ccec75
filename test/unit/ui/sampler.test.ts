import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SamplerClient, type WorkerLike } from '../../../src/engine/client';
import type { SampleResult, WorkerRequest, WorkerResponse } from '../../../src/engine/protocol';
import { compatReport, horizonOf, modelsFor, nextIdSeed, SamplerController, sampleBlocker } from '../../../src/ui/sampler';
import { parseManifest } from '../../../src/core/sampler/manifest';
import { createAppStore } from '../../../src/ui/store';
import { parseNfeList } from '../../../src/ui/ComparePanel';
import { nfeLongRows, nfeRows, horizonRows } from '../../../src/ui/plotData';
import { formatProblem } from '../../../src/ui/ExportDialog';
import { walkers, straightRun, water } from '../core/run/helpers';
import { tinyGraphs, tinyManifest } from '../engine/tiny-model';

const DIMS = { D: 2, L: 2, C: 4, P: 8, observed: 3, future: 4 };
let manifest: Record<string, unknown>;
/** A worker that answers like the real one: the future is each entity's last known position + (j+1, k). */
class FakeWorker implements WorkerLike {
  onmessage: ((ev: MessageEvent<WorkerResponse>) => void) | null = null;
  readonly seen: WorkerRequest[] = [];
  postMessage(msg: WorkerRequest): void {
    this.seen.push(msg);
    const reply = (m: WorkerResponse) => queueMicrotask(() => this.onmessage?.({ data: m } as MessageEvent<WorkerResponse>));
    if (msg.type === 'load') reply({ type: 'loaded', id: msg.id, manifest: manifest as never, backend: 'wasm', fallbackReasons: [], ms: 1 });
    const result = (r: { K: number; N: number; D: number; T: number; horizon?: number; pos: Float32Array; known?: number; ids?: number[] }, nfe: number, solver: string): SampleResult => {
      const H = r.horizon ?? 4;
      const future = new Float32Array(r.K * H * r.N * r.D);
      for (let k = 0; k < r.K; k++) for (let j = 0; j < H; j++) for (let n = 0; n < r.N; n++) {
        const o = ((k * H + j) * r.N + n) * r.D;
        future[o] = r.pos[(2 * r.N + n) * r.D] + j + 1;
        future[o + 1] = r.pos[(2 * r.N + n) * r.D + 1] + k;
      }
      return { K: r.K, N: r.N, D: r.D, horizon: H, known: r.known ?? 3, ids: Int32Array.from(r.ids ?? new Array<number>(r.N).fill(0)), future, backend: 'wasm', latentsOnGpu: false, ms: 10 * nfe, nfe, solver: solver as never, T: r.T, L: 2, C: 4, windows: 1, timing: { encodeMs: 1, flowMs: 1, decodeMs: 1, totalMs: 3 } };
    };
    if (msg.type === 'sample') reply({ type: 'result', id: msg.id, ...result(msg, msg.nfe, msg.solver) });
    if (msg.type === 'compare') {
      reply({ type: 'compare-progress', id: msg.id, setting: 0, settings: msg.settings.length, evaluations: 1, totalEvaluations: 8 });
      reply({ type: 'compare-result', id: msg.id, results: msg.settings.map((s) => result(msg.base, s.nfe, s.solver)), warmupMs: 5 });
    }
  }
  terminate(): void {}
}

let worker: FakeWorker;

beforeEach(async () => {
  manifest = { ...(await tinyManifest(tinyGraphs(DIMS), DIMS)), sampler: { default_nfe: 3, default_solver: 'ddim', solvers: ['euler', 'heun', 'ddim'] }, normalization: { center: 'last_observed_centroid', scale: 1 } };
  vi.stubGlobal('document', { baseURI: 'http://127.0.0.1/' });
  vi.stubGlobal('fetch', async () => ({ ok: true, json: async () => ({ models: [{ name: 'tiny', path: 'tiny', domain: 'pedestrian', default: true }] }) }));
  worker = new FakeWorker();
});
afterEach(() => vi.unstubAllGlobals());

async function ready() {
  const store = createAppStore();
  store.getState().setScene(walkers());
  const c = new SamplerController(store, () => new SamplerClient(worker));
  await c.start();
  await vi.waitFor(() => expect(store.getState().manifest?.name).toBe('tiny'));
  return { store, c };
}

describe('sampler controller', () => {
  it('loads the model for the scene and samples a run with the panel’s IDs', async () => {
    const { store, c } = await ready();
    store.getState().updateSettings({ K: 2, idMode: 'sequential' });
    store.getState().setFrame(5);
    const run = await c.sample();
    expect(run).not.toBeNull();
    expect(store.getState().activeRunId).toBe(run!.id);
    const req = worker.seen.find((m) => m.type === 'sample')!;
    expect(req).toMatchObject({ K: 2, nfe: 3, solver: 'ddim', ids: [0, 1, 2], horizon: 4, keepSteps: false });
    expect(run!.now).toBe(5);
    expect(store.getState().status.kind).toBe('done');
  });

  it('sends a window above the pool without an ID table, for the worker to sample in tiles with IDs per tile', async () => {
    manifest = { ...manifest, id_pool: 2 };
    const { store, c } = await ready();
    store.getState().updateSettings({ K: 2, idMode: 'random', idSeed: 9 });
    store.getState().setFrame(5);
    expect(sampleBlocker(store.getState())).toBeNull();
    const run = await c.sample();
    expect(run).not.toBeNull();
    expect(run!.N).toBe(3);
    const req = worker.seen.find((m) => m.type === 'sample')!;
    expect(req).toMatchObject({ N: 3, idMode: 'random', idSeed: 9 });
    expect((req as { ids?: number[] }).ids).toBeUndefined();
    store.getState().updateSettings({ idMode: 'sequential' });
    await c.sample();
    expect(worker.seen.filter((m) => m.type === 'sample').at(-1)).toMatchObject({ idMode: 'sequential' });
  });

  it('re-roll keeps the noise seed, draws new IDs and fills A/B', async () => {
    const { store, c } = await ready();
    store.getState().setFrame(5);
    const a = await c.sample();
    const b = await c.reroll();
    expect(b!.settings.seed).toBe(a!.settings.seed);
    expect(b!.settings.idSeed).toBe(nextIdSeed(a!.settings.idSeed));
    expect(Array.from(b!.ids)).not.toEqual(Array.from(a!.ids));
    expect(store.getState().ab).toEqual([a!.id, b!.id]);
  });

  it('compares NFE values in one request with warm-up, and makes a run per setting', async () => {
    const { store, c } = await ready();
    store.getState().setFrame(5);
    store.getState().updateSettings({ compareNfes: [5, 1, 2], compareSolver: 'euler' });
    const runs = await c.compare();
    const req = worker.seen.find((m) => m.type === 'compare')!;
    expect(req).toMatchObject({ type: 'compare', warmup: true, settings: [{ nfe: 1, solver: 'euler' }, { nfe: 2, solver: 'euler' }, { nfe: 5, solver: 'euler' }] });
    expect(runs!.map((r) => r.settings.nfe)).toEqual([1, 2, 5]);
    expect(store.getState().comparison).toEqual({ runIds: runs!.map((r) => r.id), warmupMs: 5 });
    const rows = nfeRows(runs!);
    expect(rows.map((r) => [r.nfe, r.ms])).toEqual([
      [1, 10],
      [2, 20],
      [5, 50],
    ]);
    expect(nfeLongRows(rows).filter((r) => r.measure === 'ms').length).toBe(3);
    // heun with NFE 1 is refused before anything runs
    store.getState().updateSettings({ compareSolver: 'heun' });
    expect(await c.compare()).toBeNull();
    expect(store.getState().status).toMatchObject({ kind: 'error', message: expect.stringContaining('heun') });
  });

  it('samples the horizon typed as a duration, and says why a horizon or K does not fit', async () => {
    const { store, c } = await ready();
    store.getState().setFrame(5);
    // 0.4 s frames, 4 future frames per window: 4 s = 10 frames = 3 windows
    store.getState().updateSettings({ K: 2, horizonText: '4 s' });
    expect(horizonOf(store.getState())).toEqual({ ok: true, frames: 10, windows: 3, time: 4 });
    const run = await c.sample();
    expect(worker.seen.find((m) => m.type === 'sample')).toMatchObject({ horizon: 10 });
    expect(run).toMatchObject({ horizon: 10, settings: { windows: 3 } });
    store.getState().updateSettings({ horizonText: '4 ns' });
    expect(sampleBlocker(store.getState())).toMatch(/"4 ns" is shorter than one frame \(0.4 s\)/);
    store.getState().updateSettings({ horizonText: '4 sim' });
    expect(sampleBlocker(store.getState())).toMatch(/timed in s, not in sim/);
    store.getState().updateSettings({ horizonText: '20000 frames', K: 100 });
    // 100 × 20000 frames × 3 walkers × 2 = 12 M values fit; 300 do not
    expect(sampleBlocker(store.getState())).toBeNull();
    store.getState().updateSettings({ K: 300 });
    expect(sampleBlocker(store.getState())).toMatch(/K = 300 over 20000 frames of 3 entities is more than a run may hold .*choose K ≤ 139/);
    store.getState().updateSettings({ K: 2, horizonText: '' , windows: 2 });
    expect(horizonOf(store.getState())).toMatchObject({ frames: 8, windows: 2 });
  });

  it('redraws a chained rollout’s progress once per window', async () => {
    const { store, c } = await ready();
    store.getState().setFrame(5);
    store.getState().updateSettings({ horizonText: '3 windows' });
    const seen: string[] = [];
    const unsub = store.subscribe((s, prev) => {
      if (s.status !== prev.status && s.status.kind === 'sampling') seen.push(`${s.status.window}/${s.status.windows}`);
    });
    const orig = worker.postMessage.bind(worker);
    worker.postMessage = (msg) => {
      if (msg.type === 'sample') {
        // progress for 3 windows × 3 flow steps before the result
        for (let w = 0; w < 3; w++) for (let st = 0; st < 3; st++) queueMicrotask(() => worker.onmessage?.({ data: { type: 'progress', id: msg.id, step: st, steps: 3, window: w, windows: 3 } } as MessageEvent<WorkerResponse>));
      }
      orig(msg);
    };
    await c.sample();
    unsub();
    // the start, then once per window (not per flow step)
    expect(seen).toEqual(['0/3', '0/3', '1/3', '2/3']);
  });

  it('says why sampling is blocked', async () => {
    const { store } = await ready();
    store.getState().setScene(water());
    expect(sampleBlocker(store.getState())).toMatch(/does not take this scene: .*the scene is 3-D, model tiny is 2-D/);
    expect(modelsFor([{ name: 'a', path: 'a', domain: 'pedestrian' }, { name: 'm', path: 'm', domain: 'molecule' }], water()).map((m) => m.name)).toEqual(['m']);
  });

  it('leaves a molecule that no model takes to the molecule model, whose refusal names the element', async () => {
    const graphs = tinyGraphs();
    const ped = parseManifest(await tinyManifest(graphs, DIMS, { name: 'a' }));
    // a molecule model whose vocabulary lacks oxygen: water is refused by both models
    const mol = parseManifest(await tinyManifest(graphs, { ...DIMS, D: 3 }, { name: 'm', domain: 'molecule', dims: 3, format: 'lamslide-model/2', length_unit: 'Å', frame_interval: { value: 5, unit: 'fs' }, first_stage: { kind: 'learned', layout: 'shared' }, features: { key: 'element', vocab: ['H', 'C'] } }));
    const index = [{ name: 'a', path: 'a', domain: 'pedestrian' }, { name: 'm', path: 'm', domain: 'molecule' }];
    const scene = water();
    expect(compatReport(scene, ped).ok).toBe(false);
    expect(compatReport(scene, mol).problems.map((p) => p.field)).toEqual(['features']);
    expect(modelsFor(index, scene, { a: ped, m: mol }).map((m) => m.name)).toEqual(['m']);
    // a model scoped to one molecule (listed first) comes after the general one when neither takes the scene
    const only = parseManifest(await tinyManifest(graphs, { ...DIMS, D: 3 }, { name: 'p', domain: 'molecule', dims: 3, format: 'lamslide-model/2', length_unit: 'Å', frame_interval: { value: 1, unit: 'ps' }, first_stage: { kind: 'learned', layout: 'shared' }, features: { key: 'element', vocab: ['H', 'C'] }, scope: { formula: 'C6H12N2O2' } }));
    expect(only.scope).toEqual({ formula: 'C6H12N2O2' });
    const both = [{ name: 'p', path: 'p', domain: 'molecule' }, ...index];
    expect(modelsFor(both, scene, { a: ped, m: mol, p: only }).map((m) => m.name)).toEqual(['m', 'p']);
  });
});

describe('panel helpers', () => {
  it('parses NFE lists and refuses bad entries', () => {
    expect(parseNfeList('20, 1 5;2,2')).toEqual([1, 2, 5, 20]);
    expect(parseNfeList('1, x')).toContain('“x”');
    expect(parseNfeList('')).toContain('at least one');
    expect(parseNfeList('0')).toContain('between 1 and 200');
  });

  it('horizon rows carry time after now; formats say what they cannot hold', () => {
    const run = straightRun(walkers(), 5);
    const rows = horizonRows([run], 'spread');
    expect(rows.map((r) => r.time.toFixed(1))).toEqual(['0.4', '0.8', '1.2', '1.6']);
    expect(formatProblem('xyz', walkers())).toContain('element');
    expect(formatProblem('ethucy', water())).toContain('2-D');
    expect(formatProblem('csv', walkers())).toBeNull();
  });
});
