import type { SolveOptions } from './solvers';

/**
 * What the sampler needs from a model: the three graphs of CONTRACT.md as plain-array functions.
 * The engine implements it with onnxruntime-web; tests implement it with closed-form stand-ins.
 * All arrays are row-major float32 / int32 in the graphs' layouts.
 */
export interface LatentModel extends Partial<DeviceIntegrator> {
  /** the optional slot graph (CONTRACT.md, "Slot approximator"); the sampler uses it when present */
  slots?: SlotGraph;
  /**
   * pos [B,N,D] normalised, ids [B,N], mask [B,N], feats [B,N] (contract v2: feature indices into the manifest's
   * vocabulary; given exactly when the model has one) -> latent [B,L,C]
   */
  encode(pos: Float32Array, ids: Int32Array, mask: Float32Array, B: number, N: number, feats?: Int32Array): Promise<Float32Array>;
  /** x [B,T,L,C], t [B], cond [B,T,L,C], condMask [B,T,L] -> x1_pred [B,T,L,C] */
  approximate(x: Float32Array, t: Float32Array, cond: Float32Array, condMask: Int32Array, B: number): Promise<Float32Array>;
  /** latent [B,L,C], ids [B,N] -> pos [B,N,D] normalised */
  decode(latent: Float32Array, ids: Int32Array, B: number, N: number): Promise<Float32Array>;
}

/** Options of a device-side integration (see LatentModel.integrateOnDevice): the CPU solver's, same schedule. */
export type DeviceSolveOptions = SolveOptions;

/**
 * Optional: a model that can keep the latents on its device between flow steps runs the whole solve there
 * (same schedule: core/sampler/solvers.ts solveWith). Returns x_S [B,T,L,C], or null when it cannot (then the
 * sampler integrates on the CPU with `approximate`).
 */
export interface DeviceIntegrator {
  integrateOnDevice(noise: Float32Array, cond: Float32Array, condMask: Int32Array, B: number, opts: DeviceSolveOptions): Promise<Float32Array | null>;
}

/**
 * The approximator on gathered slots: x and cond [B,T,S,W] (W = ModelDims.slotWidth), frameMask [B,T] (1 on the
 * known frames), occupied [B,S] (1 where the slot holds an entity of the scene) -> x1_pred [B,T,S,W].
 */
export interface SlotGraph {
  approximate(x: Float32Array, t: Float32Array, cond: Float32Array, frameMask: Int32Array, occupied: Float32Array, B: number, S: number): Promise<Float32Array>;
  /** as DeviceIntegrator.integrateOnDevice, on gathered slots; returns x_S [B,T,S,W] or null */
  integrateOnDevice?(noise: Float32Array, cond: Float32Array, frameMask: Int32Array, occupied: Float32Array, B: number, S: number, opts: DeviceSolveOptions): Promise<Float32Array | null>;
}

/** The dimensions a sampler needs, normally taken from the manifest. */
export interface ModelDims {
  D: number;
  L: number;
  C: number;
  P: number;
  observed: number;
  future: number;
  minObserved: number;
  scale: number;
  t0: number;
  t1: number;
  /** size of the feature vocabulary (contract v2); 0 or absent: the model takes no features */
  F?: number;
  /** slot layouts: the W = D + F latent coordinates each ID owns (ID i: [i*W, (i+1)*W) of a frame); absent: shared */
  slotWidth?: number;
}
