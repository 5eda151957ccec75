/**
 * Loads a model folder (manifest, sha256 of every graph, signatures checked against the manifest) and runs it as
 * the sampler's LatentModel. Shapes are bucketed on WebGPU (N and batch rounded up) so a new scene does not
 * compile new shaders; padded entities get mask 0 and an ID no real entity uses, padded batch rows repeat row 0.
 */
import { GRAPH_NAMES, ManifestError, parseManifest, SLOT_GRAPH, type GraphName, type ModelManifest } from '../core/sampler/manifest';
import type { DeviceSolveOptions, LatentModel, ModelDims, SlotGraph } from '../core/sampler/model';
import { dimsFromManifest } from '../core/sampler/rollout';
import { errorMessage, ModelLoadError } from './errors';
import { GpuSolver } from './gpu-solve';
import { readModelInfo } from './onnx-proto';
import { configureOrt, ortInitialised, type ort } from './ort';
import { GraphSession, type Backend, type BackendChoice, type Feed } from './session';
import { sha256Hex, type ByteProgress, type ModelSource } from './source';

export type Bucketing = 'auto' | 'always' | 'never';

export interface LoadOptions {
  backend?: BackendChoice;
  /** 'auto': bucket on WebGPU only (WASM does not compile per shape; padding would only cost time) */
  bucketing?: Bucketing;
  log?: (msg: string) => void;
  /** test hook, see GraphSession */
  failNextGpuRun?: { value: boolean; graph?: string };
  /**
   * Keep the latents on the GPU between flow steps when the approximator runs on WebGPU (default true):
   * x1_pred stays a GPU buffer and the solver's updates run on the device (gpu-solve.ts).
   */
  gpuResident?: boolean;
  /** download progress, one file at a time: the three graphs, then the WASM binary when `wasmBinary` is given */
  onProgress?: (p: FileProgress) => void;
  /**
   * onnxruntime's .wasm binary, read by us (with progress) before the first session when onnxruntime is not
   * initialised yet; ignored afterwards. `file` names it in progress and errors.
   */
  wasmBinary?: { file: string; read: (onProgress: ByteProgress) => Promise<Uint8Array> };
}

export interface FileProgress {
  file: string;
  loaded: number;
  total: number | null;
}

/** Smallest bucket >= n; beyond the largest, the next multiple of the largest. */
export function bucketUp(n: number, buckets: readonly number[]): number {
  for (const b of buckets) if (b >= n) return b;
  const top = buckets[buckets.length - 1];
  return Math.ceil(n / top) * top;
}

/** Batch buckets: powers of two and 1.25 x powers of two (so K = 20 and K = 40 are exact). */
export const BATCH_BUCKETS: readonly number[] = (() => {
  const out = new Set<number>();
  for (let p = 1; p <= 8192; p *= 2) {
    out.add(p);
    if (p >= 4) out.add((p * 5) / 4);
  }
  return [...out].sort((a, b) => a - b);
})();

export function entityBuckets(P: number): number[] {
  return [...new Set([4, 8, 16, 32, 64, 128, 256].filter((b) => b < P).concat(P))].sort((a, b) => a - b);
}

interface Expect {
  type: 'float32' | 'int32';
  /** number: fixed size; null: any (dynamic) */
  shape: (number | null)[];
}

function signatures(m: ModelManifest): Record<GraphName, { inputs: Record<string, Expect>; outputs: Record<string, Expect> }> {
  const { dims: D } = m;
  const { L, C } = m.latent;
  const T = m.frames.window;
  const F = m.features.vocab.length;
  // Contract v2: feats in and feat_logits out exactly when the vocabulary is not empty.
  const feats: Record<string, Expect> = F > 0 ? { feats: { type: 'int32', shape: [null, null] } } : {};
  const featLogits: Record<string, Expect> = F > 0 ? { feat_logits: { type: 'float32', shape: [null, null, F] } } : {};
  return {
    encoder: {
      inputs: { pos: { type: 'float32', shape: [null, null, D] }, ids: { type: 'int32', shape: [null, null] }, mask: { type: 'float32', shape: [null, null] }, ...feats },
      outputs: { latent: { type: 'float32', shape: [null, L, C] } },
    },
    approximator: {
      inputs: {
        x: { type: 'float32', shape: [null, T, L, C] },
        t: { type: 'float32', shape: [null] },
        cond: { type: 'float32', shape: [null, T, L, C] },
        cond_mask: { type: 'int32', shape: [null, T, L] },
      },
      outputs: { x1_pred: { type: 'float32', shape: [null, T, L, C] } },
    },
    decoder: {
      inputs: { latent: { type: 'float32', shape: [null, L, C] }, ids: { type: 'int32', shape: [null, null] } },
      outputs: { pos: { type: 'float32', shape: [null, null, D] }, ...featLogits },
    },
  };
}

