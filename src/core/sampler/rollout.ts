/**
 * One rollout = preprocess a window, encode its known frames, integrate the latent flow for K samples at once,
 * decode every frame with the window's ID assignment (CONTRACT.md "Preprocessing" and "Sampler").
 * Longer horizons chain windows: each new window is conditioned on the last `observed` generated frames,
 * re-centred on their own "now" frame.
 */
import { createRng } from '../rng';
import { assignSeededRandom, assignUserGiven } from '../ids';
import type { ModelManifest } from './manifest';
import type { LatentModel, ModelDims } from './model';
import { solve, type SolveOptions, type SolverName } from './solvers';
import type { SceneWindow } from './windows';

export function dimsFromManifest(m: ModelManifest): ModelDims {
  return {
    D: m.dims,
    L: m.latent.L,
    C: m.latent.C,
    P: m.id_pool,
    observed: m.frames.observed,
    future: m.frames.future,
    minObserved: m.frames.min_observed,
    scale: m.normalization.scale,
    t0: m.interpolant.t0,
    t1: m.interpolant.t1,
    F: m.features.vocab.length,
    ...(m.first_stage?.layout === 'slots' ? { slotWidth: m.dims + m.features.vocab.length } : {}),
  };
}

/** Mixes a base seed with small integers (file, window, ...) into an independent 32-bit seed. */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = Math.imul((base | 0) ^ 0x3c6ef372, 0x9e3779b1);
  for (const p of parts) {
    h ^= Math.imul((p | 0) + 0x7f4a7c15, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
    h ^= h >>> 13;
  }
  return h | 0;
}

/** Standard normal noise for K samples of a window, [K,T,L,C], drawn once before the solver loop. */
export function drawNoise(seed: number, K: number, T: number, L: number, C: number): Float32Array {
  const out = new Float32Array(K * T * L * C);
  createRng(seed).fillNormal(out);
  return out;
}

export interface Conditioning {
  /** centre subtracted before scaling (scene units), length D */
  center: Float64Array;
  /** [T,L,C] */
  cond: Float32Array;
  /** [T,L] */
  condMask: Int32Array;
  /** the encoded known frames, [known,L,C] */
  latents: Float32Array;
  /** [N]: 1 for an entity of the conditioning view (seen in a known frame), else 0 */
  present: Float32Array;
}

export interface ProgressInfo {
  /** window of a chained rollout, 0-based */
  window: number;
  windows: number;
  /** network evaluations done in this window / total */
  step: number;
  steps: number;
}

export interface RolloutOptions {
  K: number;
  nfe: number;
  solver: SolverName;
  seed: number;
  /** number of known frames, 1..observed; default observed */
  known?: number;
  /** ID of each window entity; default: seeded random assignment from `idSeed` */
  ids?: ArrayLike<number>;
  /** seed of the default (random) ID assignment; default derived from `seed` */
  idSeed?: number;
  /** explicit initial noise [K,T,L,C] for the first window (tests, fixtures); overrides the seed's noise */
  noise?: Float32Array;
  /** number of future frames to produce (>= 1); above `future` the rollout chains windows. Default `future`. */
  horizon?: number;
  onProgress?: (p: ProgressInfo) => void;
  signal?: AbortSignal;
  /**
   * per-entity feature indices [N] (contract v2; required when the model has a vocabulary, else absent or empty);
   * default: the window's own `feats`
   */
  feats?: ArrayLike<number>;
  /**
   * record the decoded data prediction x1_hat at every network evaluation of window 0 (the flow then integrates
   * with the CPU solver even where the model could keep the latents on its device)
   */
  keepSteps?: boolean;
  /** return the final latent sample of every window */
  keepLatents?: boolean;
  /**
   * which approximator graph runs the flow: 'auto' (default) the slot graph when the model has one (its cost
   * follows N), else the full-latent graph; 'full' always the full-latent graph (comparisons, benchmarks)
   */
  approximator?: 'auto' | 'full';
  /**
   * 'future': decode only the future frames of a single-window rollout (evaluation needs no more; saves the
   * decoder ~40 %). `firstWindow` then holds only those frames. Default 'all' (CONTRACT.md).
   */
  decode?: 'all' | 'future';
}

