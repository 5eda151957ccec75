import { describe, expect, it } from 'vitest';
import { alpha, sigma } from '../../../../src/core/sampler/interpolant';
import { conditionWindow, deriveSeed, drawNoise, rollout } from '../../../../src/core/sampler/rollout';
import { toyDims, toyModel } from './toy-model';

const { D, L, C, observed, future } = toyDims;
const T = observed + future;

/** Two walkers on straight lines; walker 1 is absent in window frame 0. */
function makeWindow() {
  const N = 2;
  const pos = new Float32Array(T * N * D);
  const mask = new Float32Array(T * N).fill(1);
  for (let f = 0; f < T; f++) {
    pos.set([f, 0], (f * N + 0) * D);
    pos.set([10, f * 0.5], (f * N + 1) * D);
  }
  mask[0 * N + 1] = 0;
  pos.set([0, 0], (0 * N + 1) * D);
  return { T, N, D, pos, mask };
}

describe('conditioning', () => {
  it('centres on the now frame, encodes the known frames and fills unknown frames with their mean', async () => {
    const { model, log } = toyModel();
    const w = makeWindow();
    const ids = Int32Array.from([4, 7]);
    const c = await conditionWindow(model, toyDims, T, w.N, w.pos, w.mask, ids, 2);
    // now = frame 2: walker 0 at (2,0), walker 1 at (10,1) -> centre (6, 0.5)
    expect(Array.from(c.center)).toEqual([6, 0.5]);
    expect(log.encode).toEqual([{ B: 2, N: 2 }]);
    const LC = L * C;
    // known frames 1 and 2: centroids ((1+10)/2-6, (0+0.5)/2-0.5)/2 etc.
    expect(c.cond[1 * LC + 0]).toBeCloseTo((5.5 - 6) / 2, 6);
    expect(c.cond[2 * LC + 0]).toBeCloseTo((6 - 6) / 2, 6);
    for (const f of [0, 3, 4, 5, 6]) {
      for (let e = 0; e < LC; e++) expect(c.cond[f * LC + e]).toBeCloseTo((c.cond[1 * LC + e] + c.cond[2 * LC + e]) / 2, 6);
    }
    expect(Array.from(c.condMask)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('fills the known frames: present everywhere, held at the nearest known position (forward, then backward)', async () => {
    const { model, log } = toyModel();
    const encoded: Float32Array[] = [];
    const spy = { ...model, encode: async (p: Float32Array, i: Int32Array, m: Float32Array, B: number, N: number) => { encoded.push(p.slice(), m.slice()); return model.encode(p, i, m, B, N); } };
    const N = 3;
    const pos = new Float32Array(T * N * D);
    const mask = new Float32Array(T * N);
    // entity 0 seen in known frames 1 and 2 only; entity 1 in frames 0 and 2 (gap at 1); entity 2 only after "now"
    for (const [f, n, x] of [[1, 0, 1], [2, 0, 2], [0, 1, 10], [2, 1, 12], [4, 2, 50]] as const) {
      mask[f * N + n] = 1;
      pos[(f * N + n) * D] = x;
    }
    const c = await conditionWindow(spy, toyDims, T, N, pos, mask, Int32Array.from([0, 1, 2]), 3);
    expect(Array.from(c.center)).toEqual([7, 0]); // now = frame 2: entities 0 and 1
    const [pn, mk] = encoded;
    expect(Array.from(mk)).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0]);
    const xs = (j: number) => [0, 1, 2].map((n) => pn[(j * N + n) * D] * toyDims.scale + (mk[j * N + n] ? 7 : 0));
    expect(xs(0)).toEqual([1, 10, 0]); // entity 0 back-filled from frame 1
    expect(xs(1)).toEqual([1, 10, 0]); // entity 1 forward-filled from frame 0
    expect(xs(2)).toEqual([2, 12, 0]);
    expect(log.encode).toEqual([{ B: 3, N: 3 }]);
  });
});

describe('rollout', () => {
  it('batches the K samples into one network call per step and decodes all frames at once', async () => {
    const { model, log } = toyModel();
    const r = await rollout(model, toyDims, makeWindow(), { K: 5, nfe: 4, solver: 'euler', seed: 1 });
    expect(log.approximate.map((a) => a.B)).toEqual([5, 5, 5, 5]);
    expect(log.decode).toEqual([{ B: 5 * T, N: 2 }]);
    expect(r.future.length).toBe(5 * future * 2 * D);
    expect(r.firstWindow.length).toBe(5 * T * 2 * D);
  });

  it('draws the same noise for a seed at every NFE and solver', async () => {
    const first = async (nfe: number, solver: 'euler' | 'heun' | 'ddim') => {
      const { model, log } = toyModel();
      await rollout(model, toyDims, makeWindow(), { K: 3, nfe, solver, seed: 42 });
      return log.approximate[0].x;
    };
    const a = await first(1, 'euler');
    expect(await first(10, 'euler')).toEqual(a);
    expect(await first(4, 'heun')).toEqual(a);
    expect(await first(7, 'ddim')).toEqual(a);
    expect(a).toEqual(drawNoise(42, 3, T, L, C));
    const { model, log } = toyModel();
    await rollout(model, toyDims, makeWindow(), { K: 3, nfe: 1, solver: 'euler', seed: 43 });
    expect(log.approximate[0].x).not.toEqual(a);
  });

  it('is reproducible from the seed', async () => {
    const run = async () => (await rollout(toyModel().model, toyDims, makeWindow(), { K: 2, nfe: 3, solver: 'heun', seed: 9 })).future;
    expect(await run()).toEqual(await run());
  });

  it('with DDIM and a constant x1 prediction lands on alpha(t1) cond + sigma(t1) x0_hat', async () => {
    const { model, log } = toyModel();
    const noise = drawNoise(5, 1, T, L, C);
    const r = await rollout(model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'ddim', seed: 0, noise });
    const cond = log.approximate[0].cond;
    const a0 = alpha(toyDims.t0);
    const s0 = sigma(toyDims.t0);
    for (let i = 0; i < noise.length; i++) {
      const x0 = (noise[i] - a0 * cond[i]) / s0;
      expect(r.xFinal[i]).toBeCloseTo(alpha(toyDims.t1) * cond[i] + sigma(toyDims.t1) * x0, 5);
    }
  });

  it('uses the given IDs and decodes with the scale and centre', async () => {
    const { model } = toyModel();
    const noise = new Float32Array(T * L * C); // zero noise: x_S ~ alpha(t1) cond
    const r = await rollout(model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'ddim', seed: 0, noise, ids: [3, 8] });
    expect(Array.from(r.ids)).toEqual([3, 8]);
    // decoded future frame 0 of walker 1 = centre + scale * (alpha(t1) * mean-known-latent + 0.01 * id)
    const c = r.firstConditioning;
    const meanX = c.cond[observed * L * C]; // future frames hold the mean of the known latents
    const expected = c.center[0] + toyDims.scale * (alpha(toyDims.t1) * meanX + 0.01 * 8);
    expect(r.future[(0 * 2 + 1) * D + 0]).toBeCloseTo(expected, 4);
    await expect(rollout(model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'ddim', seed: 0, ids: [3, 3] })).rejects.toThrow(/already used/);
    await expect(rollout(model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'ddim', seed: 0, ids: [3, 10] })).rejects.toThrow(/outside the pool/);
  });

  it('chains windows for longer horizons, conditioning on the generated frames', async () => {
    const { model, log } = toyModel();
    const r = await rollout(model, toyDims, makeWindow(), { K: 2, nfe: 2, solver: 'euler', seed: 3, horizon: 10 });
    expect(r.windows).toBe(3);
    expect(r.horizon).toBe(10);
    expect(r.future.length).toBe(2 * 10 * 2 * D);
    expect(log.approximate.length).toBe(6);
    expect(log.decode.length).toBe(3);
    // window 2 and 3 condition on all `observed` frames, per sample
    expect(log.approximate[2].condMask.length).toBe(2 * T * L);
    const progress: number[][] = [];
    await rollout(toyModel().model, toyDims, makeWindow(), { K: 1, nfe: 2, solver: 'euler', seed: 3, horizon: 5, onProgress: (p) => progress.push([p.window, p.windows, p.step, p.steps]) });
    expect(progress).toEqual([[0, 2, 1, 2], [0, 2, 2, 2], [1, 2, 1, 2], [1, 2, 2, 2]]);
  });

  it('checks its inputs', async () => {
    const { model } = toyModel();
    await expect(rollout(model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'euler', seed: 0, known: 0 })).rejects.toThrow(/known frames/);
    await expect(rollout(model, toyDims, { ...makeWindow(), D: 3 }, { K: 1, nfe: 1, solver: 'euler', seed: 0 })).rejects.toThrow(/3-D/);
    expect(deriveSeed(0, 1, 2)).not.toBe(deriveSeed(0, 2, 1));
  });
});

