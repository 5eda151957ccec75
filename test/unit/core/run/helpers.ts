/** A small 2-D scene and a run on it with known numbers, shared by the run tests. */
import type { ModelDims } from '../../../../src/core/sampler/model';
import { sceneSampleWindow } from '../../../../src/core/sampler/scene-sample';
import type { Scene } from '../../../../src/core/scene';
import { buildRun, type Run, type RunSettings } from '../../../../src/core/run/run';

/** 3 walkers moving +x by 1 per frame, 10 frames, frame ids 0,10,...; walker "9" leaves after frame 6. */
export function walkers(frames = 10): Scene {
  const N = 3;
  const positions = new Float32Array(frames * N * 2);
  const mask = new Uint8Array(frames * N);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < N; i++) {
      if (i === 2 && f > 6) continue;
      mask[f * N + i] = 1;
      positions[(f * N + i) * 2] = f;
      positions[(f * N + i) * 2 + 1] = i * 2;
    }
  }
  return {
    name: 'walkers.txt',
    kind: 'pedestrian',
    dim: 2,
    entities: [
      { sourceId: '1', label: 'ped 1' },
      { sourceId: '4', label: 'ped 4' },
      { sourceId: '9', label: 'ped 9' },
    ],
    frameCount: frames,
    positions,
    mask,
    frameInterval: { value: 0.4, unit: 's' },
    frameLabels: Array.from({ length: frames }, (_, f) => f * 10),
    lengthUnit: 'm',
  };
}

export const dims: ModelDims = { D: 2, L: 2, C: 4, P: 8, observed: 3, future: 4, minObserved: 1, scale: 1, t0: 0.001, t1: 0.999 };

export const settings: RunSettings = { model: 'tiny', K: 2, nfe: 3, solver: 'ddim', seed: 7, windows: 1, idMode: 'sequential', idSeed: 0, keepSteps: false, keepLatents: false };

/**
 * A run at "now" = frame `now` whose sample 0 continues the straight line exactly (x = f) and sample 1 is off
 * by +1 in y at every frame.
 */
export function straightRun(scene: Scene, now: number, horizon = dims.future, K = 2): Run {
  const w = sceneSampleWindow(scene, dims, now);
  const { N, D } = w.window;
  const future = new Float32Array(K * horizon * N * D);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < horizon; j++) {
      for (let n = 0; n < N; n++) {
        const o = ((k * horizon + j) * N + n) * D;
        future[o] = now + 1 + j;
        future[o + 1] = w.window.entities[n] * 2 + k;
      }
    }
  }
  return buildRun(1, scene, w, dims.observed, dims.future, { ...settings, K }, {
    K,
    N,
    D,
    horizon,
    known: w.known,
    ids: Int32Array.from({ length: N }, (_, i) => i),
    future,
    backend: 'wasm',
    latentsOnGpu: false,
    ms: 12,
  });
}

export function water(frames = 6): Scene {
  const N = 3;
  const positions = new Float32Array(frames * N * 3);
  for (let f = 0; f < frames; f++) {
    const base = f * N * 3;
    positions.set([f * 0.1, 0, 0, f * 0.1 + 0.96, 0, 0, f * 0.1 - 0.24, 0.93, 0], base);
  }
  return {
    name: 'water.xyz',
    kind: 'molecule',
    dim: 3,
    entities: [
      { sourceId: '0', label: 'O0', element: 'O' },
      { sourceId: '1', label: 'H1', element: 'H' },
      { sourceId: '2', label: 'H2', element: 'H' },
    ],
    frameCount: frames,
    positions,
    mask: new Uint8Array(frames * N).fill(1),
    frameInterval: { value: 5, unit: 'fs' },
    frameLabels: Array.from({ length: frames }, (_, f) => f),
    lengthUnit: 'Å',
  };
}

export function waterRun(scene: Scene, stretch: number) {
  const d3 = { ...dims, D: 3 };
  const w = sceneSampleWindow(scene, d3, 3);
  const { N } = w.window;
  const K = 2;
  const H = 2;
  const future = new Float32Array(K * H * N * 3);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < H; j++) {
      const o = (k * H + j) * N * 3;
      // sample k: first O-H bond stretched by k * stretch along x
      future.set([0, 0, 0, 0.96 + k * stretch, 0, 0, -0.24, 0.93, 0], o);
    }
  }
  return buildRun(2, scene, w, d3.observed, 2, { ...settings, K }, { K, N, D: 3, horizon: H, known: w.known, ids: [0, 1, 2], future, backend: 'wasm', latentsOnGpu: false, ms: 1 });
}

