/**
 * A sampling run as one object: the settings it was made with, the window it conditioned on (entities, IDs,
 * known frames, "now"), the sampled positions over the whole horizon (chained windows), the ground truth the
 * file has after "now", and the timings. Built from what the sampler returns; pure data, no DOM.
 */
import type { SolverName } from '../sampler/solvers';
import { compactFrames } from '../sampler/frames';
import type { SceneSampleWindow } from '../sampler/scene-sample';
import type { FrameInterval, Scene } from '../scene';
import type { IdMode } from './ids';

export interface RunSettings {
  /** model name (manifest "name") */
  model: string;
  K: number;
  nfe: number;
  solver: SolverName;
  /** noise seed */
  seed: number;
  /** chained model windows; horizon = windows × the model's future frames */
  windows: number;
  idMode: IdMode;
  /** seed of the random ID assignment (idMode 'random') */
  idSeed: number;
  /** per-step decoded predictions of window 0 were kept (engine option keepSteps) */
  keepSteps: boolean;
  /** final latents of every window were kept (engine option keepLatents) */
  keepLatents: boolean;
}

export interface RunTiming {
  /** wall time of the request as the worker measured it (ms); for compare runs, warm-up excluded */
  ms: number;
  backend: string;
  latentsOnGpu: boolean;
  encodeMs?: number;
  flowMs?: number;
  decodeMs?: number;
  totalMs?: number;
}

/** Decoded data prediction at every network evaluation of window 0: [S, K, T, N, D] at flow times t[S]. */
export interface RunSteps {
  t: number[];
  pos: Float32Array;
}

/** The final latent sample of every window: [W, K, T, L, C]. */
export interface RunLatents {
  data: Float32Array;
  W: number;
  T: number;
  L: number;
  C: number;
}

export interface Run {
  /** store-assigned, unique within a session */
  id: number;
  label: string;
  settings: RunSettings;
  /** name of the scene it was sampled from */
  sceneName: string;
  dim: number;
  lengthUnit: string;
  frameInterval: FrameInterval;
  /** scene frame index (= timeline index) of "now" */
  now: number;
  /** the model's window: observed + future frames, and its future length (window boundaries on the timeline) */
  observed: number;
  modelFuture: number;
  /** known frames used (1..observed) and their scene frame indices, oldest first */
  known: number;
  knownFrames: number[];
  K: number;
  N: number;
  D: number;
  /** future frames sampled */
  horizon: number;
  /** scene entity index of each window entity */
  entities: number[];
  /** model ID of each window entity */
  ids: Int32Array;
  /** window entities that were sampled (seen in a known frame), ascending */
  active: number[];
  /** where each entity's future starts: its last known position, [N, D] */
  start: Float32Array;
  /** [K, horizon, N, D] sampled positions, scene units */
  future: Float32Array;
  /** ground truth after "now": [horizon, N, D] and presence [horizon, N] */
  truth: Float32Array;
  truthMask: Uint8Array;
  /** true when at least one active entity has a ground-truth frame */
  hasTruth: boolean;
  timing: RunTiming;
  steps?: RunSteps;
  latents?: RunLatents;
}

/** What the sampler returned for one request (a subset of the engine's SampleResult, so core needs no engine). */
export interface RunSamples {
  K: number;
  N: number;
  D: number;
  horizon: number;
  known: number;
  ids: ArrayLike<number>;
  future: Float32Array;
  backend: string;
  latentsOnGpu: boolean;
  ms: number;
  timing?: { encodeMs: number; flowMs: number; decodeMs: number; totalMs: number };
  steps?: RunSteps;
  latents?: Float32Array;
  T?: number;
  L?: number;
  C?: number;
  windows?: number;
}

/**
 * Ground truth after "now" for the window entities: compact frame nowCompact + 1 + j is future frame j
 * (frames in which nobody is present are not frames of the model, CONTRACT.md clarification 1).
 */