export interface StepTrace {
  /** flow time t at which each prediction was made, length S = network evaluations of window 0 */
  t: number[];
  /** [S, K, T, N, D] decoded x1_hat of every window frame, scene units */
  pos: Float32Array;
}

/** Wall time of the rollout's parts (ms): encoding the known frames, the flow steps, decoding. */
export interface RolloutTiming {
  encodeMs: number;
  flowMs: number;
  decodeMs: number;
}

export interface RolloutResult {
  K: number;
  N: number;
  D: number;
  /** known frames used */
  known: number;
  /** future frames produced */
  horizon: number;
  ids: Int32Array;
  /** [K, horizon, N, D] sampled future positions (scene units) */
  future: Float32Array;
  /** [K, T, N, D] every decoded frame of the first window (scene units); [K, future, N, D] with decode 'future' */
  firstWindow: Float32Array;
  /** [K,T,L,C] the final latent sample x_S of the first window (slot graph: slots of no entity 0) */
  xFinal: Float32Array;
  firstConditioning: Conditioning;
  /** windows run (each integrates the flow once) */
  windows: number;
  /** with keepSteps: the decoded prediction at every network evaluation of window 0 */
  steps?: StepTrace;
  /**
   * with keepLatents: [W, K, T, L, C], x_S of every window (W = windows; with the slot graph the slots of no
   * entity are 0); window 0's known frames are
   * observed-known..observed-1, a chained window's known frames are 0..observed-1
   */
  latents?: Float32Array;
  timing: RolloutTiming;
}

/** IDs for a window: the caller's, validated, or a seeded random injective assignment. */
export function windowIds(N: number, P: number, seed: number, given?: ArrayLike<number>): Int32Array {
  const ids = given ? assignUserGiven(Array.from(given), P) : assignSeededRandom(N, P, seed);
  if (ids.length !== N) throw new Error(`ID assignment has ${ids.length} IDs for ${N} entities`);
  return Int32Array.from(ids);
}

/**
 * Steps 3, 5 and 6 of the preprocessing for ONE window: centre on the "now" frame, normalise, encode the known
 * frames, build cond / cond_mask. `pos` [T,N,D] and `mask` [T,N] are in scene units.
 */
export async function conditionWindow(
  model: LatentModel,
  dims: ModelDims,
  T: number,
  N: number,
  pos: Float32Array,
  mask: Float32Array,
  ids: Int32Array,
  known: number,
  feats?: Int32Array,
): Promise<Conditioning> {
  const { D, L, C, observed, scale } = dims;
  const now = observed - 1;
  const first = observed - known;
  const center = new Float64Array(D);
  let present = 0;
  for (let n = 0; n < N; n++) {
    if (!mask[now * N + n]) continue;
    present++;
    for (let d = 0; d < D; d++) center[d] += pos[(now * N + n) * D + d];
  }
  if (present === 0) throw new Error('no entity is present at the "now" frame; nothing to condition on');
  for (let d = 0; d < D; d++) center[d] /= present;

  // Step 5, the conditioning view: an entity seen in any known frame is present in all of them, held at its
  // position in the nearest known frame where it was seen (forward fill, then backward fill); entities never
  // seen in a known frame stay absent. Only the known frames are encoded: unknown frames do not enter cond.
  const posN = new Float32Array(known * N * D);
  const maskK = new Float32Array(known * N);
  const idsB = new Int32Array(known * N);
  for (let j = 0; j < known; j++) idsB.set(ids, j * N);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < known; j++) {
      const f = first + j;
      if (!mask[f * N + n]) continue;
      maskK[j * N + n] = 1;
      for (let d = 0; d < D; d++) posN[(j * N + n) * D + d] = (pos[(f * N + n) * D + d] - center[d]) / scale;
    }
    for (let j = 1; j < known; j++) {
      if (maskK[j * N + n] || !maskK[(j - 1) * N + n]) continue;
      maskK[j * N + n] = 1;
      posN.copyWithin((j * N + n) * D, ((j - 1) * N + n) * D, ((j - 1) * N + n + 1) * D);
    }
    for (let j = known - 2; j >= 0; j--) {
      if (maskK[j * N + n] || !maskK[(j + 1) * N + n]) continue;
      maskK[j * N + n] = 1;
      posN.copyWithin((j * N + n) * D, ((j + 1) * N + n) * D, ((j + 1) * N + n + 1) * D);
    }
  }
  let featsB: Int32Array | undefined;
  if (feats && feats.length > 0) {
    featsB = new Int32Array(known * N);
    for (let j = 0; j < known; j++) featsB.set(feats, j * N);
  }
  const latents = await model.encode(posN, idsB, maskK, known, N, featsB);
  const LC = L * C;
  if (latents.length !== known * LC) throw new Error(`encoder returned ${latents.length} values, expected ${known * LC}`);
  const mean = new Float32Array(LC);
  for (let j = 0; j < known; j++) for (let e = 0; e < LC; e++) mean[e] += latents[j * LC + e];
  for (let e = 0; e < LC; e++) mean[e] /= known;
  const cond = new Float32Array(T * LC);
  const condMask = new Int32Array(T * L);
  for (let f = 0; f < T; f++) {
    const isKnown = f >= first && f <= now;
    if (isKnown) cond.set(latents.subarray((f - first) * LC, (f - first + 1) * LC), f * LC);
    else cond.set(mean, f * LC);
    if (isKnown) condMask.fill(1, f * L, (f + 1) * L);
  }
  const inView = new Float32Array(N);
  for (let n = 0; n < N; n++) for (let j = 0; j < known; j++) if (maskK[j * N + n]) inView[n] = 1;
  return { center, cond, condMask, latents, present: inView };
}

