/**
 * Tiny model folders that satisfy CONTRACT.md's signatures, built in memory with the engine's own protobuf
 * writer (no Python on the test path):
 * - `tinyGraphs` / `writeTinyModel`: the 2-D v1 model. Numbers are arbitrary but deterministic; the graphs use
 *   masks and IDs the way real ones do, so padding mistakes change the output. Its first stage does not
 *   reconstruct, so its graphs state their pool (lamslide.id_pool metadata) instead of passing the loader's probe.
 * - `slotGraphs`: a v1 binding code with one-hot slots and no metadata, like the shipped pedestrian models
 *   (decode(encode(x)) == x), for the loader's pool checks.
 * - `tinyMoleculeGraphs` / `writeTinyMoleculeModel`: a 3-D v2 molecule model with an element vocabulary (feats in,
 *   feat_logits out), a slot binding code that also stores each entity's element, and an approximator that stays
 *   close to the conditioning (futures near the known frames, so a page can play them back); with fixtures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rollout } from '../../../src/core/sampler/rollout';
import { OnnxModel } from '../../../src/engine/model';
import { FileModelSource } from '../../../src/engine/node-source';
import { buildOnnx, ONNX_FLOAT, ONNX_INT32 } from '../../../src/engine/onnx-proto';
import { sha256Hex } from '../../../src/engine/source';
import { mulberry32 } from '../../../src/core/rng';

export interface TinyDims {
  D: number;
  L: number;
  C: number;
  P: number;
  observed: number;
  future: number;
}
export const tinyDims: TinyDims = { D: 2, L: 2, C: 4, P: 12, observed: 3, future: 4 };

function rand(n: number, seed: number, s = 0.5): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * s);
}

const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));

export type Graphs = Record<'encoder' | 'approximator' | 'decoder', Uint8Array>;

const metadataOf = (format: string, P: number): Record<string, string> => ({ 'lamslide.format': format, 'lamslide.id_pool': String(P) });

/** The approximator of the tiny models (dims C and T from `d`); `nearCond`: predicts cond plus a small term. */
function tinyApproximator(d: { L: number; C: number; observed: number; future: number }, meta: Record<string, string> | undefined, nearCond = false): Uint8Array {
  const { L, C } = d;
  const T = d.observed + d.future;
  return buildOnnx({
    metadata: meta,
    inputs: [
      { name: 'x', elemType: ONNX_FLOAT, shape: ['B', T, L, C] },
      { name: 't', elemType: ONNX_FLOAT, shape: ['B'] },
      { name: 'cond', elemType: ONNX_FLOAT, shape: ['B', T, L, C] },
      { name: 'cond_mask', elemType: ONNX_INT32, shape: ['B', T, L] },
    ],
    outputs: [{ name: 'x1_pred', elemType: ONNX_FLOAT, shape: ['B', T, L, C] }],
    initializers: [
      { name: 'Wx', dims: [C, C], data: rand(C * C, 3) },
      { name: 'Wc', dims: [C, C], data: rand(C * C, 4, 1) },
      { name: 'Wt', dims: [1, C], data: rand(C, 5) },
      { name: 'ax_t', dims: [3], data: i64([1, 2, 3]) },
      { name: 'ax_m', dims: [1], data: i64([-1]) },
      { name: 'mix', dims: [T, T], data: rand(T * T, 6, 0.3) },
      ...(nearCond ? [{ name: 'small', dims: [1], data: Float32Array.of(0.05) }] : []),
    ],
    nodes: [
      { opType: 'MatMul', inputs: ['x', 'Wx'], outputs: ['a'] },
      { opType: 'MatMul', inputs: ['cond', 'Wc'], outputs: ['b'] },
      { opType: 'Cast', inputs: ['cond_mask'], outputs: ['cmf'], attrs: { to: ONNX_FLOAT } },
      { opType: 'Unsqueeze', inputs: ['cmf', 'ax_m'], outputs: ['cm4'] },
      { opType: 'Mul', inputs: ['b', 'cm4'], outputs: ['bm'] },
      { opType: 'Unsqueeze', inputs: ['t', 'ax_t'], outputs: ['t4'] }, // [B,1,1,1]
      { opType: 'Mul', inputs: ['t4', 'Wt'], outputs: ['tc'] }, // [B,1,1,C]
      { opType: 'Add', inputs: ['a', 'bm'], outputs: ['ab'] },
      { opType: 'Add', inputs: ['ab', 'tc'], outputs: ['abt'] },
      // temporal mixing across frames: [B,L,C,T] x [T,T]
      { opType: 'Transpose', inputs: ['abt'], outputs: ['tr'], attrs: { perm: [0, 2, 3, 1] } },
      { opType: 'MatMul', inputs: ['tr', 'mix'], outputs: ['trm'] },
      { opType: 'Transpose', inputs: ['trm'], outputs: ['back'], attrs: { perm: [0, 3, 1, 2] } },
      ...(nearCond
        ? [
            // x1_pred = cond + 0.05 tanh(...): samples stay near the conditioning
            { opType: 'Tanh', inputs: ['back'], outputs: ['th'] },
            { opType: 'Mul', inputs: ['th', 'small'], outputs: ['ths'] },
            { opType: 'Add', inputs: ['ths', 'cond'], outputs: ['x1_pred'] },
          ]
        : [
            { opType: 'Add', inputs: ['back', 'b'], outputs: ['pre'] },
            { opType: 'Tanh', inputs: ['pre'], outputs: ['x1_pred'] },
          ]),
    ],
  });
}

