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
}

export interface CancelRequest {
  type: 'cancel';
  id: number;
  /** the request to cancel */
  target: number;
}

export type WorkerRequest = LoadRequest | SampleRequest | CancelRequest;

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
  ms: number;
}

export interface ResultResponse extends SampleResult {
  type: 'result';
  id: number;
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

export type WorkerResponse = LoadedResponse | ProgressResponse | ResultResponse | ErrorResponse | CancelledResponse;