/** Per network evaluation: the flow time and the prediction x1_hat [B,T,L,C] (a copy the caller may keep). */
type PredictionRecorder = (t: number, x1: Float32Array) => void;

/** What a window's flow is integrated on: the conditioning of every sample and, for the slot graph, who is where. */
interface FlowInput {
  /** [K,T,L,C] */
  cond: Float32Array;
  /** [K,T,L] */
  condMask: Int32Array;
  /** the window's IDs [N] */
  ids: Int32Array;
  /** [K,N]: entity n of sample k is in the conditioning view */
  present: Float32Array;
}

/** Integrates K samples for per-sample conditioning from the given noise [K,T,L,C]; returns x_S [K,T,L,C]. */
async function integrate(
  model: LatentModel,
  dims: ModelDims,
  K: number,
  noise: Float32Array,
  input: FlowInput,
  opts: RolloutOptions,
  report: (step: number, steps: number) => void,
  record?: PredictionRecorder,
): Promise<Float32Array> {
  if (model.slots && dims.slotWidth && opts.approximator !== 'full') return integrateSlots(model.slots, dims, K, noise, input, opts, report, record);
  const { cond, condMask } = input;
  // Recording every prediction needs them on the CPU, so a recorded solve never runs on the device.
  if (model.integrateOnDevice && !record) {
    const onDevice = await model.integrateOnDevice(noise, cond, condMask, K, { solver: opts.solver, nfe: opts.nfe, t0: dims.t0, t1: dims.t1, signal: opts.signal, onStep: report });
    if (onDevice) return onDevice;
  }
  const x = await solveOnCpu(noise, K, (x32, tB) => model.approximate(x32, tB, cond, condMask, K), { solver: opts.solver, nfe: opts.nfe, t0: dims.t0, t1: dims.t1, signal: opts.signal, onStep: report }, record && ((t, x1) => record(t, Float32Array.from(x1))));
  return Float32Array.from(x);
}

/**
 * The CPU solve shared by both graphs: `predict` gets the state as float32 and the batch's flow time [K];
 * `onPrediction` sees every prediction as the graph returned it.
 */
async function solveOnCpu(x0: Float32Array, K: number, predict: (x32: Float32Array, tB: Float32Array) => Promise<Float32Array>, solveOpts: SolveOptions, onPrediction?: (t: number, x1: Float32Array) => void): Promise<Float64Array> {
  const x32 = new Float32Array(x0.length);
  const tB = new Float32Array(K);
  return solve(
    x0,
    async (state, t) => {
      for (let i = 0; i < state.length; i++) x32[i] = state[i];
      tB.fill(t);
      const x1 = await predict(x32, tB);
      onPrediction?.(t, x1);
      return x1;
    },
    solveOpts,
  );
}