/** The 2-D v1 model's graphs; `metadata` null: without lamslide.* metadata (then the loader's probe rejects them). */
export function tinyGraphs(d: TinyDims = tinyDims, metadata: Record<string, string> | null = metadataOf('lamslide-model/1', d.P)): Graphs {
  const { D, L, C, P } = d;
  const LC = L * C;
  const meta = metadata ?? undefined;
  const encoder = buildOnnx({
    metadata: meta,
    inputs: [
      { name: 'pos', elemType: ONNX_FLOAT, shape: ['B', 'N', D] },
      { name: 'ids', elemType: ONNX_INT32, shape: ['B', 'N'] },
      { name: 'mask', elemType: ONNX_FLOAT, shape: ['B', 'N'] },
    ],
    outputs: [{ name: 'latent', elemType: ONNX_FLOAT, shape: ['B', L, C] }],
    initializers: [
      { name: 'Wp', dims: [D, LC], data: rand(D * LC, 1, 1) },
      { name: 'E', dims: [P, LC], data: rand(P * LC, 2) },
      { name: 'ax_last', dims: [1], data: i64([-1]) },
      { name: 'ax1', dims: [1], data: i64([1]) },
      { name: 'shp', dims: [3], data: i64([-1, L, C]) },
    ],
    nodes: [
      { opType: 'MatMul', inputs: ['pos', 'Wp'], outputs: ['hp'] }, // [B,N,LC]
      { opType: 'Gather', inputs: ['E', 'ids'], outputs: ['he'], attrs: { axis: 0 } }, // [B,N,LC]
      { opType: 'Add', inputs: ['hp', 'he'], outputs: ['h0'] },
      { opType: 'Tanh', inputs: ['h0'], outputs: ['h'] },
      { opType: 'Unsqueeze', inputs: ['mask', 'ax_last'], outputs: ['m3'] }, // [B,N,1]
      { opType: 'Mul', inputs: ['h', 'm3'], outputs: ['hm'] },
      { opType: 'ReduceSum', inputs: ['hm', 'ax1'], outputs: ['s'], attrs: { keepdims: 0 } }, // [B,LC]
      { opType: 'ReduceSum', inputs: ['m3', 'ax1'], outputs: ['cnt'], attrs: { keepdims: 0 } }, // [B,1]
      { opType: 'Div', inputs: ['s', 'cnt'], outputs: ['mean'] },
      { opType: 'Reshape', inputs: ['mean', 'shp'], outputs: ['latent'] },
    ],
  });
  const approximator = tinyApproximator(d, meta);
  const decoder = buildOnnx({
    metadata: meta,
    inputs: [
      { name: 'latent', elemType: ONNX_FLOAT, shape: ['B', L, C] },
      { name: 'ids', elemType: ONNX_INT32, shape: ['B', 'N'] },
    ],
    outputs: [{ name: 'pos', elemType: ONNX_FLOAT, shape: ['B', 'N', D] }],
    initializers: [
      { name: 'shp', dims: [3], data: i64([-1, 1, LC]) },
      { name: 'Q', dims: [P, LC], data: rand(P * LC, 7) },
      { name: 'Wo', dims: [LC, D], data: rand(LC * D, 8) },
    ],
    nodes: [
      { opType: 'Reshape', inputs: ['latent', 'shp'], outputs: ['z'] }, // [B,1,LC]
      { opType: 'Gather', inputs: ['Q', 'ids'], outputs: ['q'], attrs: { axis: 0 } }, // [B,N,LC]
      { opType: 'Mul', inputs: ['q', 'z'], outputs: ['qz'] },
      { opType: 'Add', inputs: ['qz', 'z'], outputs: ['h'] },
      { opType: 'MatMul', inputs: ['h', 'Wo'], outputs: ['pos'] },
    ],
  });
  return { encoder, approximator, decoder };
}

