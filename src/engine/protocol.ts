/**
 * The typed message protocol between the page and the sampling worker (src/engine/worker.ts).
 * Requests carry an `id`; every response names the request it answers. Large arrays travel as transferables.
 */
import type { ModelManifest } from '../core/sampler/manifest';
import type { SolverName } from '../core/sampler/solvers';
import type { Backend, BackendChoice } from './session';

export interface LoadRequest {
  type: 'load';
  id: number;
  /** URL of the model folder (ends with the folder name, e.g. "/models/ped-dev/") */
  modelUrl: string;
  backend?: BackendChoice;
  /** URL prefix of onnxruntime-web's .wasm/.mjs files, when not next to the bundle */
  wasmPaths?: string;
  numThreads?: number;
  /**
   * URL of onnxruntime-web's .wasm binary (the build matching the bundle in use). When given and onnxruntime is
   * not initialised yet, the worker downloads it itself, reporting 'load-progress', and hands the bytes to
   * onnxruntime (env.wasm.wasmBinary). The worker in the page sets it by default.
   */
  wasmUrl?: string;
}

/** One window of history in scene units, as the sampler takes it (see core/sampler/rollout.ts). */
export interface SampleRequest {
  type: 'sample';
  id: number;
  T: number;
  N: number;
  D: number;
  /** [T,N,D] */
  pos: Float32Array;
  /** [T,N] */
  mask: Float32Array;
  K: number;
  nfe: number;
  solver: SolverName;
  seed: number;
  known?: number;
  horizon?: number;
  ids?: number[];
  /**
   * IDs of a window above the ID pool, which a pedestrian model samples in spatial tiles (ids then absent): per
   * tile seeded random from idSeed (default: from the noise seed) or 0..n-1 per tile
   */
  idMode?: 'random' | 'sequential';
  idSeed?: number;
  /** [N] feature indices (contract v2; required when the model has a vocabulary) */
  feats?: Int32Array;
  /** record the decoded prediction at every network evaluation of window 0 (SampleResult.steps) */
  keepSteps?: boolean;
  /** return x_S of every window (SampleResult.latents) */
  keepLatents?: boolean;
}

/** Runs several NFE/solver settings with the same seed, IDs and window, in one queue. */
export interface CompareRequest {
  type: 'compare';
  id: number;
  base: Omit<SampleRequest, 'type' | 'id' | 'nfe' | 'solver'>;
  settings: { nfe: number; solver: SolverName }[];
  /** one untimed rollout first (NFE 1, same K and shapes), so shader compilation / first-run costs are not in ms */
  warmup: boolean;
}

export interface CancelRequest {
  type: 'cancel';
  id: number;
  /** the request to cancel */
  target: number;
}

export type WorkerRequest = LoadRequest | SampleRequest | CompareRequest | CancelRequest;

export interface LoadedResponse {
  type: 'loaded';
  id: number;
  manifest: ModelManifest;
  backend: Backend | 'mixed';
  fallbackReasons: string[];
  ms: number;
}

export interface ProgressResponse {
  type: 'progress';
  id: number;
  window: number;
  windows: number;
  step: number;
  steps: number;
}

export interface SampleResult {
  K: number;
  N: number;
  D: number;
  horizon: number;
  known: number;
  ids: Int32Array;
  /** [K, horizon, N, D] scene units */
  future: Float32Array;
  backend: Backend | 'mixed';
  /** the flow steps kept the latents on the GPU (WebGPU) */
  latentsOnGpu: boolean;
  /** wall time of this run (ms; queue waiting and a compare's warm-up excluded) */
  ms: number;
  /** the settings this result was sampled with (a compare's results follow its settings) */
  nfe: number;
  solver: SolverName;
  /** window length T and latent shape, so the UI can lay out `latents` */
  T: number;
  L: number;
  C: number;
  /** windows run (chained when horizon > future) */
  windows: number;
  /** spatial tiles sampled (1 unless the window holds more entities than the ID pool) */
  tiles?: number;
  /** with keepSteps: flow time of each network evaluation of window 0, and [S, K, T, N, D] decoded predictions */
  steps?: { t: number[]; pos: Float32Array };
  /** with keepLatents: [windows, K, T, L, C] */
  latents?: Float32Array;
  timing: { encodeMs: number; flowMs: number; decodeMs: number; totalMs: number };
}

export interface ResultResponse extends SampleResult {
  type: 'result';
  id: number;
}

export interface CompareProgressResponse {
  type: 'compare-progress';
  id: number;
  /** index of the setting running now, and how many */
  setting: number;
  settings: number;
  /** network evaluations done / in all, across every setting (the warm-up excluded) */
  evaluations: number;
  totalEvaluations: number;
}

export interface CompareResultResponse {
  type: 'compare-result';
  id: number;
  results: SampleResult[];
  warmupMs: number;
}

/** model download progress while a 'load' runs: one file at a time (graphs, and the onnxruntime WASM binary) */
export interface LoadProgressResponse {
  type: 'load-progress';
  id: number;
  file: string;
  loaded: number;
  /** null when the server does not say (no Content-Length) */
  total: number | null;
}

export interface ErrorResponse {
  type: 'error';
  id: number;
  name: string;
  message: string;
  /** the file at fault, for model loading errors */
  file?: string;
}

export interface CancelledResponse {
  type: 'cancelled';
  id: number;
}

export type WorkerResponse =
  | LoadedResponse
  | LoadProgressResponse
  | ProgressResponse
  | ResultResponse
  | CompareProgressResponse
  | CompareResultResponse
  | ErrorResponse
  | CancelledResponse;