/** [K,T,L*C] latents -> [K,T,N,W]: the slot each ID owns (CONTRACT.md, "Slot approximator"). */
export function gatherSlots(full: Float32Array, K: number, T: number, LC: number, ids: Int32Array, W: number): Float32Array {
  const N = ids.length;
  const out = new Float32Array(K * T * N * W);
  for (let kf = 0; kf < K * T; kf++) {
    for (let n = 0; n < N; n++) {
      const src = kf * LC + ids[n] * W;
      out.set(full.subarray(src, src + W), (kf * N + n) * W);
    }
  }
  return out;
}

/** [K,T,N,W] -> [K,T,L*C] with every other slot 0. */
export function scatterSlots(slots: ArrayLike<number>, K: number, T: number, LC: number, ids: Int32Array, W: number): Float32Array {
  const N = ids.length;
  const out = new Float32Array(K * T * LC);
  for (let kf = 0; kf < K * T; kf++) {
    for (let n = 0; n < N; n++) {
      const dst = kf * LC + ids[n] * W;
      const src = (kf * N + n) * W;
      for (let w = 0; w < W; w++) out[dst + w] = slots[src + w];
    }
  }
  return out;
}

/**
 * The flow on the window's own slots only: the noise and the conditioning are gathered by ID, the slot graph
 * predicts, x_S is scattered back (other slots 0, which no decoder read touches). Same noise, same samples as the
 * full graph; the work follows N.
 */
async function integrateSlots(
  slots: NonNullable<LatentModel['slots']>,
  dims: ModelDims,
  K: number,
  noise: Float32Array,
  input: FlowInput,
  opts: RolloutOptions,
  report: (step: number, steps: number) => void,
  record?: PredictionRecorder,
): Promise<Float32Array> {
  const { L, C } = dims;
  const W = dims.slotWidth!;
  const LC = L * C;
  const T = input.condMask.length / (K * L);
  const { ids } = input;
  const N = ids.length;
  const x0 = gatherSlots(noise, K, T, LC, ids, W);
  const cond = gatherSlots(input.cond, K, T, LC, ids, W);
  const frameMask = new Int32Array(K * T);
  for (let kf = 0; kf < K * T; kf++) frameMask[kf] = input.condMask[kf * L];
  const solveOpts = { solver: opts.solver, nfe: opts.nfe, t0: dims.t0, t1: dims.t1, signal: opts.signal, onStep: report };
  if (slots.integrateOnDevice && !record) {
    const onDevice = await slots.integrateOnDevice(x0, cond, frameMask, input.present, K, N, solveOpts);
    if (onDevice) return scatterSlots(onDevice, K, T, LC, ids, W);
  }
  const x = await solveOnCpu(x0, K, (x32, tB) => slots.approximate(x32, tB, cond, frameMask, input.present, K, N), solveOpts, record && ((t, x1) => record(t, scatterSlots(x1, K, T, LC, ids, W))));
  return scatterSlots(x, K, T, LC, ids, W);
}

/**
 * Decodes frames from0..T-1 of [K,T,L,C] latents with per-sample centres ([K,D]) into [K,T-from0,N,D]
 * scene-unit positions.
 */
async function decodeAll(model: LatentModel, dims: ModelDims, T: number, K: number, N: number, xAll: Float32Array, ids: Int32Array, centers: Float64Array, from0 = 0): Promise<Float32Array> {
  const { D, L, C, scale } = dims;
  const Td = T - from0;
  const B = K * Td;
  let x = xAll;
  if (from0 > 0) {
    const LC = L * C;
    x = new Float32Array(B * LC);
    for (let k = 0; k < K; k++) x.set(xAll.subarray((k * T + from0) * LC, (k + 1) * T * LC), k * Td * LC);
  }
  const idsB = new Int32Array(B * N);
  for (let b = 0; b < B; b++) idsB.set(ids, b * N);
  const out = await model.decode(x, idsB, B, N);
  if (out.length !== B * N * D) throw new Error(`decoder returned ${out.length} values, expected ${B * N * D}`);
  const res = new Float32Array(out.length);
  for (let k = 0; k < K; k++) {
    for (let i = k * Td * N * D, e = (k + 1) * Td * N * D; i < e; i += D) {
      for (let d = 0; d < D; d++) res[i + d] = out[i + d] * scale + centers[k * D + d];
    }
  }
  return res;
}