/** `files` of a manifest for graphs written as <name>.onnx, with their sha256. */
async function graphFiles(graphs: Record<string, Uint8Array>): Promise<Record<string, unknown>> {
  const files: Record<string, unknown> = {};
  for (const [k, b] of Object.entries(graphs)) files[k] = { path: `${k}.onnx`, sha256: await sha256Hex(b) };
  return files;
}

/** The fields the two test manifests share (window, interpolant, sampler). */
function sharedFields(d: { observed: number; future: number }): Record<string, unknown> {
  return {
    frames: { observed: d.observed, future: d.future, window: d.observed + d.future, min_observed: 1 },
    interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
    sampler: { default_nfe: 4, default_solver: 'ddim', solvers: ['euler', 'heun', 'ddim'] },
  };
}

export async function tinyManifest(graphs: Record<string, Uint8Array>, d: TinyDims = tinyDims, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const files = await graphFiles(graphs);
  return {
    format: 'lamslide-model/1',
    name: 'tiny',
    domain: 'pedestrian',
    dims: d.D,
    id_pool: d.P,
    latent: { L: d.L, C: d.C },
    ...sharedFields(d),
    frame_interval: { value: 0.4, unit: 's' },
    length_unit: 'm',
    normalization: { center: 'last_observed_centroid', scale: 4.0 },
    features: { vocab: [] },
    files,
    ...overrides,
  };
}

/**
 * Writes the tiny model folder into `dir` and returns its manifest; `overrides` replace manifest fields (a v2
 * format with another domain and units, for example: the graphs then carry that format in their metadata).
 */
