/**
 * Keeps the latents on the GPU between flow steps (WebGPU): the noise and the conditioning are uploaded once,
 * the approximator's x1_pred stays a GPU buffer (preferredOutputLocation 'gpu-buffer'), and the solver's linear
 * updates run as tiny in-memory ONNX graphs (sum of c_i * v_i) on the same device. Only x_S is downloaded.
 * The step schedule is core/sampler/solvers.ts solveWith, shared with the CPU path.
 */
import type { DeviceSolveOptions } from '../core/sampler/model';
import { solveWith, type VectorOps } from '../core/sampler/solvers';
import { buildOnnx, ONNX_FLOAT } from './onnx-proto';
import { ort } from './ort';
import type { Feed, GraphSession } from './session';

/** out = sum_i c_i * v_i for `terms` inputs v0.. (float32, any shape) and scalar coefficients c0.. ([1]). */
export function linearCombinationGraph(terms: number): Uint8Array {
  const nodes: { opType: string; inputs: string[]; outputs: string[] }[] = [];
  for (let i = 0; i < terms; i++) nodes.push({ opType: 'Mul', inputs: [`v${i}`, `c${i}`], outputs: [`m${i}`] });
  let acc = 'm0';
  for (let i = 1; i < terms; i++) {
    const out = i === terms - 1 ? 'out' : `s${i}`;
    nodes.push({ opType: 'Add', inputs: [acc, `m${i}`], outputs: [out] });
    acc = out;
  }
  if (terms === 1) nodes.push({ opType: 'Identity', inputs: ['m0'], outputs: ['out'] });
  return buildOnnx({
    inputs: [
      ...Array.from({ length: terms }, (_, i) => ({ name: `v${i}`, elemType: ONNX_FLOAT, shape: ['B', 'T', 'L', 'C'] })),
      ...Array.from({ length: terms }, (_, i) => ({ name: `c${i}`, elemType: ONNX_FLOAT, shape: [1] })),
    ],
    outputs: [{ name: 'out', elemType: ONNX_FLOAT, shape: ['B', 'T', 'L', 'C'] }],
    nodes,
  });
}

interface GpuDeviceLike {
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBufferLike;
  queue: { writeBuffer(b: GpuBufferLike, offset: number, data: ArrayBufferView): void };
}
interface GpuBufferLike {
  destroy(): void;
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (numeric: the constants are not defined in Node typings)
const STORAGE_COPY = 0x80 | 0x04 | 0x08;

export class GpuSolver {
  private constructor(
    private readonly device: GpuDeviceLike,
    private readonly combine2: ort.InferenceSession,
    private readonly combine4: ort.InferenceSession,
  ) {}

  static async create(): Promise<GpuSolver> {
    const device = (await ort.env.webgpu.device) as unknown as GpuDeviceLike;
    const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer', logSeverityLevel: 3 };
    const c2 = await ort.InferenceSession.create(linearCombinationGraph(2), opts);
    const c4 = await ort.InferenceSession.create(linearCombinationGraph(4), opts);
    return new GpuSolver(device, c2, c4);
  }

  private upload(data: Float32Array | Int32Array, dims: number[]): ort.Tensor {
    // WebGPU buffer sizes must be multiples of 4 bytes; ours are 4-byte elements, padded to 16 for safety.
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const buf = this.device.createBuffer({ size, usage: STORAGE_COPY });
    this.device.queue.writeBuffer(buf, 0, data);
    return ort.Tensor.fromGpuBuffer(buf as never, {
      dataType: data instanceof Float32Array ? 'float32' : 'int32',
      dims,
      dispose: () => buf.destroy(),
    }) as ort.Tensor;
  }

  /**
   * Runs the solve with `approximator` (a WebGPU session created with gpu-buffer outputs) and returns x_S.
   * `noise` is the state x (shape `dims`, any rank); `fixed` are the other inputs but `t`, uploaded once
   * (cond and cond_mask for the full graph; cond, frame_mask and occupied for the slot graph).
   */
  async integrate(approximator: GraphSession, noise: Float32Array, dims: number[], fixed: Record<string, Feed>, opts: DeviceSolveOptions): Promise<Float32Array> {
    const B = dims[0];
    const x0 = this.upload(noise, dims);
    const fixedT: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(fixed)) fixedT[k] = this.upload(f.data, f.dims);
    const ops: VectorOps<ort.Tensor> = {
      combine: async (terms) => {
        const s = terms.length === 2 ? this.combine2 : terms.length === 4 ? this.combine4 : undefined;
        if (!s) throw new Error(`no ${terms.length}-term combination graph`);
        const feeds: Record<string, ort.Tensor> = {};
        terms.forEach(([c, v], i) => {
          feeds[`v${i}`] = v;
          feeds[`c${i}`] = new ort.Tensor('float32', Float32Array.of(c), [1]);
        });
        return (await s.run(feeds)).out;
      },
      release: (v) => v.dispose(),
    };
    try {
      const x = await solveWith<ort.Tensor>(
        x0,
        async (state, t) => {
          const out = await approximator.runTensors({ ...fixedT, x: state, t: new ort.Tensor('float32', new Float32Array(B).fill(t), [B]) });
          return out.x1_pred;
        },
        ops,
        opts,
      );
      const data = (await x.getData(true)) as Float32Array;
      if (x !== x0) x.dispose();
      return data;
    } finally {
      x0.dispose();
      for (const t of Object.values(fixedT)) t.dispose();
    }
  }

  async release(): Promise<void> {
    await this.combine2.release();
    await this.combine4.release();
  }
}