function tile<T extends Float32Array | Int32Array>(a: T, times: number): T {
  const out = new (a.constructor as { new (n: number): T })(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

/** Throws unless every value of the sampled future [K, horizon, N, D] is finite (naming the first bad one). */
export function checkFinite(future: Float32Array, K: number, horizon: number, N: number, D: number): void {
  for (let i = 0; i < future.length; i++) {
    if (Number.isFinite(future[i])) continue;
    const d = i % D;
    const n = Math.floor(i / D) % N;
    const j = Math.floor(i / (D * N)) % horizon;
    const k = Math.floor(i / (D * N * horizon));
    throw new Error(
      `the sampled future is not finite (${future[i]} at sample ${k}, future frame ${j}, entity ${n}, coordinate ${d}); nothing is returned (K = ${K})`,
    );
  }
}

function checkFeats(feats: ArrayLike<number> | undefined, N: number, F: number): Int32Array | undefined {
  const given = feats !== undefined && feats.length > 0;
  if (F > 0 && !given) throw new Error(`the model takes per-entity features (a vocabulary of ${F}); none were given`);
  if (F === 0 && given) throw new Error('the model has no feature vocabulary, but features were given');
  if (!given) return undefined;
  if (feats.length !== N) throw new Error(`features: ${feats.length} values for ${N} entities`);
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const v = feats[n];
    if (!Number.isInteger(v) || v < 0 || v >= F) throw new Error(`features: entity ${n} has index ${v}, outside the vocabulary 0..${F - 1}`);
    out[n] = v;
  }
  return out;
}

/**
 * Samples K futures of a window whose frames 0..observed-1 hold the history (the "now" frame is observed-1).
 * Only window frames observed-known .. observed-1 are used as input; later frames may hold ground truth, unused.
 */
export async function rollout(model: LatentModel, dims: ModelDims, win: Pick<SceneWindow, 'T' | 'N' | 'D' | 'pos' | 'mask' | 'feats'>, opts: RolloutOptions): Promise<RolloutResult> {
  const { D, L, C, observed, future, minObserved, P } = dims;
  const { T, N, K } = { T: win.T, N: win.N, K: opts.K };
  if (win.D !== D) throw new Error(`scene is ${win.D}-D but the model expects D = ${D}`);
  if (T !== observed + future) throw new Error(`window has ${T} frames, the model expects ${observed + future}`);
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`K must be an integer >= 1, got ${K}`);
  const known = opts.known ?? observed;
  if (!Number.isInteger(known) || known < minObserved || known > observed) {
    throw new RangeError(`known frames must be an integer in ${minObserved}..${observed}, got ${known}`);
  }
  const horizon = opts.horizon ?? future;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be an integer >= 1, got ${horizon}`);
  const feats = checkFeats(opts.feats ?? win.feats, N, dims.F ?? 0);
  const windows = 1 + Math.max(0, Math.ceil((horizon - future) / future));
  const rng = createRng(opts.seed);
  const ids = windowIds(N, P, opts.idSeed ?? deriveSeed(opts.seed, 0x1d5), opts.ids);
  const LC = L * C;
  const timing: RolloutTiming = { encodeMs: 0, flowMs: 0, decodeMs: 0 };
  const timed = async <R>(part: keyof RolloutTiming, f: () => Promise<R>): Promise<R> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timing[part] += performance.now() - t0;
    }
  };

  const drawWindowNoise = (w: number): Float32Array => {
    // One stream per seed, drawn window by window before each solve, so the noise never depends on NFE.
    const n = new Float32Array(K * T * LC);
    rng.fillNormal(n);
    if (w === 0 && opts.noise) {
      if (opts.noise.length !== n.length) throw new Error(`noise has ${opts.noise.length} values, expected ${n.length} ([K,T,L,C])`);
      return opts.noise;
    }
    return n;
  };
  const progress = (w: number) => (step: number, steps: number) => opts.onProgress?.({ window: w, windows, step, steps });
  const latents = opts.keepLatents ? new Float32Array(windows * K * T * LC) : undefined;

  // Window 0: real history.
  const c0 = await timed('encodeMs', () => conditionWindow(model, dims, T, N, win.pos, win.mask, ids, known, feats));
  const noise0 = drawWindowNoise(0);
  const stepT: number[] = [];
  const stepX: Float32Array[] = [];
  const record: PredictionRecorder | undefined = opts.keepSteps
    ? (t, x1) => {
        stepT.push(t);
        stepX.push(x1);
      }
    : undefined;
  const x0 = await timed('flowMs', () => integrate(model, dims, K, noise0, { cond: tile(c0.cond, K), condMask: tile(c0.condMask, K), ids, present: tile(c0.present, K) }, opts, progress(0), record));
  latents?.set(x0, 0);
  const centers0 = Float64Array.from(tile(Float32Array.from(c0.center), K));
  const futureOnly = opts.decode === 'future' && windows === 1;
  const dec0 = await timed('decodeMs', () => decodeAll(model, dims, T, K, N, x0, ids, centers0, futureOnly ? observed : 0));

  let steps: StepTrace | undefined;
  if (record) {
    // All predictions in one decoder call: S * K windows of T frames, each with window 0's centre.
    const S = stepX.length;
    const xs = new Float32Array(S * K * T * LC);
    stepX.forEach((x, s) => xs.set(x, s * K * T * LC));
    const centersS = new Float64Array(S * K * D);
    for (let s = 0; s < S; s++) centersS.set(centers0, s * K * D);
    const pos = await timed('decodeMs', () => decodeAll(model, dims, T, S * K, N, xs, ids, centersS));
    steps = { t: stepT, pos };
  }

  const out = new Float32Array(K * horizon * N * D);
  const TND = T * N * D;
  const ND = N * D;
  const copyFuture = (dec: Float32Array, offset: number, from0 = 0) => {
    const count = Math.min(future, horizon - offset);
    const per = (T - from0) * ND;
    for (let k = 0; k < K; k++) {
      out.set(dec.subarray(k * per + (observed - from0) * ND, k * per + (observed - from0 + count) * ND), (k * horizon + offset) * ND);
    }
  };
  copyFuture(dec0, 0, futureOnly ? observed : 0);

  // Chained windows: the entities of the conditioning view (seen in a known frame) are tracked through the
  // generated frames, present in every one of them.
  const tracked = new Float32Array(N);
  for (let n = 0; n < N; n++) for (let f = observed - known; f < observed; f++) if (win.mask[f * N + n]) tracked[n] = 1;
  let prev = dec0;
  for (let w = 1; w < windows; w++) {
    // The new window's known frames are the previous window's last `observed` frames, per sample.
    const condK = new Float32Array(K * T * LC);
    const maskK = new Int32Array(K * T * L);
    const centers = new Float64Array(K * D);
    const presentK = new Float32Array(K * N);
    const winPos = new Float32Array(T * ND);
    const winMask = new Float32Array(T * N);
    for (let f = 0; f < observed; f++) winMask.set(tracked, f * N);
    for (let k = 0; k < K; k++) {
      winPos.set(prev.subarray(k * TND + future * ND, k * TND + T * ND), 0);
      const ck = await timed('encodeMs', () => conditionWindow(model, dims, T, N, winPos, winMask, ids, observed, feats));
      condK.set(ck.cond, k * T * LC);
      maskK.set(ck.condMask, k * T * L);
      centers.set(ck.center, k * D);
      presentK.set(ck.present, k * N);
    }
    const noise = drawWindowNoise(w);
    const xw = await timed('flowMs', () => integrate(model, dims, K, noise, { cond: condK, condMask: maskK, ids, present: presentK }, opts, progress(w)));
    latents?.set(xw, w * K * T * LC);
    prev = await timed('decodeMs', () => decodeAll(model, dims, T, K, N, xw, ids, centers));
    copyFuture(prev, w * future);
  }
  checkFinite(out, K, horizon, N, D);

  return { K, N, D, known, horizon, ids, future: out, firstWindow: dec0, xFinal: x0, firstConditioning: c0, windows, steps, latents, timing };
}
