import { describe, expect, it } from 'vitest';
import { compactFrames, compactIndexAtOrBefore } from '../../../../src/core/sampler/frames';
import { sceneSampleWindow } from '../../../../src/core/sampler/scene-sample';
import type { Scene } from '../../../../src/core/scene';
import { parseManifest } from '../../../../src/core/sampler/manifest';
import { rollout } from '../../../../src/core/sampler/rollout';
import { toyDims, toyModel } from './toy-model';

/** 10 timeline frames, frames 3 and 4 empty (a gap in the file's frame ids filled by the reader). */
function gappy(): Scene {
  const F = 10;
  const N = 3;
  const mask = new Uint8Array(F * N);
  const positions = new Float32Array(F * N * 2);
  for (let f = 0; f < F; f++) {
    if (f === 3 || f === 4) continue;
    for (let i = 0; i < N; i++) {
      if (i === 2 && f < 6) continue;
      mask[f * N + i] = 1;
      positions.set([f + i, i], (f * N + i) * 2);
    }
  }
  return { name: 'g', kind: 'pedestrian', dim: 2, entities: [0, 1, 2].map((i) => ({ sourceId: String(i), label: String(i) })), frameCount: F, positions, mask, frameInterval: { value: 0.4, unit: 's' }, frameLabels: Array.from({ length: F }, (_, f) => f * 10), lengthUnit: 'm' };
}

describe('frame compaction (windows over distinct frame ids)', () => {
  it('drops empty frames and maps indices back', () => {
    const { scene, toOriginal } = compactFrames(gappy());
    expect(scene.frameCount).toBe(8);
    expect(toOriginal).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
    expect(scene.frameLabels).toEqual([0, 10, 20, 50, 60, 70, 80, 90]);
    expect(Array.from(scene.positions.subarray(3 * 6, 3 * 6 + 2))).toEqual([5, 0]);
    expect(compactIndexAtOrBefore(toOriginal, 4)).toBe(2);
    expect(compactIndexAtOrBefore(toOriginal, 5)).toBe(3);
    const full = gappy();
    full.mask[3 * 3] = 1;
    full.mask[4 * 3] = 1;
    expect(compactFrames(full).scene).toBe(full);
  });

  it('cuts the sampling window across the gap with the available history', () => {
    // toy model: observed 3, future 4
    const w = sceneSampleWindow(gappy(), toyDims, 5); // now = frame label 50 = compact index 3
    expect(w.nowCompact).toBe(3);
    expect(w.known).toBe(3);
    expect(w.frames).toEqual([1, 2, 5, 6, 7, 8, 9]);
    expect(w.window.entities).toEqual([0, 1]); // entity 2 first appears after "now"
    const early = sceneSampleWindow(gappy(), toyDims, 1);
    expect(early.known).toBe(2);
    expect(early.frames.slice(0, 3)).toEqual([-1, 0, 1]);
    const inGap = sceneSampleWindow(gappy(), toyDims, 4);
    expect(inGap.nowFrame).toBe(2);
  });

  it('refuses more entities than the ID pool unless the model samples such windows in tiles (pedestrian models)', () => {
    expect(() => sceneSampleWindow(gappy(), { ...toyDims, P: 1 }, 5)).toThrow(/2 entities are present in the observed frames, but the model.s ID pool holds 1/);
    const ped = (domain: string) =>
      parseManifest({
        format: 'lamslide-model/2', name: 'p', domain, dims: 2, id_pool: 1, latent: { L: 2, C: 3 },
        first_stage: { kind: 'learned', layout: 'shared' }, frames: { observed: 3, future: 4, window: 7, min_observed: 1 },
        frame_interval: { value: 0.4, unit: 's' }, length_unit: 'm', normalization: { center: 'last_observed_centroid', scale: 2 },
        features: { vocab: [] }, interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
        sampler: { default_nfe: 2, default_solver: 'ddim', solvers: ['ddim'] },
        files: Object.fromEntries(['encoder', 'approximator', 'decoder'].map((g) => [g, { path: `${g}.onnx`, sha256: 'c'.repeat(64) }])),
      });
    expect(sceneSampleWindow(gappy(), { ...toyDims, P: 1 }, 5, ped('pedestrian')).window.N).toBe(2);
    expect(() => sceneSampleWindow({ ...gappy(), kind: 'basketball' }, { ...toyDims, P: 1 }, 5, ped('basketball'))).toThrow(/ID pool holds 1/);
  });
});

describe('features of the sampling window (contract v2)', () => {
  const manifest = (vocab: string[]) =>
    parseManifest({
      format: 'lamslide-model/2', name: 'b', domain: 'basketball', dims: 2, id_pool: 10, latent: { L: 2, C: 3 },
      first_stage: { kind: 'learned', layout: 'shared' }, frames: { observed: 3, future: 4, window: 7, min_observed: 1 },
      frame_interval: { value: 0.4, unit: 's' }, length_unit: 'ft', normalization: { center: 'last_observed_centroid', scale: 2 },
      features: { key: 'group', vocab }, interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
      sampler: { default_nfe: 2, default_solver: 'ddim', solvers: ['ddim'] },
      files: Object.fromEntries(['encoder', 'approximator', 'decoder'].map((g) => [g, { path: `${g}.onnx`, sha256: 'c'.repeat(64) }])),
    });
  const court = (): Scene => ({ ...gappy(), kind: 'basketball', entities: ['BALL', 'PLAYER', 'PLAYER'].map((g, i) => ({ sourceId: String(i), label: g, group: g })) });

  it('carries the window entities\' feature indices, which the rollout takes by default', async () => {
    const w = sceneSampleWindow(court(), toyDims, 7, manifest(['PLAYER', 'BALL']));
    expect(w.window.entities).toEqual([0, 1, 2]);
    expect(Array.from(w.window.feats!)).toEqual([1, 0, 0]);
    expect(sceneSampleWindow(court(), toyDims, 7).window.feats).toBeUndefined();
    const dims = { ...toyDims, F: 2 };
    const { model, log } = toyModel(dims);
    await rollout(model, dims, w.window, { K: 1, nfe: 1, solver: 'euler', seed: 0 });
    expect(Array.from(log.encode[0].feats!)).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(() => sceneSampleWindow(court(), toyDims, 7, manifest(['PLAYER']))).toThrow('g: entity 0 ("0", BALL) has group "BALL", which is not in the vocabulary of model b (PLAYER)');
  });
});