/** The slot graph's inputs and outputs (CONTRACT.md, "Slot approximator"): S dynamic, W = D + F. */
function slotSignature(m: ModelManifest): { inputs: Record<string, Expect>; outputs: Record<string, Expect> } {
  const T = m.frames.window;
  const W = m.dims + m.features.vocab.length;
  return {
    inputs: {
      x: { type: 'float32', shape: [null, T, null, W] },
      t: { type: 'float32', shape: [null] },
      cond: { type: 'float32', shape: [null, T, null, W] },
      frame_mask: { type: 'int32', shape: [null, T] },
      occupied: { type: 'float32', shape: [null, null] },
    },
    outputs: { x1_pred: { type: 'float32', shape: [null, T, null, W] } },
  };
}

/** Outputs a graph must not have for this manifest (an extra output is otherwise harmless). */
function forbiddenOutputs(m: ModelManifest): string[] {
  return m.features.vocab.length === 0 ? ['feat_logits'] : [];
}

function fmtShape(s: ReadonlyArray<number | string | null>): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** Compares a session's inputs/outputs with what the manifest implies; returns the problems found. */
export function signatureProblems(
  kind: 'input' | 'output',
  actual: readonly ort.InferenceSession.ValueMetadata[],
  expected: Record<string, Expect>,
  forbidden: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const names = actual.map((a) => a.name);
  const want = Object.keys(expected);
  const missing = want.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !want.includes(n));
  if (missing.length) problems.push(`${kind}s ${missing.map((n) => `"${n}"`).join(', ')} missing (graph has ${names.join(', ') || 'none'})`);
  if (extra.length && kind === 'input') problems.push(`unexpected ${kind}s ${extra.map((n) => `"${n}"`).join(', ')}`);
  const bad = extra.filter((n) => forbidden.includes(n));
  if (bad.length && kind === 'output') problems.push(`unexpected ${kind}s ${bad.map((n) => `"${n}"`).join(', ')} (the manifest's feature vocabulary is empty)`);
  for (const a of actual) {
    const e = expected[a.name];
    if (!e) continue;
    if (!a.isTensor) {
      problems.push(`${kind} "${a.name}" is not a tensor`);
      continue;
    }
    if (a.type !== e.type) problems.push(`${kind} "${a.name}" is ${a.type}, expected ${e.type}`);
    const s = a.shape;
    if (s.length === 0) continue; // shape unknown in the graph: nothing to compare
    const bad = s.length !== e.shape.length || e.shape.some((d, i) => d !== null && typeof s[i] === 'number' && s[i] !== d);
    if (bad) problems.push(`${kind} "${a.name}" has shape ${fmtShape(s)}, the manifest implies ${fmtShape(e.shape)}`);
  }
  return problems;
}

export interface LoadedGraphInfo {
  file: string;
  bytes: number;
  sha256: string;
  backend: Backend;
  fallbackReason?: string;
}

/**
 * Compares each graph's lamslide.* metadata_props with the manifest (contract v2: every graph states its pool
 * and format). Returns the graph files without lamslide.id_pool (allowed for v1 graphs only).
 */
function checkGraphMetadata(m: ModelManifest, manifestFile: string, bytes: Record<GraphName, Uint8Array>, graphs: Record<GraphName, LoadedGraphInfo>): string[] {
  const without: string[] = [];
  for (const g of GRAPH_NAMES) if (!checkOneGraph(m, manifestFile, graphs[g].file, bytes[g], m.version === 2)) without.push(graphs[g].file);
  return without;
}