export async function writeTinyModel(dir: string, d: TinyDims = tinyDims, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  await mkdir(dir, { recursive: true });
  const graphs = tinyGraphs(d, metadataOf(typeof overrides.format === 'string' ? overrides.format : 'lamslide-model/1', d.P));
  for (const [k, b] of Object.entries(graphs)) await writeFile(join(dir, `${k}.onnx`), b);
  const manifest = await tinyManifest(graphs, d, overrides);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

// ---------- slot binding codes (exact first stage) ----------

export interface SlotDims {
  D: number;
  L: number;
  C: number;
  /** IDs the graphs' tables hold (the loader's probe checks the manifest's id_pool against it) */
  P: number;
  /** feature vocabulary size (0: no feats input, no feat_logits output) */
  F: number;
  observed: number;
  future: number;
}

/**
 * Encoder/decoder of an exact binding code: ID i owns latent coordinates [i*D, (i+1)*D) (its position) and, with
 * a vocabulary, coordinates P*D + i*F + f (1 for its feature f). The decoder reads an ID's slot back and turns
 * its feature block into logits (10 v - 5). Gather fails for IDs >= P, as an ID table of P rows does.
 */
function slotFirstStage(d: SlotDims, meta: Record<string, string> | undefined): Pick<Graphs, 'encoder' | 'decoder'> {
  const { D, L, C, P, F } = d;
  const LC = L * C;
  if (P * (D + F) > LC) throw new Error(`slot code: ${P} IDs x (${D} + ${F}) coordinates do not fit L x C = ${LC}`);
  const tPos = new Float32Array(P * D * LC);
  for (let i = 0; i < P; i++) for (let k = 0; k < D; k++) tPos[(i * D + k) * LC + i * D + k] = 1;
  const tFeatIn = new Float32Array(P * F * LC);
  const tFeatOut = new Float32Array(P * F * LC);
  for (let i = 0; i < P; i++) {
    for (let f = 0; f < F; f++) {
      tFeatIn[(i * F + f) * LC + P * D + i * F + f] = 1;
      tFeatOut[(i * F + f) * LC + P * D + i * F + f] = 1;
    }
  }
  const featIn = F > 0;
  const encoder = buildOnnx({
    metadata: meta,
    inputs: [
      { name: 'pos', elemType: ONNX_FLOAT, shape: ['B', 'N', D] },
      { name: 'ids', elemType: ONNX_INT32, shape: ['B', 'N'] },
      { name: 'mask', elemType: ONNX_FLOAT, shape: ['B', 'N'] },
      ...(featIn ? [{ name: 'feats', elemType: ONNX_INT32, shape: ['B', 'N'] }] : []),
    ],
    outputs: [{ name: 'latent', elemType: ONNX_FLOAT, shape: ['B', L, C] }],
    initializers: [
      { name: 'Tpos', dims: [P, D, LC], data: tPos },
      { name: 'ax_last', dims: [1], data: i64([-1]) },
      { name: 'ax1', dims: [1], data: i64([1]) },
      { name: 'ax2', dims: [1], data: i64([2]) },
      { name: 'shp', dims: [3], data: i64([-1, L, C]) },
      ...(featIn ? [{ name: 'Tfeat', dims: [P * F, LC], data: tFeatIn }, { name: 'Fc', dims: [1], data: Int32Array.of(F) }] : []),
    ],
    nodes: [
      { opType: 'Gather', inputs: ['Tpos', 'ids'], outputs: ['gp'], attrs: { axis: 0 } }, // [B,N,D,LC]
      { opType: 'Unsqueeze', inputs: ['pos', 'ax_last'], outputs: ['pos4'] }, // [B,N,D,1]
      { opType: 'Mul', inputs: ['gp', 'pos4'], outputs: ['pp'] },
      { opType: 'ReduceSum', inputs: ['pp', 'ax2'], outputs: [featIn ? 'sp' : 'e'], attrs: { keepdims: 0 } }, // [B,N,LC]
      ...(featIn
        ? [
            { opType: 'Mul', inputs: ['ids', 'Fc'], outputs: ['idF'] },
            { opType: 'Add', inputs: ['idF', 'feats'], outputs: ['kf'] },
            { opType: 'Gather', inputs: ['Tfeat', 'kf'], outputs: ['gf'], attrs: { axis: 0 } }, // [B,N,LC]
            { opType: 'Add', inputs: ['sp', 'gf'], outputs: ['e'] },
          ]
        : []),
      { opType: 'Unsqueeze', inputs: ['mask', 'ax_last'], outputs: ['m3'] }, // [B,N,1]
      { opType: 'Mul', inputs: ['e', 'm3'], outputs: ['em'] },
      { opType: 'ReduceSum', inputs: ['em', 'ax1'], outputs: ['s'], attrs: { keepdims: 0 } }, // [B,LC]
      { opType: 'Reshape', inputs: ['s', 'shp'], outputs: ['latent'] },
    ],
  });
  const decoder = buildOnnx({
    metadata: meta,
    inputs: [
      { name: 'latent', elemType: ONNX_FLOAT, shape: ['B', L, C] },
      { name: 'ids', elemType: ONNX_INT32, shape: ['B', 'N'] },
    ],
    outputs: [{ name: 'pos', elemType: ONNX_FLOAT, shape: ['B', 'N', D] }, ...(featIn ? [{ name: 'feat_logits', elemType: ONNX_FLOAT, shape: ['B', 'N', F] }] : [])],
    initializers: [
      { name: 'Tpos', dims: [P, D, LC], data: tPos },
      { name: 'shp', dims: [4], data: i64([-1, 1, 1, LC]) },
      { name: 'ax3', dims: [1], data: i64([3]) },
      ...(featIn ? [{ name: 'Tfo', dims: [P, F, LC], data: tFeatOut }, { name: 'ten', dims: [1], data: Float32Array.of(10) }, { name: 'five', dims: [1], data: Float32Array.of(5) }] : []),
    ],
    nodes: [
      { opType: 'Reshape', inputs: ['latent', 'shp'], outputs: ['z'] }, // [B,1,1,LC]
      { opType: 'Gather', inputs: ['Tpos', 'ids'], outputs: ['gp'], attrs: { axis: 0 } }, // [B,N,D,LC]
      { opType: 'Mul', inputs: ['gp', 'z'], outputs: ['pz'] },
      { opType: 'ReduceSum', inputs: ['pz', 'ax3'], outputs: ['pos'], attrs: { keepdims: 0 } },
      ...(featIn
        ? [
            { opType: 'Gather', inputs: ['Tfo', 'ids'], outputs: ['gf'], attrs: { axis: 0 } }, // [B,N,F,LC]
            { opType: 'Mul', inputs: ['gf', 'z'], outputs: ['fz'] },
            { opType: 'ReduceSum', inputs: ['fz', 'ax3'], outputs: ['fv'], attrs: { keepdims: 0 } }, // [B,N,F]
            { opType: 'Mul', inputs: ['fv', 'ten'], outputs: ['f10'] },
            { opType: 'Sub', inputs: ['f10', 'five'], outputs: ['feat_logits'] },
          ]
        : []),
    ],
  });
  return { encoder, decoder };
}

/**
 * A v1 slot model like the shipped pedestrian models (exact binding code, no metadata): the loader checks its
 * pool by the slot layout and a probe. `d.P` is what the tables hold, whatever a manifest claims.
 */
export function slotGraphs(d: Omit<SlotDims, 'F'>, metadata?: Record<string, string>): Graphs {
  const full = { ...d, F: 0 };
  return { ...slotFirstStage(full, metadata), approximator: tinyApproximator(full, metadata) };
}

// ---------- the 3-D molecule model (contract v2, element vocabulary) ----------

export interface TinyMoleculeDims extends Omit<SlotDims, 'F'> {
  vocab: string[];
}
export const tinyMoleculeDims: TinyMoleculeDims = { D: 3, L: 4, C: 16, P: 8, observed: 4, future: 6, vocab: ['H', 'C', 'N', 'O'] };

export function tinyMoleculeGraphs(d: TinyMoleculeDims = tinyMoleculeDims, metadata: Record<string, string> | null = metadataOf('lamslide-model/2', d.P)): Graphs {
  const meta = metadata ?? undefined;
  const full = { ...d, F: d.vocab.length };
  return { ...slotFirstStage(full, meta), approximator: tinyApproximator(full, meta, true) };
}

export async function tinyMoleculeManifest(graphs: Record<string, Uint8Array>, d: TinyMoleculeDims = tinyMoleculeDims, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const files = await graphFiles(graphs);
  return {
    format: 'lamslide-model/2',
    name: 'tiny-molecule',
    domain: 'molecule',
    dims: d.D,
    id_pool: d.P,
    latent: { L: d.L, C: d.C },
    first_stage: { kind: 'binding', layout: 'slots' },
    ...sharedFields(d),
    frame_interval: { value: 5, unit: 'fs' },
    length_unit: 'Å',
    normalization: { center: 'last_observed_centroid', scale: 2.0 },
    features: { key: 'element', vocab: d.vocab },
    files,
    metrics: { protocol: { name: 'mean', k: 5, unit: 'Å' } },
    ...overrides,
  };
}

type FixtureTensor = { dtype: 'float32' | 'int32'; shape: number[]; data: number[] };
const tensor = (dtype: 'float32' | 'int32', shape: number[], data: ArrayLike<number>): FixtureTensor => ({ dtype, shape, data: Array.from(data) });

/** A water-like O-H-H triple wiggling over T frames (Å), for the fixture rollout. */
function moleculeWindow(T: number): { pos: Float32Array; mask: Float32Array } {
  const base = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0];
  const pos = new Float32Array(T * 3 * 3);
  for (let f = 0; f < T; f++) for (let i = 0; i < 9; i++) pos[f * 9 + i] = base[i] + 0.05 * Math.sin(0.7 * f + i) + (i % 3 === 0 ? 0.02 * f : 0);
  return { pos, mask: new Float32Array(T * 3).fill(1) };
}

