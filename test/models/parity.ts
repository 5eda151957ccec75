/**
 * The one error measure the parity tests use: relative L2 (Frobenius) norm over the whole tensor,
 * ||a - b||_2 / ||b||_2 (b = reference; when ||b|| is 0, the absolute norm).
 */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

import type { LatentModel, ModelDims } from '../../src/core/sampler/model';
import { rollout, type RolloutResult } from '../../src/core/sampler/rollout';
import type { SolverName } from '../../src/core/sampler/solvers';

/** A tensor of fixtures.json (models/CONTRACT.md). */
export interface FixtureTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: number[];
}

export const f32 = (t: FixtureTensor) => Float32Array.from(t.data);
export const i32 = (t: FixtureTensor) => Int32Array.from(t.data);

/** The `rollout` entry of fixtures.json. */
export interface FixtureRollout {
  solver: SolverName;
  nfe: number;
  k: number;
  known: number;
  /** feats: contract v2 models with a vocabulary */
  window: { pos: FixtureTensor; mask: FixtureTensor; ids: FixtureTensor; feats?: FixtureTensor };
  noise: FixtureTensor;
  x_final: FixtureTensor;
  pos_out: FixtureTensor;
}

/** Replays the fixture's rollout (its window, IDs and noise) on `model`; shared by the Node and browser parity tests. */
export function rolloutFixture(model: LatentModel, dims: ModelDims, r: FixtureRollout, approximator: 'auto' | 'full' = 'auto'): Promise<RolloutResult> {
  const [T, N, D] = r.window.pos.shape;
  return rollout(model, dims, { T, N, D, pos: f32(r.window.pos), mask: f32(r.window.mask) }, {
    K: r.k,
    nfe: r.nfe,
    solver: r.solver,
    seed: 0,
    known: r.known,
    ids: r.window.ids.data,
    feats: r.window.feats?.data,
    noise: f32(r.noise),
    approximator,
  });
}

/** The window slots (IDs `ids`, W coordinates each) of [K,T,L*C] latents, [K,T,N,W]: what the slot graph computes. */
export function windowSlots(x: ArrayLike<number>, K: number, T: number, LC: number, ids: ArrayLike<number>, W: number): number[] {
  const out: number[] = [];
  for (let kf = 0; kf < K * T; kf++) for (const id of Array.from(ids)) for (let w = 0; w < W; w++) out.push(x[kf * LC + id * W + w]);
  return out;
}
