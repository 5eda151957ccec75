import type { LatentModel, ModelDims } from '../../../../src/core/sampler/model';

export const toyDims: ModelDims = { D: 2, L: 2, C: 3, P: 10, observed: 3, future: 4, minObserved: 1, scale: 2, t0: 0.001, t1: 0.999 };

export interface CallLog {
  encode: { B: number; N: number; feats?: Int32Array }[];
  approximate: { B: number; x: Float32Array; t: Float32Array; cond: Float32Array; condMask: Int32Array }[];
  decode: { B: number; N: number }[];
}

/**
 * A closed-form stand-in: the latent of a frame is the centroid of its present entities (in its first D channels),
 * the "network" predicts x1 = cond (so DDIM lands on cond exactly), the decoder puts every entity at the latent's
 * centroid plus a small ID-dependent offset.
 */
export function toyModel(dims: ModelDims = toyDims): { model: LatentModel; log: CallLog } {
  const { D, L, C } = dims;
  const log: CallLog = { encode: [], approximate: [], decode: [] };
  const model: LatentModel = {
    async encode(pos, ids, mask, B, N, feats) {
      log.encode.push(feats ? { B, N, feats: feats.slice() } : { B, N });
      const out = new Float32Array(B * L * C);
      for (let b = 0; b < B; b++) {
        let cnt = 0;
        for (let n = 0; n < N; n++) {
          if (!mask[b * N + n]) continue;
          cnt++;
          for (let d = 0; d < D; d++) out[b * L * C + d] += pos[(b * N + n) * D + d];
        }
        for (let d = 0; d < D; d++) out[b * L * C + d] /= cnt;
        out[b * L * C + C] = 1; // a constant channel in latent 1
      }
      return out;
    },
    async approximate(x, t, cond, condMask, B) {
      log.approximate.push({ B, x: x.slice(), t: t.slice(), cond: cond.slice(), condMask: condMask.slice() });
      return cond.slice();
    },
    async decode(latent, ids, B, N) {
      log.decode.push({ B, N });
      const out = new Float32Array(B * N * D);
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) out[(b * N + n) * D + d] = latent[b * L * C + d] + 0.01 * ids[b * N + n];
      return out;
    },
  };
  return { model, log };
}