/**
 * Fixtures in the contract's format, computed by running the graphs (onnxruntime, Node) and the TypeScript
 * rollout: no PyTorch exists for this model, so they check the fixture plumbing (feats, feat_logits, the
 * rollout entry) and later runs against this one, not an independent implementation.
 */
async function moleculeFixtures(dir: string, d: TinyMoleculeDims): Promise<unknown> {
  const model = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm', bucketing: 'never' });
  try {
    const { D, L, C } = d;
    const T = d.observed + d.future;
    const B = 2;
    const N = 3;
    const r = mulberry32(11);
    const pos = Float32Array.from({ length: B * N * D }, () => r() * 2 - 1);
    const ids = Int32Array.from([5, 0, 3, 1, 7, 2]);
    const mask = Float32Array.from([1, 1, 1, 1, 0, 1]);
    // Feature indices within the vocabulary, whatever its size (the same values for the 4-element default).
    const F = d.vocab.length;
    const feats = Int32Array.from([3, 0, 0, 1, 2, 0].map((v) => v % F));
    const latent = await model.encode(pos, ids, mask, B, N, feats);
    const dec = await model.decodeWithFeatures(latent, ids, B, N);
    const x = rand(B * T * L * C, 12, 1);
    const t = Float32Array.of(0.3, 0.7);
    const cond = rand(B * T * L * C, 13, 1);
    const condMask = Int32Array.from({ length: B * T * L }, (_, i) => (Math.floor(i / L) % T < d.observed ? 1 : 0));
    const x1 = await model.approximate(x, t, cond, condMask, B);
    const w = moleculeWindow(T);
    const K = 2;
    const wIds = Int32Array.from([5, 0, 3]);
    const wFeats = Int32Array.from([3, 0, 0].map((v) => v % F));
    const noise = Float32Array.from({ length: K * T * L * C }, (() => {
      const g = mulberry32(14);
      return () => Math.sqrt(-2 * Math.log(1 - g())) * Math.cos(2 * Math.PI * g());
    })());
    const ro = await rollout(model, model.dims, { T, N: 3, D, ...w }, { K, nfe: 3, solver: 'ddim', seed: 0, known: d.observed, ids: wIds, feats: wFeats, noise });
    return {
      encoder: { inputs: { pos: tensor('float32', [B, N, D], pos), ids: tensor('int32', [B, N], ids), mask: tensor('float32', [B, N], mask), feats: tensor('int32', [B, N], feats) }, outputs: { latent: tensor('float32', [B, L, C], latent) } },
      approximator: { inputs: { x: tensor('float32', [B, T, L, C], x), t: tensor('float32', [B], t), cond: tensor('float32', [B, T, L, C], cond), cond_mask: tensor('int32', [B, T, L], condMask) }, outputs: { x1_pred: tensor('float32', [B, T, L, C], x1) } },
      decoder: { inputs: { latent: tensor('float32', [B, L, C], latent), ids: tensor('int32', [B, N], ids) }, outputs: { pos: tensor('float32', [B, N, D], dec.pos), feat_logits: tensor('float32', [B, N, d.vocab.length], dec.featLogits!) } },
      rollout: {
        solver: 'ddim',
        nfe: 3,
        k: K,
        known: d.observed,
        window: { pos: tensor('float32', [T, 3, D], w.pos), mask: tensor('float32', [T, 3], w.mask), ids: tensor('int32', [3], wIds), feats: tensor('int32', [3], wFeats) },
        center: Array.from(ro.firstConditioning.center),
        noise: tensor('float32', [K, T, L, C], noise),
        cond: tensor('float32', [1, T, L, C], ro.firstConditioning.cond),
        cond_mask: tensor('int32', [1, T, L], ro.firstConditioning.condMask),
        x_final: tensor('float32', [K, T, L, C], ro.xFinal),
        pos_out: tensor('float32', [K, T, 3, D], ro.firstWindow),
      },
    };
  } finally {
    await model.release();
  }
}

