/**
 * Inside the model: the ODE integration of window 0 step by step, and the latent trajectory. Both read what
 * the sampler kept for the run (the engine's keepSteps / keepLatents options).
 */
import type { Run } from './run';

/** Network evaluations kept for the run (0 without keepSteps). */
export function stepCount(run: Run): number {
  return run.steps ? run.steps.t.length : 0;
}

/**
 * The run as it looked at network evaluation `s`: window 0's future frames replaced by the decoded data
 * prediction x1_hat made there ([S, K, T, N, D], frames observed..T-1 are the future). Same entities, IDs and
 * ground truth; the horizon is one window. Throws without kept steps or for a step that does not exist.
 */
export function stepRun(run: Run, s: number): Run {
  const steps = run.steps;
  if (!steps) throw new Error(`run ${run.id} kept no solver steps (sample with "keep solver steps" on)`);
  const S = steps.t.length;
  if (!Number.isInteger(s) || s < 0 || s >= S) throw new RangeError(`step ${s} does not exist (${S} network evaluations)`);
  const { K, N, D, observed } = run;
  const T = Math.round(steps.pos.length / (S * K * N * D));
  if (T * S * K * N * D !== steps.pos.length) throw new Error(`kept steps hold ${steps.pos.length} values, not a multiple of S × K × N × D`);
  const H = Math.min(T - observed, run.horizon);
  const future = new Float32Array(K * H * N * D);
  for (let k = 0; k < K; k++) {
    const src = ((s * K + k) * T + observed) * N * D;
    future.set(steps.pos.subarray(src, src + H * N * D), k * H * N * D);
  }
  const truth = run.truth.slice(0, H * N * D);
  const truthMask = run.truthMask.slice(0, H * N);
  return { ...run, horizon: H, future, truth, truthMask, label: `${run.label} · step ${s + 1}/${S} (t = ${steps.t[s].toFixed(3)})` };
}

export interface LatentFrame {
  /** window frame 0..T-1 */
  f: number;
  /** flattened latent coordinate l * C + c */
  i: number;
  v: number;
  known: boolean;
}

/**
 * The latent trajectory of window `w`, sample `k`, as (frame, coordinate, value) cells for a heatmap, with the
 * known frames marked (window 0: observed - known .. observed - 1; a chained window: 0 .. observed - 1).
 */
export function latentCells(run: Run, w: number, k: number): LatentFrame[] {
  const lat = run.latents;
  if (!lat) throw new Error(`run ${run.id} kept no latents (sample with "keep latents" on)`);
  if (!Number.isInteger(w) || w < 0 || w >= lat.W) throw new RangeError(`window ${w} does not exist (${lat.W} windows)`);
  if (!Number.isInteger(k) || k < 0 || k >= run.K) throw new RangeError(`sample ${k} does not exist (K = ${run.K})`);
  const { T, L, C } = lat;
  const LC = L * C;
  const firstKnown = w === 0 ? run.observed - run.known : 0;
  const out: LatentFrame[] = [];
  const base = (w * run.K + k) * T * LC;
  for (let f = 0; f < T; f++) {
    const known = f >= firstKnown && f < run.observed;
    for (let i = 0; i < LC; i++) out.push({ f, i, v: lat.data[base + f * LC + i], known });
  }
  return out;
}
