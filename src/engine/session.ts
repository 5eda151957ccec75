/**
 * One ONNX graph behind a queue (onnxruntime-web allows one run() at a time per session), on WebGPU when asked
 * and available, falling back to WASM when WebGPU fails at session creation or at run time (the failed call is
 * retried on WASM and the graph stays there).
 */
import { errorMessage, ModelLoadError } from './errors';
import { markOrtInitialised, ort, webGpuAvailable } from './ort';

export type Backend = 'webgpu' | 'wasm';
export type BackendChoice = 'auto' | Backend;

export type Feed =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] };

export interface GraphSessionOptions {
  backend: BackendChoice;
  /** keep outputs on the GPU (WebGPU only) */
  gpuOutputs?: boolean;
  log?: (msg: string) => void;
  /** test hook: makes the next WebGPU run (of the named graph, or any) fail, to exercise the run-time fallback */
  failNextGpuRun?: { value: boolean; graph?: string };
}

async function createOrt(bytes: Uint8Array, backend: Backend, gpuOutputs: boolean): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    // Native warnings (e.g. shape ops placed on the CPU, which is expected) would reach console.error.
    logSeverityLevel: 3,
  };
  if (backend === 'webgpu' && gpuOutputs) opts.preferredOutputLocation = 'gpu-buffer';
  // A copy: the wasm backend may transfer/detach the buffer it is given, and we keep `bytes` for a fallback.
  const s = await ort.InferenceSession.create(bytes.slice(), opts);
  markOrtInitialised();
  return s;
}

export class GraphSession {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
    private session: ort.InferenceSession,
    private currentBackend: Backend,
    private readonly opts: GraphSessionOptions,
    /** why WebGPU is not used, when it was wanted */
    public fallbackReason: string | undefined,
  ) {}

  get backend(): Backend {
    return this.currentBackend;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.inputMetadata;
  }

  get outputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.outputMetadata;
  }

  static async create(name: string, file: string, bytes: Uint8Array, opts: GraphSessionOptions): Promise<GraphSession> {
    const wantGpu = opts.backend === 'webgpu' || (opts.backend === 'auto' && webGpuAvailable());
    let reason: string | undefined;
    if (wantGpu) {
      if (!webGpuAvailable()) reason = 'WebGPU is not available in this environment (no navigator.gpu)';
      else {
        try {
          const s = await createOrt(bytes, 'webgpu', opts.gpuOutputs ?? false);
          return new GraphSession(name, bytes, s, 'webgpu', opts, undefined);
        } catch (e) {
          reason = `WebGPU session creation failed: ${errorMessage(e)}`;
          opts.log?.(`${name}: ${reason}; using WASM`);
        }
      }
    }
    try {
      const s = await createOrt(bytes, 'wasm', false);
      return new GraphSession(name, bytes, s, 'wasm', opts, reason);
    } catch (e) {
      throw new ModelLoadError('session', file, `onnxruntime could not load the graph: ${errorMessage(e)}`);
    }
  }

  /** Runs the graph (queued behind earlier runs) and returns every output as a CPU array. */
  run(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
    const next = this.queue.then(() => this.runNow(feeds));
    // Keep the queue alive after a failure: the next caller must still run.
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs with ort tensors in and out (GPU-resident values; outputs stay where the session puts them).
   * Queued like `run`, but no fallback: the caller owns the tensors and decides what to do on failure.
   */
  runTensors(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const next = this.queue.then(async () => {
      this.injectedFailure();
      return (await this.session.run(feeds)) as Record<string, ort.Tensor>;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private injectedFailure(): void {
    const hook = this.opts.failNextGpuRun;
    if (this.currentBackend === 'webgpu' && hook?.value && (hook.graph === undefined || hook.graph === this.name)) {
      hook.value = false;
      throw new Error('injected WebGPU run failure (test hook)');
    }
  }

  private async runOn(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) tensors[k] = new ort.Tensor(f.type, f.data, f.dims);
    this.injectedFailure();
    const out = await this.session.run(tensors);
    const res: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(out)) {
      // getData() downloads GPU-resident outputs; then the GPU buffer is released.
      const d = (await t.getData(true)) as Float32Array;
      res[k] = d;
    }
    return res;
  }

  private async runNow(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
    try {
      return await this.runOn(feeds);
    } catch (e) {
      if (this.currentBackend !== 'webgpu') throw e;
      // WebGPU failed at run time (device lost, unsupported shape, out of memory...): move this graph to WASM
      // and retry the very same call there.
      this.fallbackReason = `WebGPU run failed: ${errorMessage(e)}`;
      this.opts.log?.(`${this.name}: ${this.fallbackReason}; retrying on WASM`);
      const old = this.session;
      this.session = await createOrt(this.bytes, 'wasm', false);
      this.currentBackend = 'wasm';
      void old.release().catch(() => undefined);
      return this.runOn(feeds);
    }
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