describe('decode future only', () => {
  it('gives the same future as decoding every frame', async () => {
    const a = await rollout(toyModel().model, toyDims, makeWindow(), { K: 3, nfe: 2, solver: 'euler', seed: 4 });
    const { model, log } = toyModel();
    const b = await rollout(model, toyDims, makeWindow(), { K: 3, nfe: 2, solver: 'euler', seed: 4, decode: 'future' });
    expect(b.future).toEqual(a.future);
    expect(log.decode).toEqual([{ B: 3 * future, N: 2 }]);
  });
});

describe('step traces, latents, timing', () => {
  const LC = L * C;

  it('keepSteps records t and the decoded x1_hat of every network evaluation of window 0', async () => {
    const { model, log } = toyModel();
    const K = 2;
    const r = await rollout(model, toyDims, makeWindow(), { K, nfe: 3, solver: 'heun', seed: 2, keepSteps: true, horizon: 6 });
    const steps = r.steps!;
    // heun NFE 3: one step, two evaluations (t0 and t1); the chained second window is not traced
    expect(steps.t).toEqual([toyDims.t0, toyDims.t1]);
    expect(steps.t.length).toBe(2);
    expect(steps.pos.length).toBe(2 * K * T * 2 * D);
    // The toy network predicts x1 = cond, the toy decoder puts entity n at latent[0..D) + 0.01 id: so every
    // recorded step is centre + scale * (cond + 0.01 id), at every frame of the window.
    const c = r.firstConditioning;
    const cond = log.approximate[0].cond;
    for (let s = 0; s < 2; s++) {
      for (let k = 0; k < K; k++) {
        for (let f = 0; f < T; f++) {
          for (let n = 0; n < 2; n++) {
            for (let d = 0; d < D; d++) {
              const v = steps.pos[((((s * K + k) * T + f) * 2 + n) * D) + d];
              expect(v).toBeCloseTo(Math.fround(c.center[d]) + toyDims.scale * (cond[(k * T + f) * LC + d] + 0.01 * r.ids[n]), 4);
            }
          }
        }
      }
    }
    const plain = await rollout(toyModel().model, toyDims, makeWindow(), { K, nfe: 3, solver: 'heun', seed: 2, horizon: 6 });
    expect(plain.steps).toBeUndefined();
    expect(plain.latents).toBeUndefined();
    expect(plain.future).toEqual(r.future);
  });

  it('keepSteps gives the flow time grid (euler: S = NFE points from t0)', async () => {
    const r = await rollout(toyModel().model, toyDims, makeWindow(), { K: 1, nfe: 4, solver: 'euler', seed: 0, keepSteps: true });
    const h = (toyDims.t1 - toyDims.t0) / 4;
    expect(r.steps!.t.length).toBe(4);
    r.steps!.t.forEach((t, i) => expect(t).toBeCloseTo(toyDims.t0 + i * h, 12));
  });

  it('keepLatents returns x_S of every window, [W,K,T,L,C], and window 0 is xFinal', async () => {
    const K = 3;
    const r = await rollout(toyModel().model, toyDims, makeWindow(), { K, nfe: 2, solver: 'ddim', seed: 5, keepLatents: true, horizon: 9 });
    expect(r.windows).toBe(3);
    expect(r.latents!.length).toBe(3 * K * T * LC);
    expect(r.latents!.subarray(0, K * T * LC)).toEqual(r.xFinal);
    // toy decoder: future frame j of window w, sample k, entity n = centre_k,w + scale * (latent[w,k,observed+j] + 0.01 id)
    // The centre of a chained window is unknown here, but differences between entities only depend on the IDs.
    for (let w = 0; w < 3; w++) {
      for (let j = 0; j < Math.min(future, 9 - w * future); j++) {
        const o = ((0 * 9 + w * future + j) * 2) * D;
        const dx = r.future[o + D] - r.future[o];
        expect(dx).toBeCloseTo(toyDims.scale * 0.01 * (r.ids[1] - r.ids[0]), 4);
      }
    }
    // Window 0 directly: the decoded future is centre + scale * (x_S + 0.01 id).
    const lat = r.latents!;
    const c = r.firstConditioning.center;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < future; j++) {
        for (let d = 0; d < D; d++) {
          const want = Math.fround(c[d]) + toyDims.scale * (lat[(k * T + observed + j) * LC + d] + 0.01 * r.ids[0]);
          expect(r.future[((k * 9 + j) * 2 + 0) * D + d]).toBeCloseTo(want, 4);
        }
      }
    }
  });

  it('reports the time spent encoding, in the flow and decoding', async () => {
    const r = await rollout(toyModel().model, toyDims, makeWindow(), { K: 1, nfe: 1, solver: 'euler', seed: 0 });
    for (const v of Object.values(r.timing)) expect(v).toBeGreaterThanOrEqual(0);
    expect(Object.keys(r.timing).sort()).toEqual(['decodeMs', 'encodeMs', 'flowMs']);
  });

  it('refuses a non-finite sampled future, naming sample, frame and entity', async () => {
    const { model } = toyModel();
    let calls = 0;
    const bad = {
      ...model,
      decode: async (lat: Float32Array, ids: Int32Array, B: number, N: number) => {
        const out = await model.decode(lat, ids, B, N);
        calls++;
        // sample 1, window frame observed + 2 (future frame 2), entity 1, y
        out[((1 * T + observed + 2) * N + 1) * D + 1] = NaN;
        return out;
      },
    };
    await expect(rollout(bad, toyDims, makeWindow(), { K: 2, nfe: 1, solver: 'euler', seed: 0 })).rejects.toThrow(
      /not finite \(NaN at sample 1, future frame 2, entity 1, coordinate 1\)/,
    );
    expect(calls).toBe(1);
    const inf = { ...model, approximate: async () => new Float32Array(2 * T * L * C).fill(Infinity) };
    await expect(rollout(inf, toyDims, makeWindow(), { K: 2, nfe: 1, solver: 'euler', seed: 0 })).rejects.toThrow(/not finite/);
  });
});

