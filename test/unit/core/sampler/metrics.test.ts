import { describe, expect, it } from 'vitest';
import { adeFde, constantVelocity, constantVelocityError, ErrorAccumulator, frozen, frozenError, minAdeFde } from '../../../../src/core/sampler/metrics';
import { countEvaluationWindows, evaluationWindows, extractWindow, fullyObserved } from '../../../../src/core/sampler/windows';
import type { Scene } from '../../../../src/core/scene';

describe('minADE / minFDE', () => {
  it('takes the best sample separately for ADE and FDE', () => {
    // one agent, 2 future frames, 1-D
    const gt = Float32Array.from([0, 0]);
    // sample 0: errors 1, 3 (ADE 2, FDE 3); sample 1: errors 2.5, 0.5 (ADE 1.5, FDE 0.5); sample 2: errors 0, 4
    const samples = Float32Array.from([1, 3, 2.5, 0.5, 0, 4]);
    expect(minAdeFde(samples, 3, 2, gt, 0, 0, 2, 1, 1, 0)).toEqual({ ade: 1.5, fde: 0.5 });
  });

  it('uses L2 distance over the coordinates', () => {
    const gt = Float32Array.from([0, 0]);
    expect(minAdeFde(Float32Array.from([3, 4]), 1, 1, gt, 0, 0, 1, 1, 2, 0)).toEqual({ ade: 5, fde: 5 });
  });
});

describe('constant velocity', () => {
  it('is exact on straight-line motion', () => {
    const N = 1;
    const pos = new Float32Array(6 * 2);
    for (let f = 0; f < 6; f++) pos.set([1 + 0.5 * f, -2 * f], f * 2);
    expect(Array.from(constantVelocity(pos, N, 2, 0, 2, 3))).toEqual([2.5, -6, 3, -8, 3.5, -10]);
    expect(constantVelocityError(pos, N, 2, 0, 2, 3)).toEqual({ ade: 0, fde: 0 });
  });

  it('accumulates means', () => {
    const a = new ErrorAccumulator();
    a.add({ ade: 1, fde: 2 });
    a.add({ ade: 3, fde: 4 });
    expect([a.count, a.ade, a.fde]).toEqual([2, 2, 3]);
  });
});

function scene(F: number, presence: number[][]): Scene {
  const N = presence.length;
  const mask = new Uint8Array(F * N);
  const positions = new Float32Array(F * N * 2);
  presence.forEach((frames, i) => frames.forEach((f) => { mask[f * N + i] = 1; positions.set([i, f], (f * N + i) * 2); }));
  return { name: 't', kind: 'pedestrian', dim: 2, entities: presence.map((_, i) => ({ sourceId: String(i), label: String(i) })), frameCount: F, positions, mask, frameInterval: { value: 0.4, unit: 's' }, frameLabels: Array.from({ length: F }, (_, f) => f * 10), lengthUnit: 'm' };
}

describe('windows', () => {
  const s = scene(6, [[0, 1, 2, 3, 4, 5], [2, 3, 4], [5]]);

  it('extracts entities present in any window frame, frames outside the scene empty', () => {
    const w = extractWindow(s, 1, 3);
    expect(w.entities).toEqual([0, 1]);
    expect(Array.from(w.mask)).toEqual([1, 0, 1, 1, 1, 1]);
    expect(Array.from(w.pos.subarray(2 * 2, 2 * 2 + 2))).toEqual([0, 2]);
    const early = extractWindow(s, -2, 3);
    expect(early.entities).toEqual([0]);
    expect(Array.from(early.mask)).toEqual([0, 0, 1]);
    expect(extractWindow(s, 1, 3, { frames: [0] }).entities).toEqual([0]);
  });

  it('follows the protocol: stride 1, scored agents present in all frames, empty windows skipped', () => {
    const ws = [...evaluationWindows(s, 3)];
    expect(ws.map((w) => w.window.start)).toEqual([0, 1, 2, 3]);
    expect(ws.map((w) => w.scored.map((n) => w.window.entities[n]))).toEqual([[0], [0], [0, 1], [0]]);
    expect(countEvaluationWindows(s, 3)).toEqual({ windows: 4, agents: 5 });
    const sparse = scene(6, [[0, 1], [4, 5]]);
    expect([...evaluationWindows(sparse, 2)].map((w) => w.window.start)).toEqual([0, 4]);
    expect(fullyObserved(extractWindow(sparse, 1, 2))).toEqual([]);
  });
});

describe('mean over samples and the frozen baseline', () => {
  it('averages ADE and FDE over the samples (not the best one)', () => {
    const gt = Float32Array.from([0, 0]);
    // sample 0: errors 1, 3 (ADE 2, FDE 3); sample 1: errors 2.5, 0.5 (ADE 1.5, FDE 0.5); sample 2: errors 0, 4 (ADE 2, FDE 4)
    const samples = Float32Array.from([1, 3, 2.5, 0.5, 0, 4]);
    expect(adeFde('mean', samples, 3, 2, gt, 0, 0, 2, 1, 1, 0)).toEqual({ ade: 5.5 / 3, fde: 7.5 / 3 });
    expect(adeFde('min', samples, 3, 2, gt, 0, 0, 2, 1, 1, 0)).toEqual(minAdeFde(samples, 3, 2, gt, 0, 0, 2, 1, 1, 0));
  });

  it('frozen repeats the last known frame', () => {
    const pos = new Float32Array(5 * 2);
    for (let f = 0; f < 5; f++) pos.set([f, 2 * f], f * 2);
    expect(Array.from(frozen(pos, 1, 2, 0, 1, 3))).toEqual([1, 2, 1, 2, 1, 2]);
    // errors: frames 2, 3, 4 are 1, 2, 3 steps of length sqrt(5) away
    const e = frozenError(pos, 1, 2, 0, 1, 3);
    expect(e.ade).toBeCloseTo(2 * Math.sqrt(5), 6);
    expect(e.fde).toBeCloseTo(3 * Math.sqrt(5), 6);
  });
});
