import { describe, expect, it } from 'vitest';
import { sceneSampleWindow } from '../../../../src/core/sampler/scene-sample';
import { buildRun, groundTruth, samplePosition } from '../../../../src/core/run/run';
import { dims, settings, straightRun, walkers } from './helpers';

describe('buildRun', () => {
  it('keeps settings, window, IDs, known frames, "now" and the ground truth after it', () => {
    const scene = walkers();
    const run = straightRun(scene, 5);
    expect(run.now).toBe(5);
    expect(run.known).toBe(3);
    expect(run.knownFrames).toEqual([3, 4, 5]);
    expect(run.entities).toEqual([0, 1, 2]);
    expect(run.active).toEqual([0, 1, 2]);
    expect(Array.from(run.ids)).toEqual([0, 1, 2]);
    expect(run.settings.nfe).toBe(3);
    expect(run.timing.ms).toBe(12);
    // walker 2 leaves after frame 6: ground truth only for future frame 0
    expect(Array.from(run.truthMask)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0]);
    expect(Array.from(run.truth.subarray(0, 2))).toEqual([6, 0]);
    expect(run.hasTruth).toBe(true);
    expect(Array.from(run.start)).toEqual([5, 0, 5, 2, 5, 4]);
    expect(samplePosition(run, 1, 2, 1)).toEqual([8, 3]);
  });

  it('has no truth when "now" is the last frame', () => {
    const scene = walkers();
    const run = straightRun(scene, 9);
    expect(run.hasTruth).toBe(false);
    // walker 2 was not seen in the known frames 7..9: not in the window at all
    expect(run.entities).toEqual([0, 1]);
  });

  it('refuses a result that does not fit the window', () => {
    const scene = walkers();
    const w = sceneSampleWindow(scene, dims, 5);
    expect(() =>
      buildRun(1, scene, w, dims.observed, dims.future, settings, { K: 1, N: 3, D: 2, horizon: 4, known: 3, ids: [0, 1, 2], future: new Float32Array(5), backend: 'wasm', latentsOnGpu: false, ms: 1 }),
    ).toThrow(/expected K × horizon × N × D = 24/);
  });

  it('takes the ground truth from frames with someone present (gaps skipped)', () => {
    const scene = walkers();
    // empty frame 7: future frame 1 is then scene frame 8
    for (let i = 0; i < 3; i++) scene.mask[7 * 3 + i] = 0;
    const { truth, mask } = groundTruth(scene, 5, [0], 3);
    expect(Array.from(mask)).toEqual([1, 1, 1]);
    expect(Array.from(truth)).toEqual([6, 0, 8, 0, 9, 0]);
  });
});