/**
 * Writes a complete v2 molecule model folder (manifest with sha256 of every file, the three graphs, card.md,
 * fixtures/fixtures.json) into `dir`, e.g. for a page test to serve; returns the manifest. `overrides` replace
 * manifest fields: another frame interval (the alanine demo's 0.5 ps), or another domain with its units and
 * feature key (a charged N-body variant: domain nbody, 'sim' units, charge vocabulary).
 */
export async function writeTinyMoleculeModel(dir: string, d: TinyMoleculeDims = tinyMoleculeDims, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  await mkdir(join(dir, 'fixtures'), { recursive: true });
  const graphs = tinyMoleculeGraphs(d);
  for (const [k, b] of Object.entries(graphs)) await writeFile(join(dir, `${k}.onnx`), b);
  // The fixtures need a loadable folder first (the graphs' manifest), then the manifest gains their hash.
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(await tinyMoleculeManifest(graphs, d, overrides), null, 2));
  const fixtures = new TextEncoder().encode(JSON.stringify(await moleculeFixtures(dir, d)));
  await writeFile(join(dir, 'fixtures', 'fixtures.json'), fixtures);
  const card = `# tiny-molecule\n\nA test model (test/unit/engine/tiny-model.ts): exact slot binding code with an element vocabulary (${d.vocab.join(', ')}), an approximator that predicts the conditioning plus a small learned-looking term. Not trained; its samples stay near the known frames.\n`;
  await writeFile(join(dir, 'card.md'), card);
  const manifest = await tinyMoleculeManifest(graphs, d, overrides);
  (manifest.files as Record<string, unknown>).fixtures = { path: 'fixtures/fixtures.json', sha256: await sha256Hex(fixtures) };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Writes `root/index.json` listing model folders under `root` (the app's models/index.json format). */
export async function writeModelIndex(root: string, models: { name: string; path: string; domain: string; default?: boolean }[]): Promise<void> {
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'index.json'), JSON.stringify({ models: models.map((m) => ({ default: false, ...m })) }, null, 2));
}

