import { describe, expect, it } from 'vitest';
import { prepareWindow } from '../../../../src/core/run/prepare';
import { latentCells, stepCount, stepRun } from '../../../../src/core/run/steps';
import { parseManifest } from '../../../../src/core/sampler/manifest';
import { dims, straightRun, walkers } from './helpers';

describe('inside the model', () => {
  it('a step run replaces the future with the prediction made at that network evaluation', () => {
    const run = straightRun(walkers(), 5);
    const { K, N, D } = run;
    const T = 7;
    const S = 2;
    const pos = new Float32Array(S * K * T * N * D);
    // prediction at step s, sample k, frame f: x = 100 s + f
    for (let s = 0; s < S; s++) for (let k = 0; k < K; k++) for (let f = 0; f < T; f++) for (let n = 0; n < N; n++) pos[((((s * K + k) * T + f) * N + n) * D)] = 100 * s + f;
    const r = { ...run, steps: { t: [0.001, 0.5], pos } };
    expect(stepCount(r)).toBe(2);
    const s1 = stepRun(r, 1);
    expect(s1.horizon).toBe(4);
    // future frame 0 = window frame observed (3)
    expect(s1.future[0]).toBe(103);
    expect(s1.future[((1 * 4 + 3) * N + 2) * D]).toBe(106);
    expect(s1.label).toContain('step 2/2 (t = 0.500)');
    expect(() => stepRun(r, 2)).toThrow(/does not exist/);
    expect(() => stepRun(run, 0)).toThrow(/kept no solver steps/);
  });

  it('latent cells lay out L × C per frame and mark the known frames', () => {
    const run = straightRun(walkers(), 5);
    const T = 7;
    const LC = 8;
    const data = Float32Array.from({ length: 2 * run.K * T * LC }, (_, i) => i);
    const r = { ...run, latents: { data, W: 2, T, L: 2, C: 4 } };
    const c = latentCells(r, 0, 1);
    expect(c.length).toBe(T * LC);
    expect(c[0]).toEqual({ f: 0, i: 0, v: 1 * T * LC, known: true });
    expect(c.filter((x) => x.known).length).toBe(3 * LC);
    const w1 = latentCells(r, 1, 0);
    expect(w1[0].v).toBe(2 * T * LC);
    expect(() => latentCells(r, 2, 0)).toThrow(/window 2/);
  });

  it('prepares the window and its IDs for the panel and the request alike', () => {
    const p = prepareWindow(walkers(), dims, 5, { mode: 'sequential', seed: 0, manual: {} });
    expect(p.entities.map((e) => e.sourceId)).toEqual(['1', '4', '9']);
    expect(p.ids).toEqual([0, 1, 2]);
    const bad = prepareWindow(walkers(), { ...dims, P: 8 }, 5, { mode: 'manual', seed: 0, manual: { '1': 3, '4': 3 } });
    expect(bad.ids).toBeNull();
    expect(bad.idError).toContain('ID 3 is already used by ped 1');
  });

  it('says a window above the pool of a pedestrian model is sampled in tiles, with IDs assigned per tile', () => {
    const manifest = parseManifest({
      format: 'lamslide-model/2', name: 'ped', domain: 'pedestrian', dims: 2, id_pool: 2, latent: { L: 2, C: 2 },
      first_stage: { kind: 'learned', layout: 'shared' }, frames: { observed: 3, future: 4, window: 7, min_observed: 1 },
      frame_interval: { value: 0.4, unit: 's' }, length_unit: 'm', normalization: { center: 'last_observed_centroid', scale: 1 },
      features: { vocab: [] }, interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
      sampler: { default_nfe: 2, default_solver: 'ddim', solvers: ['ddim'] },
      files: Object.fromEntries(['encoder', 'approximator', 'decoder'].map((g) => [g, { path: `${g}.onnx`, sha256: 'c'.repeat(64) }])),
    });
    const p = prepareWindow(walkers(), { ...dims, P: 2 }, 5, { mode: 'random', seed: 0, manual: {} }, manifest);
    expect(p.entities.length).toBe(3);
    expect([p.ids, p.idError]).toEqual([null, null]);
    expect(p.tiled?.tiles).toBeGreaterThan(1);
    expect(p.tiled?.message).toMatch(/^3 entities, more than the ID pool \(2\): sampled in \d+ overlapping spatial tiles of at most 2 \(4 m overlap\); .* IDs seeded random within each tile/);
    // Without the manifest (no tiling known) the capacity refusal stands.
    expect(() => prepareWindow(walkers(), { ...dims, P: 2 }, 5, { mode: 'random', seed: 0, manual: {} })).toThrow(/ID pool holds 2/);
  });
});
