/**
 * The sampler's slot path (CONTRACT.md, "Slot approximator") against a closed-form slot model: gather and scatter
 * by ID, the same samples as the full-latent graph from the same seed (also in chained windows and with recorded
 * steps), a flow whose calls see only the window's N slots, and the occupancy it is given.
 */
import { describe, expect, it } from 'vitest';
import type { LatentModel, ModelDims } from '../../../../src/core/sampler/model';
import { gatherSlots, rollout, scatterSlots } from '../../../../src/core/sampler/rollout';

// 2-D, 6 slots of 2 coordinates in a 3 x 4 latent, pool 6
const dims: ModelDims = { D: 2, L: 3, C: 4, P: 6, observed: 3, future: 2, minObserved: 1, scale: 2, t0: 0.001, t1: 0.999, slotWidth: 2 };
const E = 6;
const W = 2;

/**
 * A slot-wise "network": each occupied slot's prediction is its "now" conditioning pulled towards the mean of the
 * occupied slots plus 0.3 x_t (an interaction and a dependence on the state); empty slots predict 0. The full graph
 * infers occupancy from non-zero conditioning, the slot graph is told.
 */
function predictSlots(x: ArrayLike<number>, t: ArrayLike<number>, cond: ArrayLike<number>, frameMask: ArrayLike<number>, occ: ArrayLike<number>, B: number, T: number, S: number): Float32Array {
  const out = new Float32Array(B * T * S * W);
  for (let b = 0; b < B; b++) {
    const now = dims.observed - 1;
    const mean = [0, 0];
    let n = 0;
    for (let s = 0; s < S; s++) {
      if (!occ[b * S + s]) continue;
      n++;
      for (let w = 0; w < W; w++) mean[w] += cond[((b * T + now) * S + s) * W + w];
    }
    for (let s = 0; s < S; s++) {
      if (!occ[b * S + s]) continue;
      for (let f = 0; f < T; f++) {
        for (let w = 0; w < W; w++) {
          const i = ((b * T + f) * S + s) * W + w;
          const c = cond[((b * T + now) * S + s) * W + w];
          out[i] = frameMask[b * T + f] ? cond[i] : 0.8 * c + 0.2 * (mean[w] / n) + 0.3 * t[b] * x[i];
        }
      }
    }
  }
  return out;
}

function slotModel(): { model: LatentModel; calls: { full: number; slots: number[] } } {
  const calls = { full: 0, slots: [] as number[] };
  const LC = dims.L * dims.C;
  const model: LatentModel = {
    async encode(pos, ids, mask, B, N) {
      const out = new Float32Array(B * LC);
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) if (mask[b * N + n]) for (let w = 0; w < W; w++) out[b * LC + ids[b * N + n] * W + w] = pos[(b * N + n) * W + w];
      return out;
    },
    async approximate(x, t, cond, condMask, B) {
      calls.full++;
      const T = condMask.length / (B * dims.L);
      const fm = new Int32Array(B * T);
      for (let i = 0; i < B * T; i++) fm[i] = condMask[i * dims.L];
      const occ = new Float32Array(B * E);
      for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) for (let f = 0; f < T; f++) if (fm[b * T + f] && (cond[((b * T + f) * E + e) * W] !== 0 || cond[((b * T + f) * E + e) * W + 1] !== 0)) occ[b * E + e] = 1;
      return predictSlots(x, t, cond, fm, occ, B, T, E);
    },
    async decode(latent, ids, B, N) {
      const out = new Float32Array(B * N * W);
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let w = 0; w < W; w++) out[(b * N + n) * W + w] = latent[b * LC + ids[b * N + n] * W + w];
      return out;
    },
    slots: {
      async approximate(x, t, cond, frameMask, occupied, B, S) {
        calls.slots.push(S);
        return predictSlots(x, t, cond, frameMask, occupied, B, cond.length / (B * S * W), S);
      },
    },
  };
  return { model, calls };
}

function scene(N: number, T: number) {
  const pos = new Float32Array(T * N * 2);
  for (let f = 0; f < T; f++) for (let n = 0; n < N; n++) pos.set([n * 1.5 - 1 + 0.2 * f, 0.5 * n - 0.3 * f], (f * N + n) * 2);
  return { T, N, D: 2, pos, mask: new Float32Array(T * N).fill(1) };
}

describe('slot path of the sampler', () => {
  it('gathers the slots of the IDs and scatters them back with every other slot 0', () => {
    const LC = 12;
    const full = Float32Array.from({ length: 2 * LC }, (_, i) => i + 1);
    const ids = Int32Array.of(4, 1);
    const g = gatherSlots(full, 2, 1, LC, ids, 2);
    expect(Array.from(g)).toEqual([9, 10, 3, 4, 21, 22, 15, 16]);
    const back = scatterSlots(g, 2, 1, LC, ids, 2);
    expect(Array.from(back)).toEqual([0, 0, 3, 4, 0, 0, 0, 0, 9, 10, 0, 0, 0, 0, 15, 16, 0, 0, 0, 0, 21, 22, 0, 0]);
  });

  it('gives the full graph\'s samples from the same seed, running the flow on the window\'s N slots only', async () => {
    const { model, calls } = slotModel();
    const win = scene(3, 5);
    const opts = { K: 4, nfe: 5, solver: 'ddim' as const, seed: 9, ids: [5, 0, 2], horizon: 5 };
    const slots = await rollout(model, dims, win, opts);
    expect(calls.full).toBe(0);
    expect(calls.slots).toEqual(Array(15).fill(3)); // 3 chained windows x NFE 5, each on 3 slots
    const full = await rollout(model, dims, win, { ...opts, approximator: 'full' });
    expect(calls.full).toBe(15);
    expect(slots.windows).toBe(3);
    for (let i = 0; i < full.future.length; i++) expect(slots.future[i]).toBeCloseTo(full.future[i], 5);
  });

  it('records the predictions in the full latent layout', async () => {
    const { model } = slotModel();
    const win = scene(2, 5);
    const opts = { K: 2, nfe: 3, solver: 'euler' as const, seed: 1, keepSteps: true };
    const a = await rollout(model, dims, win, opts);
    const b = await rollout(model, dims, win, { ...opts, approximator: 'full' });
    expect(a.steps!.pos.length).toBe(b.steps!.pos.length);
    for (let i = 0; i < a.steps!.pos.length; i++) expect(a.steps!.pos[i]).toBeCloseTo(b.steps!.pos[i], 5);
  });

  it('marks as occupied an entity seen in a known frame, even at the centre, and no entity never seen', async () => {
    const seen: number[][] = [];
    const { model } = slotModel();
    const inner = model.slots!.approximate;
    model.slots!.approximate = (x, t, cond, fm, occ, B, S) => {
      seen.push(Array.from(occ));
      return inner(x, t, cond, fm, occ, B, S);
    };
    // entity 0 alone at "now" is the centre (0, 0); entity 1 appears only after the known frames
    const T = 5;
    const pos = new Float32Array(T * 2 * 2);
    const mask = new Float32Array(T * 2);
    for (let f = 0; f < T; f++) {
      pos.set([4, 4], (f * 2) * 2);
      mask[f * 2] = 1;
      if (f >= 3) {
        pos.set([1, 1], (f * 2 + 1) * 2);
        mask[f * 2 + 1] = 1;
      }
    }
    await rollout(model, dims, { T, N: 2, D: 2, pos, mask }, { K: 1, nfe: 1, solver: 'ddim', seed: 0, known: 1 });
    expect(seen).toEqual([[1, 0]]);
  });
});
