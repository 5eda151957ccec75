/**
 * A tiny model folder that satisfies CONTRACT.md's signatures, built in memory with the engine's own protobuf
 * writer (no Python on the test path). Numbers are arbitrary but deterministic; the graphs use masks and IDs
 * the way real ones do, so padding mistakes change the output.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

export function tinyGraphs(d: TinyDims = tinyDims): Record<'encoder' | 'approximator' | 'decoder', Uint8Array> {
  const { D, L, C, P } = d;
  const T = d.observed + d.future;
  const LC = L * C;
  const encoder = buildOnnx({
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
  const approximator = buildOnnx({
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
      { opType: 'Add', inputs: ['back', 'b'], outputs: ['pre'] },
      { opType: 'Tanh', inputs: ['pre'], outputs: ['x1_pred'] },
    ],
  });
  const decoder = buildOnnx({
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

export async function tinyManifest(graphs: Record<string, Uint8Array>, d: TinyDims = tinyDims, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const files: Record<string, unknown> = {};
  for (const [k, b] of Object.entries(graphs)) files[k] = { path: `${k}.onnx`, sha256: await sha256Hex(b) };
  return {
    format: 'lamslide-model/1',
    name: 'tiny',
    domain: 'pedestrian',
    dims: d.D,
    id_pool: d.P,
    latent: { L: d.L, C: d.C },
    frames: { observed: d.observed, future: d.future, window: d.observed + d.future, min_observed: 1 },
    frame_interval: { value: 0.4, unit: 's' },
    length_unit: 'm',
    normalization: { center: 'last_observed_centroid', scale: 4.0 },
    features: { vocab: [] },
    interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
    sampler: { default_nfe: 4, default_solver: 'ddim', solvers: ['euler', 'heun', 'ddim'] },
    files,
    ...overrides,
  };
}

/** Writes the tiny model folder into `dir` and returns its manifest. */
export async function writeTinyModel(dir: string, d: TinyDims = tinyDims): Promise<Record<string, unknown>> {
  await mkdir(dir, { recursive: true });
  const graphs = tinyGraphs(d);
  for (const [k, b] of Object.entries(graphs)) await writeFile(join(dir, `${k}.onnx`), b);
  const manifest = await tinyManifest(graphs, d);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
