import { describe, expect, it } from 'vitest';
import { countFlops } from '../../../src/engine/flops';
import { buildOnnx, ONNX_FLOAT, parseOnnx, readFields, withExtraOutputs } from '../../../src/engine/onnx-proto';
import { ort } from '../../../src/engine/ort';
import { tinyGraphs } from './tiny-model';

const mm = (M: number, K: number, N: number) =>
  buildOnnx({
    inputs: [{ name: 'a', elemType: ONNX_FLOAT, shape: ['B', M, K] }],
    outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: ['B', M, N] }],
    initializers: [{ name: 'w', dims: [K, N], data: new Float32Array(K * N).fill(0.5) }],
    nodes: [
      { opType: 'MatMul', inputs: ['a', 'w'], outputs: ['h'] },
      { opType: 'Relu', inputs: ['h'], outputs: ['y'] },
    ],
  });

describe('ONNX protobuf tools', () => {
  it('round-trips a graph through writer and reader', () => {
    const g = parseOnnx(tinyGraphs().encoder);
    expect(g.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(g.inputs.map((i) => i.name)).toEqual(['pos', 'ids', 'mask']);
    expect(g.inputs[0].shape).toEqual([{ param: 'B' }, { param: 'N' }, { value: 2 }]);
    expect(g.initializers.find((i) => i.name === 'E')?.dims).toEqual([12, 8]);
    expect(g.nodes.find((n) => n.opType === 'ReduceSum')?.attributes).toEqual({ keepdims: 0 });
  });

  it('adds intermediate outputs that onnxruntime fills in', async () => {
    const model = withExtraOutputs(mm(3, 4, 5), ['h']);
    expect(parseOnnx(model).outputs.map((o) => o.name)).toEqual(['y', 'h']);
    expect(readFields(model).filter((f) => f.field === 7).length).toBe(1);
    const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const out = await s.run({ a: new ort.Tensor('float32', new Float32Array(2 * 3 * 4).fill(1), [2, 3, 4]) });
    expect(out.h.dims).toEqual([2, 3, 5]);
    expect(Array.from(out.h.data as Float32Array).every((v) => v === 2)).toBe(true);
    await s.release();
  });

  it('counts MatMul FLOPs from the shapes seen at run time', async () => {
    const f = await countFlops(mm(3, 4, 5), { a: { type: 'float32', data: new Float32Array(2 * 3 * 4), dims: [2, 3, 4] } });
    expect(f).toEqual({ flops: 2 * (2 * 3 * 5) * 4, matmuls: 1, uncounted: {} });
    // the tiny approximator: x@Wx and cond@Wc ([B,T,L,C]x[C,C]) and the temporal mix ([B,L,C,T]x[T,T])
    const [B, T, L, C] = [2, 7, 2, 4];
    const z = new Float32Array(B * T * L * C);
    const a = await countFlops(tinyGraphs().approximator, {
      x: { type: 'float32', data: z, dims: [B, T, L, C] },
      t: { type: 'float32', data: new Float32Array(B), dims: [B] },
      cond: { type: 'float32', data: z, dims: [B, T, L, C] },
      cond_mask: { type: 'int32', data: new Int32Array(B * T * L), dims: [B, T, L] },
    });
    expect(a.flops).toBe(2 * (2 * B * T * L * C * C) + 2 * B * L * C * T * T);
    expect(a.matmuls).toBe(3);
  });
});
