/**
 * FLOPs of a graph, counted from the graph itself: every MatMul / Gemm node's operand shapes are read by running
 * an in-memory copy of the graph whose outputs also expose those operands (onnxruntime infers their types).
 * FLOPs = 2 * (elements of the product) * (contraction length). Element-wise ops, softmax and normalisation are
 * not counted (a few percent for transformer blocks of this size).
 */
import { parseOnnx, withExtraOutputs } from './onnx-proto';
import { ort } from './ort';
import type { Feed } from './session';

export interface FlopCount {
  flops: number;
  matmuls: number;
  /** op types that do multiply-adds but are not counted (e.g. Conv, Einsum), with their number */
  uncounted: Record<string, number>;
}

const COUNTED = new Set(['MatMul', 'Gemm']);
const HEAVY_UNCOUNTED = new Set(['Conv', 'ConvTranspose', 'Einsum', 'Attention', 'MultiHeadAttention', 'FusedMatMul']);

export async function countFlops(model: Uint8Array, feeds: Record<string, Feed>): Promise<FlopCount> {
  const g = parseOnnx(model);
  const inits = new Map(g.initializers.map((i) => [i.name, i.dims]));
  const inputs = new Set(g.inputs.map((i) => i.name));
  const outputs = new Set(g.outputs.map((o) => o.name));
  const mm = g.nodes.filter((n) => COUNTED.has(n.opType));
  const uncounted: Record<string, number> = {};
  for (const n of g.nodes) if (HEAVY_UNCOUNTED.has(n.opType)) uncounted[n.opType] = (uncounted[n.opType] ?? 0) + 1;
  const want = new Set<string>();
  for (const n of mm) {
    const a = n.inputs[0];
    if (!inits.has(a) && !inputs.has(a) && !outputs.has(a)) want.add(a);
    const o = n.outputs[0];
    if (!outputs.has(o)) want.add(o);
  }
  const s = await ort.InferenceSession.create(withExtraOutputs(model, [...want]), { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  try {
    const t: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) t[k] = new ort.Tensor(f.type, f.data, f.dims);
    const out = await s.run(t);
    const shapeOf = (name: string): readonly number[] => {
      if (out[name]) return out[name].dims;
      if (inits.has(name)) return inits.get(name) as number[];
      if (feeds[name]) return feeds[name].dims;
      throw new Error(`countFlops: no shape for ${name}`);
    };
    let flops = 0;
    for (const n of mm) {
      const a = shapeOf(n.inputs[0]);
      const y = shapeOf(n.outputs[0]);
      const transA = n.opType === 'Gemm' && n.attributes.transA === 1;
      const k = transA ? a[a.length - 2] : a[a.length - 1];
      const elems = y.reduce((p, d) => p * d, 1);
      flops += 2 * elems * k;
    }
    return { flops, matmuls: mm.length, uncounted };
  } finally {
    await s.release();
  }
}