describe('features', () => {
  const vocabDims = { ...toyDims, F: 3 };

  it('passes feats [known, N] to the encoder of every window', async () => {
    const { model, log } = toyModel(vocabDims);
    await rollout(model, vocabDims, makeWindow(), { K: 2, nfe: 1, solver: 'euler', seed: 0, feats: [2, 0], horizon: 6 });
    // window 0: one call with B = observed; window 1: one call per sample
    expect(log.encode.map((e) => [e.B, Array.from(e.feats ?? [])])).toEqual([
      [3, [2, 0, 2, 0, 2, 0]],
      [3, [2, 0, 2, 0, 2, 0]],
      [3, [2, 0, 2, 0, 2, 0]],
    ]);
  });

  it('checks feats against the vocabulary', async () => {
    const { model } = toyModel(vocabDims);
    const opts = { K: 1, nfe: 1, solver: 'euler' as const, seed: 0 };
    await expect(rollout(model, vocabDims, makeWindow(), opts)).rejects.toThrow(/takes per-entity features \(a vocabulary of 3\); none were given/);
    await expect(rollout(model, vocabDims, makeWindow(), { ...opts, feats: [0] })).rejects.toThrow(/1 values for 2 entities/);
    await expect(rollout(model, vocabDims, makeWindow(), { ...opts, feats: [0, 3] })).rejects.toThrow(/entity 1 has index 3, outside the vocabulary 0..2/);
    await expect(rollout(toyModel().model, toyDims, makeWindow(), { ...opts, feats: [0, 1] })).rejects.toThrow(/no feature vocabulary/);
    // an empty array means "no features" for a model without a vocabulary
    await expect(rollout(toyModel().model, toyDims, makeWindow(), { ...opts, feats: [] })).resolves.toBeDefined();
  });
});