export function groundTruth(scene: Scene, nowCompact: number, entities: number[], horizon: number): { truth: Float32Array; mask: Uint8Array } {
  const { scene: cs } = compactFrames(scene);
  const N = entities.length;
  const D = scene.dim;
  const Ns = scene.entities.length;
  const truth = new Float32Array(horizon * N * D);
  const mask = new Uint8Array(horizon * N);
  for (let j = 0; j < horizon; j++) {
    const f = nowCompact + 1 + j;
    if (f >= cs.frameCount) break;
    for (let n = 0; n < N; n++) {
      const i = entities[n];
      if (!cs.mask[f * Ns + i]) continue;
      mask[j * N + n] = 1;
      for (let d = 0; d < D; d++) truth[(j * N + n) * D + d] = cs.positions[(f * Ns + i) * D + d];
    }
  }
  return { truth, mask };
}

/**
 * Builds the run from the window that was sent and what came back. `settings.windows` must match the
 * horizon; the result's arrays are kept (not copied).
 */
export function buildRun(id: number, scene: Scene, w: SceneSampleWindow, observed: number, modelFuture: number, settings: RunSettings, r: RunSamples, label?: string): Run {
  const { N, D, T } = w.window;
  if (r.N !== N || r.D !== D) throw new Error(`sampler returned N = ${r.N}, D = ${r.D} for a window of N = ${N}, D = ${D}`);
  if (r.future.length !== r.K * r.horizon * N * D) throw new Error(`sampler returned ${r.future.length} values, expected K × horizon × N × D = ${r.K * r.horizon * N * D}`);
  if (r.ids.length !== N) throw new Error(`sampler returned ${r.ids.length} IDs for ${N} entities`);
  const now = observed - 1;
  const first = observed - w.known;
  // CONTRACT.md step 5: every entity seen in a known frame is sampled; its future starts at its last known position.
  const active: number[] = [];
  const start = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    let at = -1;
    for (let f = now; f >= first && at < 0; f--) if (w.window.mask[f * N + n]) at = f;
    if (at < 0) continue;
    active.push(n);
    start.set(w.window.pos.subarray((at * N + n) * D, (at * N + n + 1) * D), n * D);
  }
  const { truth, mask } = groundTruth(scene, w.nowCompact, w.window.entities, r.horizon);
  let hasTruth = false;
  for (let j = 0; j < r.horizon && !hasTruth; j++) for (const n of active) if (mask[j * N + n]) hasTruth = true;
  const knownFrames: number[] = [];
  for (let f = first; f <= now && f < T; f++) if (w.frames[f] >= 0) knownFrames.push(w.frames[f]);
  let latents: RunLatents | undefined;
  if (r.latents && r.L && r.C) {
    const Tw = r.T ?? T;
    const W = Math.round(r.latents.length / (r.K * Tw * r.L * r.C));
    latents = { data: r.latents, W, T: Tw, L: r.L, C: r.C };
  }
  return {
    id,
    label: label ?? `run ${id}`,
    settings,
    sceneName: scene.name,
    dim: scene.dim,
    lengthUnit: scene.lengthUnit,
    frameInterval: scene.frameInterval,
    now: w.nowFrame,
    observed,
    modelFuture,
    known: w.known,
    knownFrames,
    K: r.K,
    N,
    D,
    horizon: r.horizon,
    entities: w.window.entities.slice(),
    ids: Int32Array.from(r.ids),
    active,
    start,
    future: r.future,
    truth,
    truthMask: mask,
    hasTruth,
    timing: {
      ms: r.ms,
      backend: r.backend,
      latentsOnGpu: r.latentsOnGpu,
      ...(r.timing ? { encodeMs: r.timing.encodeMs, flowMs: r.timing.flowMs, decodeMs: r.timing.decodeMs, totalMs: r.timing.totalMs } : {}),
    },
    steps: r.steps,
    latents,
  };
}

/** Position of window entity n in sample k at future frame j (scene units), written into out[0..D). */
export function samplePosition(run: Run, k: number, j: number, n: number, out: number[] = []): number[] {
  const o = ((k * run.horizon + j) * run.N + n) * run.D;
  for (let d = 0; d < run.D; d++) out[d] = run.future[o + d];
  out.length = run.D;
  return out;
}
