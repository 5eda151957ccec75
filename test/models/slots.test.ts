/**
 * The slot graph on the shipped default pedestrian model (CONTRACT.md, "Slot approximator"): a crowd samples the
 * same futures from the same seed whichever approximator graph runs; a lone pedestrian with one known frame (at
 * the centre, so its slot is all zeros) moves with the slot graph and stands still with the full graph, which
 * takes it for an empty slot; and the slot graph's counted work follows the number of pedestrians.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rollout } from '../../src/core/sampler/rollout';
import { countFlops } from '../../src/engine/flops';
import { OnnxModel } from '../../src/engine/model';
import { FileModelSource } from '../../src/engine/node-source';
import { listedModels } from './index';
import { relL2 } from './parity';
import { plazaScene } from './plaza';

const ped = listedModels().find((m) => m.domain === 'pedestrian' && m.default) ?? listedModels().find((m) => m.domain === 'pedestrian');
const withSlots = ped && JSON.parse(readFileSync(join(ped.dir, 'manifest.json'), 'utf8')).files.slot_approximator !== undefined;
let model: OnnxModel | undefined;
afterAll(async () => model?.release());

describe.skipIf(!withSlots)(`slot graph of ${ped?.name}`, () => {
  const get = async () => (model ??= await OnnxModel.load(new FileModelSource(ped!.dir), { backend: 'wasm' }));

  it('samples the same crowd futures as the full graph from the same seed', async () => {
    const m = await get();
    const T = m.dims.observed + m.dims.future;
    const s = plazaScene({ N: 12, F: T, width: 14, height: 9, seed: 3, name: 'plaza' });
    const win = { T, N: 12, D: 2, pos: s.positions, mask: Float32Array.from(s.mask) };
    const opts = { K: 6, nfe: 5, solver: 'ddim' as const, seed: 11 };
    const slots = await rollout(m, m.dims, win, opts);
    const full = await rollout(m, m.dims, win, { ...opts, approximator: 'full' });
    expect(relL2(slots.future, full.future)).toBeLessThan(1e-5);
  });

  it('moves a lone pedestrian with one known frame, whom the full graph leaves standing', async () => {
    const m = await get();
    const T = m.dims.observed + m.dims.future;
    const pos = new Float32Array(T * 2);
    for (let f = 0; f < T; f++) pos.set([3.0, -2.0], f * 2);
    const win = { T, N: 1, D: 2, pos, mask: new Float32Array(T).fill(1) };
    const opts = { K: 10, nfe: 10, solver: 'ddim' as const, seed: 5, known: 1 };
    const moved = (r: { future: Float32Array }) => {
      let far = 0;
      for (let i = 0; i < r.future.length; i += 2) far = Math.max(far, Math.hypot(r.future[i] - 3.0, r.future[i + 1] + 2.0));
      return far;
    };
    const full = await rollout(m, m.dims, win, { ...opts, approximator: 'full' });
    // an empty slot's prediction is 0, so only the noise left at t1 (sigma(t1) ~ 1.6e-3 of the scale) remains
    expect(moved(full)).toBeLessThan(0.05);
    const slots = await rollout(m, m.dims, win, opts);
    // 12 frames at 0.4 s: a walker covers metres; any sample leaving by more than 0.5 m shows it is predicted
    expect(moved(slots)).toBeGreaterThan(0.5);
  });

  it('counts under half the flow work for 8 pedestrians as for the whole pool', async () => {
    const m = await get();
    const bytes = new Uint8Array(readFileSync(join(ped!.dir, m.manifest.files.slot_approximator!.path)));
    const T = m.manifest.frames.window;
    const W = m.dims.slotWidth!;
    const flops = async (S: number) => {
      const K = 20;
      return (await countFlops(bytes, {
        x: { type: 'float32', data: new Float32Array(K * T * S * W), dims: [K, T, S, W] },
        t: { type: 'float32', data: new Float32Array(K).fill(0.5), dims: [K] },
        cond: { type: 'float32', data: new Float32Array(K * T * S * W), dims: [K, T, S, W] },
        frame_mask: { type: 'int32', data: new Int32Array(K * T).fill(1), dims: [K, T] },
        occupied: { type: 'float32', data: new Float32Array(K * S).fill(1), dims: [K, S] },
      })).flops;
    };
    const f8 = await flops(8);
    const fPool = await flops(m.manifest.id_pool);
    expect(f8).toBeGreaterThan(0);
    expect(f8 / fPool).toBeLessThan(0.5);
  });
});
