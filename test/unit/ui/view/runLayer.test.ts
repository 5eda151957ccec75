import { readFileSync } from 'node:fs';
import { Color } from 'three';
import { describe, expect, it } from 'vitest';
import { parseSceneFile } from '../../../../src/core/formats/index';
import { buildRun, type Run } from '../../../../src/core/run/run';
import { sceneSampleWindow } from '../../../../src/core/sampler/scene-sample';
import type { Scene } from '../../../../src/core/scene';
import { ramachandranRows, MAX_RAMACHANDRAN_POINTS } from '../../../../src/ui/plotData';
import { WorldMapping } from '../../../../src/ui/view/mapping';
import { FAN_SEGMENT_BUDGET, FAN_SPAN, RunLayer } from '../../../../src/ui/view/runLayer';
import { settings, straightRun, walkers } from '../../core/run/helpers';

const style = { entityRadius: () => 0.3, entityColor: (_: number, c: Color) => c.set('#ff0000') };

/** A K-sample run of `horizon` frames on the alanine demo from its last frame: sample k drifts by 0.001 k Å per frame. */
function longRun(scene: Scene, K: number, horizon: number): Run {
  const dims = { D: 3, L: 4, C: 16, P: 24, observed: 4, future: 6, minObserved: 1, scale: 2, t0: 0.001, t1: 0.999 };
  const w = sceneSampleWindow(scene, dims, scene.frameCount - 1);
  const { N } = w.window;
  const last = scene.positions.subarray((scene.frameCount - 1) * N * 3, scene.frameCount * N * 3);
  const future = new Float32Array(K * horizon * N * 3);
  for (let k = 0; k < K; k++) for (let j = 0; j < horizon; j++) for (let i = 0; i < N * 3; i++) future[(k * horizon + j) * N * 3 + i] = last[i] + 0.001 * k * (j + 1);
  return buildRun(1, scene, w, dims.observed, dims.future, { ...settings, K, windows: Math.ceil(horizon / 6) }, { K, N, D: 3, horizon, known: w.known, ids: Int32Array.from({ length: N }, (_, i) => i), future, backend: 'wasm', latentsOnGpu: false, ms: 1 });
}

describe('drawing long runs', () => {
  const alanine = parseSceneFile('alanine-dipeptide.pdb', readFileSync(new URL('../../../../public/scenes/alanine-dipeptide.pdb', import.meta.url), 'utf8'));

  it('draws a short run whole', () => {
    const s = walkers();
    const run = straightRun(s, 6);
    const layer = new RunLayer(run, null, WorldMapping.forScene(s), style);
    expect(layer.stats()).toMatchObject({ lines: run.K * run.active.length * run.horizon, span: null });
    layer.dispose();
  });

  it('draws 10 000 frames × 22 atoms × K = 8 over a span of frames that follows the current frame', () => {
    const run = longRun(alanine, 8, 10_000);
    const mapping = WorldMapping.forScene(alanine);
    const layer = new RunLayer(run, null, mapping, style);
    const perFrame = 8 * 22;
    expect(perFrame * 10_000).toBeGreaterThan(FAN_SEGMENT_BUDGET);
    expect(layer.stats()).toMatchObject({ lines: perFrame * FAN_SPAN, span: { from: 0, to: FAN_SPAN } });
    layer.setFrame(run.now + 1 + 5000);
    expect(layer.stats()).toMatchObject({ lines: perFrame * FAN_SPAN, span: { from: 5000 - FAN_SPAN / 2, to: 5000 + FAN_SPAN / 2 }, ghosts: perFrame });
    // The fan's vertices are the sampled positions of those frames: entity 0, sample 0, the span's 1st segment ends at frame 4976.
    const fan = layer.object.getObjectByName('fan') as unknown as { geometry: { getAttribute(n: string): { array: Float32Array } } };
    const pos = fan.geometry.getAttribute('position').array;
    const want = mapping.toWorld(run.future, (4976 * run.N + run.active[0]) * 3);
    for (let d = 0; d < 3; d++) expect(pos[3 + d]).toBeCloseTo(want[d], 5);
    layer.setFrame(run.now + run.horizon);
    expect(layer.stats().span).toEqual({ from: 10_000 - FAN_SPAN, to: 10_000 });
    layer.dispose();
    // One sample picked: 22 lines per frame, still more than the budget allows whole.
    const one = new RunLayer(run, 3, mapping, style);
    expect(one.stats()).toMatchObject({ lines: 22 * FAN_SPAN });
    one.dispose();
  });

  it('plots at most a few thousand points per Ramachandran panel, however long the run', () => {
    const run = longRun(alanine, 4, 10_000);
    const r = ramachandranRows(alanine, run, null)!;
    expect(r.reference).toMatchObject({ points: 100, stride: 1 });
    expect(r.sampled).toMatchObject({ points: 40_000, stride: 10 });
    expect(r.rows.filter((x) => x.set === r.sampled!.label).length).toBeLessThanOrEqual(MAX_RAMACHANDRAN_POINTS);
    const one = ramachandranRows(alanine, run, 2)!;
    expect(one.sampled).toMatchObject({ points: 10_000, stride: 3 });
    expect(one.sampled!.label).toBe('sampled: run #1, sample 2 × 10000 frames');
  });
});