/**
 * A decoder whose positions are not finite (ID x Inf: Inf, or NaN for ID 0), with the v1 test model's metadata:
 * for the checks that a non-finite sample is refused and nothing is written.
 */
export function nonFiniteDecoder(d: TinyDims = tinyDims): Uint8Array {
  return buildOnnx({
    metadata: metadataOf('lamslide-model/1', d.P),
    inputs: [
      { name: 'latent', elemType: ONNX_FLOAT, shape: ['B', d.L, d.C] },
      { name: 'ids', elemType: ONNX_INT32, shape: ['B', 'N'] },
    ],
    outputs: [{ name: 'pos', elemType: ONNX_FLOAT, shape: ['B', 'N', d.D] }],
    initializers: [
      { name: 'inf', dims: [d.D], data: new Float32Array(d.D).fill(Infinity) },
      { name: 'ax_last', dims: [1], data: i64([-1]) },
    ],
    nodes: [
      { opType: 'Cast', inputs: ['ids'], outputs: ['idf'], attrs: { to: ONNX_FLOAT } },
      { opType: 'Unsqueeze', inputs: ['idf', 'ax_last'], outputs: ['id3'] },
      { opType: 'Mul', inputs: ['id3', 'inf'], outputs: ['pos'] },
    ],
  });
}