/** One graph's lamslide.* metadata against the manifest; false when it states no pool (allowed unless `required`). */
function checkOneGraph(m: ModelManifest, manifestFile: string, file: string, bytes: Uint8Array, required: boolean): boolean {
  let meta: Record<string, string>;
  try {
    meta = readModelInfo(bytes).metadata;
  } catch (e) {
    throw new ModelLoadError('corrupt', file, `not an ONNX model (${errorMessage(e)})`);
  }
  const pool = meta['lamslide.id_pool'];
  if (pool === undefined) {
    if (required) throw new ModelLoadError('mismatch', file, `has no metadata lamslide.id_pool (${m.version === 2 ? 'contract v2 requires it' : 'the slot graph requires it'}); the manifest's id_pool is ${m.id_pool}`);
    return false;
  }
  if (!/^\d+$/.test(pool.trim()) || Number(pool) !== m.id_pool) {
    throw new ModelLoadError('mismatch', file, `metadata lamslide.id_pool is "${pool}", but ${manifestFile} says id_pool ${m.id_pool}`);
  }
  const format = meta['lamslide.format'];
  if (format === undefined && required) throw new ModelLoadError('mismatch', file, `has no metadata lamslide.format (${m.version === 2 ? 'contract v2 requires it' : 'the slot graph requires it'}); the manifest's format is ${m.format}`);
  if (format !== undefined && format !== m.format) throw new ModelLoadError('mismatch', file, `metadata lamslide.format is "${format}", but ${manifestFile} says format ${m.format}`);
  return true;
}

export class OnnxModel implements LatentModel {
  readonly dims: ModelDims;
  private readonly nBuckets: number[];

  /** the slot graph, when the model ships one (CONTRACT.md, "Slot approximator"): the sampler then uses it */
  readonly slots?: SlotGraph;

  private constructor(
    readonly manifest: ModelManifest,
    private readonly sessions: Record<GraphName, GraphSession>,
    readonly graphs: Record<GraphName, LoadedGraphInfo>,
    private readonly bucketing: Bucketing,
    private gpuResident: boolean,
    private readonly log?: (msg: string) => void,
    private readonly slotSession?: GraphSession,
    /** the slot graph's file, when loaded */
    readonly slotGraph?: LoadedGraphInfo,
  ) {
    this.dims = dimsFromManifest(manifest);
    this.nBuckets = entityBuckets(manifest.id_pool);
    if (slotSession) {
      this.slots = {
        approximate: (x, t, cond, frameMask, occupied, B, S) => this.approximateSlots(x, t, cond, frameMask, occupied, B, S),
        integrateOnDevice: (noise, cond, frameMask, occupied, B, S, opts) => this.integrateSlotsOnDevice(noise, cond, frameMask, occupied, B, S, opts),
      };
    }
  }

  private allSessions(): [string, GraphSession][] {
    const out: [string, GraphSession][] = GRAPH_NAMES.map((g) => [g, this.sessions[g]]);
    if (this.slotSession) out.push([SLOT_GRAPH, this.slotSession]);
    return out;
  }

  /** The backend every graph currently runs on ('webgpu', 'wasm', or 'mixed' after a partial fallback). */
  get backend(): Backend | 'mixed' {
    const b = new Set(this.allSessions().map(([, s]) => s.backend));
    return b.size === 1 ? [...b][0] : 'mixed';
  }

  get fallbackReasons(): string[] {
    const r = this.allSessions().flatMap(([g, s]) => (s.fallbackReason ? [`${g}: ${s.fallbackReason}`] : []));
    return this.gpuResidentFallback ? [...r, this.gpuResidentFallback] : r;
  }

  static async load(source: ModelSource, opts: LoadOptions = {}): Promise<OnnxModel> {
    const manifestFile = source.describe('manifest.json');
    const raw = await source.read('manifest.json');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(raw));
    } catch (e) {
      throw new ModelLoadError('manifest', manifestFile, `not valid JSON (${errorMessage(e)})`);
    }
    let manifest: ModelManifest;
    try {
      manifest = parseManifest(json, manifestFile);
    } catch (e) {
      if (e instanceof ManifestError) throw new ModelLoadError('manifest', manifestFile, e.message.slice(manifestFile.length + 2));
      throw e;
    }
    // Read and verify all three files before creating any session, so a bad folder fails fast and fully.
    // One file at a time, so download progress reads as one bar per file.
    const bytes = {} as Record<GraphName, Uint8Array>;
    const graphs = {} as Record<GraphName, LoadedGraphInfo>;
    const progress = (file: string): ByteProgress | undefined => (opts.onProgress ? (loaded, total) => opts.onProgress?.({ file, loaded, total }) : undefined);
    for (const g of GRAPH_NAMES) {
      const entry = manifest.files[g];
      const file = source.describe(entry.path);
      const b = await source.read(entry.path, progress(entry.path));
      const h = await sha256Hex(b);
      if (h !== entry.sha256) {
        throw new ModelLoadError('corrupt', file, `corrupt: sha256 is ${h}, the manifest says ${entry.sha256} (${b.length} bytes)`);
      }
      bytes[g] = b;
      graphs[g] = { file, bytes: b.length, sha256: h, backend: 'wasm' };
    }
    let slotBytes: Uint8Array | undefined;
    let slotInfo: LoadedGraphInfo | undefined;
    const slotEntry = manifest.files.slot_approximator;
    if (slotEntry) {
      const file = source.describe(slotEntry.path);
      slotBytes = await source.read(slotEntry.path, progress(slotEntry.path));
      const h = await sha256Hex(slotBytes);
      if (h !== slotEntry.sha256) throw new ModelLoadError('corrupt', file, `corrupt: sha256 is ${h}, the manifest says ${slotEntry.sha256} (${slotBytes.length} bytes)`);
      slotInfo = { file, bytes: slotBytes.length, sha256: h, backend: 'wasm' };
    }
    // The WASM binary last: a broken model folder is reported before a 28 MB download.
    if (opts.wasmBinary && !ortInitialised()) {
      const wasm = await opts.wasmBinary.read(progress(opts.wasmBinary.file) ?? (() => undefined));
      configureOrt({ wasmBinary: wasm, logLevel: 'error' });
    }
    const withoutMetadata = checkGraphMetadata(manifest, manifestFile, bytes, graphs);
    if (slotBytes && slotInfo) checkOneGraph(manifest, manifestFile, slotInfo.file, slotBytes, true);
    const sig = signatures(manifest);
    const sessions = {} as Record<GraphName, GraphSession>;
    let slotSession: GraphSession | undefined;
    try {
      // Sequential: onnxruntime-web initialises its WASM module on the first create.
      for (const g of GRAPH_NAMES) {
        const gpuOutputs = g === 'approximator' && opts.gpuResident !== false;
        const s = await GraphSession.create(g, graphs[g].file, bytes[g], { backend: opts.backend ?? 'auto', log: opts.log, failNextGpuRun: opts.failNextGpuRun, gpuOutputs });
        sessions[g] = s;
        const problems = [...signatureProblems('input', s.inputMetadata, sig[g].inputs), ...signatureProblems('output', s.outputMetadata, sig[g].outputs, forbiddenOutputs(manifest))];
        if (problems.length) throw new ModelLoadError('mismatch', graphs[g].file, `does not match the manifest: ${problems.join('; ')}`);
        graphs[g].backend = s.backend;
        if (s.fallbackReason) graphs[g].fallbackReason = s.fallbackReason;
      }
      if (slotBytes && slotInfo) {
        slotSession = await GraphSession.create(SLOT_GRAPH, slotInfo.file, slotBytes, { backend: opts.backend ?? 'auto', log: opts.log, failNextGpuRun: opts.failNextGpuRun, gpuOutputs: opts.gpuResident !== false });
        const ss = slotSignature(manifest);
        const problems = [...signatureProblems('input', slotSession.inputMetadata, ss.inputs), ...signatureProblems('output', slotSession.outputMetadata, ss.outputs)];
        if (problems.length) throw new ModelLoadError('mismatch', slotInfo.file, `does not match the manifest: ${problems.join('; ')}`);
        slotInfo.backend = slotSession.backend;
        if (slotSession.fallbackReason) slotInfo.fallbackReason = slotSession.fallbackReason;
      }
      const model = new OnnxModel(manifest, sessions, graphs, opts.bucketing ?? 'auto', opts.gpuResident !== false, opts.log, slotSession, slotInfo);
      // Graphs without lamslide.id_pool (v1): the pool is checked against the slot layout and by a probe.
      if (withoutMetadata.length > 0) await OnnxModel.probeOnWasm(model, bytes, manifestFile, withoutMetadata);
      return model;
    } catch (e) {
      await Promise.all([...Object.values(sessions), ...(slotSession ? [slotSession] : [])].map((s) => s.release().catch(() => undefined)));
      throw e;
    }
  }

  /**
   * Runs the pool probe on WASM: it checks the graphs, not the backend, and on WebGPU its one-entity shapes would
   * compile shaders no rollout uses (seconds each on a software adapter). The encoder and decoder are small.
   */
  private static async probeOnWasm(model: OnnxModel, bytes: Record<GraphName, Uint8Array>, manifestFile: string, graphFiles: string[]): Promise<void> {
    if (model.sessions.encoder.backend === 'wasm' && model.sessions.decoder.backend === 'wasm') return model.probePool(manifestFile, graphFiles);
    const made: GraphSession[] = [];
    try {
      const wasm = async (g: 'encoder' | 'decoder') => {
        if (model.sessions[g].backend === 'wasm') return model.sessions[g];
        const s = await GraphSession.create(g, model.graphs[g].file, bytes[g], { backend: 'wasm' });
        made.push(s);
        return s;
      };
      const probe = new OnnxModel(model.manifest, { encoder: await wasm('encoder'), approximator: model.sessions.approximator, decoder: await wasm('decoder') }, model.graphs, 'never', false);
      await probe.probePool(manifestFile, graphFiles);
    } finally {
      await Promise.all(made.map((s) => s.release()));
    }
  }

  /**
   * For graphs that do not state their pool: the slot layout must hold P IDs (P <= L*C/D), and an entity with
   * the highest ID, P - 1, must decode where it was encoded. A manifest claiming more IDs than the graphs' ID
   * table holds would otherwise sample every such entity onto one point.
   */
  private async probePool(manifestFile: string, graphFiles: string[]): Promise<void> {
    const m = this.manifest;
    const { D, L, C } = this.dims;
    const P = m.id_pool;
    const why = graphFiles.length === GRAPH_NAMES.length ? 'the graphs carry no lamslide.id_pool metadata' : `${graphFiles.join(', ')} carry no lamslide.id_pool metadata`;
    if (m.first_stage.layout === 'slots' && P * D > L * C) {
      throw new ModelLoadError('mismatch', manifestFile, `id_pool is ${P}, but the slot layout of latent ${L} x ${C} holds ${Math.floor((L * C) / D)} IDs of ${D} coordinates (${why})`);
    }
    const at = Float32Array.from([0.5, -0.25, 0.125].slice(0, D));
    const id = Int32Array.of(P - 1);
    const feats = m.features.vocab.length > 0 ? Int32Array.of(0) : undefined;
    let back: Float32Array | undefined;
    let failure = '';
    try {
      back = await this.decode(await this.encode(at, id, Float32Array.of(1), 1, 1, feats), id, 1, 1);
    } catch (e) {
      failure = errorMessage(e);
    }
    const fmt = (v: ArrayLike<number>) => `(${Array.from(v, (x) => Number(x.toPrecision(4))).join(', ')})`;
    const err = back ? Math.max(...Array.from(at, (v, d) => Math.abs(v - back![d]))) : Infinity;
    // 1e-3 of the normalised scale: the binding codes decode exactly (~1e-7); a missing ID row gives 0 or garbage.
    if (!(err <= 1e-3)) {
      const got = back ? `decodes at ${fmt(back)}` : `fails in the graphs (${failure})`;
      throw new ModelLoadError('mismatch', manifestFile, `id_pool is ${P}, but the graphs do not hold ID ${P - 1}: an entity encoded at ${fmt(at)} with that ID ${got} (${why})`);
    }
  }

  private bucketOn(g: GraphName | typeof SLOT_GRAPH): boolean {
    const s = g === SLOT_GRAPH ? this.slotSession : this.sessions[g];
    return this.bucketing === 'always' || (this.bucketing === 'auto' && s?.backend === 'webgpu');
  }

  /**
   * [B,T,S,W] / [B,S] / [B,T] arrays of the slot graph padded to [Bp,T,Sp,W]: new slots 0 (unoccupied, zero
   * conditioning: they come out 0), new batch rows copy row 0.
   */
  private static padSlots<A extends Float32Array | Int32Array>(a: A, B: number, outer: number, S: number, inner: number, Bp: number, Sp: number): A {
    if (B === Bp && S === Sp) return a;
    const out = new (a.constructor as { new (n: number): A })(Bp * outer * Sp * inner);
    for (let b = 0; b < Bp; b++) {
      const src = b < B ? b : 0;
      for (let o = 0; o < outer; o++) out.set(a.subarray(((src * outer + o) * S) * inner, ((src * outer + o) * S + S) * inner), ((b * outer + o) * Sp) * inner);
    }
    return out;
  }

  /** [Bp,T,Sp,W] -> [B,T,S,W] */
  private static unpadSlots(a: Float32Array, B: number, T: number, S: number, W: number, Sp: number): Float32Array {
    if (S === Sp && a.length === B * T * S * W) return a;
    const out = new Float32Array(B * T * S * W);
    for (let bt = 0; bt < B * T; bt++) out.set(a.subarray(bt * Sp * W, (bt * Sp + S) * W), bt * S * W);
    return out;
  }

  private slotFeeds(cond: Float32Array, frameMask: Int32Array, occupied: Float32Array, B: number, S: number): { feeds: Record<string, Feed>; Bp: number; Sp: number; T: number; W: number } {
    const T = this.manifest.frames.window;
    const W = this.dims.slotWidth!;
    const [Bp, Sp] = this.shapes(SLOT_GRAPH, B, S);
    const feeds: Record<string, Feed> = {
      cond: { type: 'float32', data: OnnxModel.padSlots(cond, B, T, S, W, Bp, Sp), dims: [Bp, T, Sp, W] },
      frame_mask: { type: 'int32', data: OnnxModel.padSlots(frameMask, B, T, 1, 1, Bp, 1), dims: [Bp, T] },
      occupied: { type: 'float32', data: OnnxModel.padSlots(occupied, B, 1, S, 1, Bp, Sp), dims: [Bp, Sp] },
    };
    return { feeds, Bp, Sp, T, W };
  }

  private async approximateSlots(x: Float32Array, t: Float32Array, cond: Float32Array, frameMask: Int32Array, occupied: Float32Array, B: number, S: number): Promise<Float32Array> {
    const { feeds, Bp, Sp, T, W } = this.slotFeeds(cond, frameMask, occupied, B, S);
    feeds.x = { type: 'float32', data: OnnxModel.padSlots(x, B, T, S, W, Bp, Sp), dims: [Bp, T, Sp, W] };
    feeds.t = { type: 'float32', data: OnnxModel.padSlots(t, B, 1, 1, 1, Bp, 1), dims: [Bp] };
    const out = await this.slotSession!.run(feeds);
    return OnnxModel.unpadSlots(out.x1_pred.subarray(0, B * T * Sp * W), B, T, S, W, Sp);
  }

  private async integrateSlotsOnDevice(noise: Float32Array, cond: Float32Array, frameMask: Int32Array, occupied: Float32Array, B: number, S: number, opts: DeviceSolveOptions): Promise<Float32Array | null> {
    this.lastIntegrationOnDevice = false;
    const session = this.slotSession!;
    if (!this.gpuResident || session.backend !== 'webgpu') return null;
    const { feeds, Bp, Sp, T, W } = this.slotFeeds(cond, frameMask, occupied, B, S);
    const x = await this.solveOnDevice(session, OnnxModel.padSlots(noise, B, T, S, W, Bp, Sp), [Bp, T, Sp, W], feeds, opts);
    return x && OnnxModel.unpadSlots(x.subarray(0, B * T * Sp * W), B, T, S, W, Sp);
  }

  /**
   * The GPU-resident solve of either approximator graph (padded arrays); null after a failure, from which on the
   * CPU integrates (the session itself falls back to WASM if WebGPU is broken for it too).
   */
  private async solveOnDevice(session: GraphSession, noise: Float32Array, dims: number[], feeds: Record<string, Feed>, opts: DeviceSolveOptions): Promise<Float32Array | null> {
    try {
      this.gpuSolver ??= GpuSolver.create();
      const x = await (await this.gpuSolver).integrate(session, noise, dims, feeds, opts);
      this.lastIntegrationOnDevice = true;
      return x;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      this.gpuResident = false;
      this.gpuResidentFallback = `GPU-resident solve failed: ${errorMessage(e)}`;
      this.log?.(`${this.gpuResidentFallback}; integrating on the CPU`);
      return null;
    }
  }

  /** Pads [B, N, ...] row-major arrays to [Bp, Np, ...]: new entities are `fill`, new rows copy row 0. */
  private static pad<A extends Float32Array | Int32Array>(a: A, B: number, N: number, inner: number, Bp: number, Np: number, fill: (b: number, n: number, out: A, at: number) => void): A {
    if (B === Bp && N === Np) return a;
    const out = new (a.constructor as { new (n: number): A })(Bp * Np * inner);
    for (let b = 0; b < Bp; b++) {
      const src = b < B ? b : 0;
      for (let n = 0; n < N; n++) out.set(a.subarray((src * N + n) * inner, (src * N + n + 1) * inner), (b * Np + n) * inner);
      for (let n = N; n < Np; n++) fill(src, n, out, (b * Np + n) * inner);
    }
    return out;
  }

  /** IDs for padded entities: per row, the smallest pool IDs the row does not use. */
  private padIds(ids: Int32Array, B: number, N: number, Bp: number, Np: number): Int32Array {
    if (B === Bp && N === Np) return ids;
    const P = this.manifest.id_pool;
    const spare: number[][] = [];
    for (let b = 0; b < B; b++) {
      const used = new Uint8Array(P);
      for (let n = 0; n < N; n++) used[ids[b * N + n]] = 1;
      const free: number[] = [];
      for (let i = 0; i < P && free.length < Np - N; i++) if (!used[i]) free.push(i);
      spare.push(free);
    }
    return OnnxModel.pad(ids, B, N, 1, Bp, Np, (src, n, out, at) => {
      out[at] = spare[src][n - N] ?? 0;
    });
  }

  private shapes(g: GraphName | typeof SLOT_GRAPH, B: number, N: number): [number, number] {
    if (!this.bucketOn(g)) return [B, N];
    return [bucketUp(B, BATCH_BUCKETS), Math.min(bucketUp(N, this.nBuckets), Math.max(N, this.manifest.id_pool))];
  }

  private static rows(a: Float32Array, B: number, Bp: number, N: number, Np: number, inner: number): Float32Array {
    if (B === Bp && N === Np) return a;
    const out = new Float32Array(B * N * inner);
    for (let b = 0; b < B; b++) out.set(a.subarray(b * Np * inner, (b * Np + N) * inner), b * N * inner);
    return out;
  }

  async encode(pos: Float32Array, ids: Int32Array, mask: Float32Array, B: number, N: number, feats?: Int32Array): Promise<Float32Array> {
    const { D, L, C } = this.dims;
    const F = this.manifest.features.vocab.length;
    if (F > 0 && (!feats || feats.length !== B * N)) throw new Error(`${this.manifest.name}: the encoder takes feats [${B},${N}] (vocabulary of ${F}), got ${feats ? feats.length : 'none'}`);
    if (F === 0 && feats && feats.length > 0) throw new Error(`${this.manifest.name}: the model has no feature vocabulary, but feats were given`);
    const [Bp, Np] = this.shapes('encoder', B, N);
    const feeds: Record<string, Feed> = {
      pos: { type: 'float32', data: OnnxModel.pad(pos, B, N, D, Bp, Np, () => undefined), dims: [Bp, Np, D] },
      ids: { type: 'int32', data: this.padIds(ids, B, N, Bp, Np), dims: [Bp, Np] },
      mask: { type: 'float32', data: OnnxModel.pad(mask, B, N, 1, Bp, Np, () => undefined), dims: [Bp, Np] },
    };
    // Padded entities get feature index 0 (CONTRACT.md v2, "Entity features"): new Int32Array is 0.
    if (F > 0 && feats) feeds.feats = { type: 'int32', data: OnnxModel.pad(feats, B, N, 1, Bp, Np, () => undefined), dims: [Bp, Np] };
    const out = await this.sessions.encoder.run(feeds);
    return OnnxModel.rows(out.latent, B, Bp, 1, 1, L * C);
  }

  async approximate(x: Float32Array, t: Float32Array, cond: Float32Array, condMask: Int32Array, B: number): Promise<Float32Array> {
    const { L, C } = this.dims;
    const T = this.manifest.frames.window;
    const [Bp] = this.shapes('approximator', B, 1);
    const TLC = T * L * C;
    const feeds: Record<string, Feed> = {
      x: { type: 'float32', data: OnnxModel.pad(x, B, 1, TLC, Bp, 1, () => undefined), dims: [Bp, T, L, C] },
      t: { type: 'float32', data: OnnxModel.pad(t, B, 1, 1, Bp, 1, () => undefined), dims: [Bp] },
      cond: { type: 'float32', data: OnnxModel.pad(cond, B, 1, TLC, Bp, 1, () => undefined), dims: [Bp, T, L, C] },
      cond_mask: { type: 'int32', data: OnnxModel.pad(condMask, B, 1, T * L, Bp, 1, () => undefined), dims: [Bp, T, L] },
    };
    const out = await this.sessions.approximator.run(feeds);
    return OnnxModel.rows(out.x1_pred, B, Bp, 1, 1, TLC);
  }

  async decode(latent: Float32Array, ids: Int32Array, B: number, N: number): Promise<Float32Array> {
    return (await this.decodeWithFeatures(latent, ids, B, N)).pos;
  }

  /**
   * The decoder's outputs: positions [B,N,D] (normalised) and, for a model with a vocabulary, feat_logits
   * [B,N,F] (for reconstruction checks; sampling needs only the positions).
   */
  async decodeWithFeatures(latent: Float32Array, ids: Int32Array, B: number, N: number): Promise<{ pos: Float32Array; featLogits?: Float32Array }> {
    const { D, L, C } = this.dims;
    const F = this.manifest.features.vocab.length;
    const [Bp, Np] = this.shapes('decoder', B, N);
    const feeds: Record<string, Feed> = {
      latent: { type: 'float32', data: OnnxModel.pad(latent, B, 1, L * C, Bp, 1, () => undefined), dims: [Bp, L, C] },
      ids: { type: 'int32', data: this.padIds(ids, B, N, Bp, Np), dims: [Bp, Np] },
    };
    const out = await this.sessions.decoder.run(feeds);
    const pos = OnnxModel.rows(out.pos, B, Bp, N, Np, D);
    return F > 0 && out.feat_logits ? { pos, featLogits: OnnxModel.rows(out.feat_logits, B, Bp, N, Np, F) } : { pos };
  }

  /** Why the GPU-resident solve is not used (after a failure), if it was wanted. */
  gpuResidentFallback: string | undefined;
  /** Flow steps of the last integration ran with the latents on the GPU. */
  lastIntegrationOnDevice = false;
  private gpuSolver: Promise<GpuSolver> | undefined;

  async integrateOnDevice(noise: Float32Array, cond: Float32Array, condMask: Int32Array, B: number, opts: DeviceSolveOptions): Promise<Float32Array | null> {
    this.lastIntegrationOnDevice = false;
    const approx = this.sessions.approximator;
    if (!this.gpuResident || approx.backend !== 'webgpu') return null;
    const { L, C } = this.dims;
    const T = this.manifest.frames.window;
    const TLC = T * L * C;
    const [Bp] = this.shapes('approximator', B, 1);
    const x = await this.solveOnDevice(approx, OnnxModel.pad(noise, B, 1, TLC, Bp, 1, () => undefined), [Bp, T, L, C], {
      cond: { type: 'float32', data: OnnxModel.pad(cond, B, 1, TLC, Bp, 1, () => undefined), dims: [Bp, T, L, C] },
      cond_mask: { type: 'int32', data: OnnxModel.pad(condMask, B, 1, T * L, Bp, 1, () => undefined), dims: [Bp, T, L] },
    }, opts);
    return x && OnnxModel.rows(x, B, Bp, 1, 1, TLC);
  }

  async release(): Promise<void> {
    await Promise.all(this.allSessions().map(([, s]) => s.release()));
    if (this.gpuSolver) await (await this.gpuSolver.catch(() => undefined))?.release();
  }
}
