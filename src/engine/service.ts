/**
 * The worker's logic without the worker: handles protocol requests and posts responses through a callback.
 * Kept separate from worker.ts so it runs (and is tested) in Node as well.
 */
import type { LatentModel } from '../core/sampler/model';
import { rollout } from '../core/sampler/rollout';
import { errorMessage, ModelLoadError } from './errors';
import { OnnxModel } from './model';
import { configureOrt } from './ort';
import type { WorkerRequest, WorkerResponse } from './protocol';
import type { ModelSource } from './source';
import { UrlModelSource } from './source';

export type Post = (msg: WorkerResponse, transfer?: Transferable[]) => void;

/** Lets queued messages (a cancel) in between flow steps: WASM runs do not return to the event loop by themselves. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function yielding(m: LatentModel): LatentModel {
  return {
    encode: (...a) => m.encode(...a),
    approximate: async (...a) => {
      await yieldToEventLoop();
      return m.approximate(...a);
    },
    // The GPU-resident solve (WebGPU) awaits the device between steps, which lets messages in by itself.
    integrateOnDevice: m.integrateOnDevice?.bind(m),
    decode: (...a) => m.decode(...a),
  };
}

export class SamplingService {
  private model: OnnxModel | undefined;
  private readonly running = new Map<number, AbortController>();

  constructor(
    private readonly post: Post,
    private readonly sourceFor: (url: string) => ModelSource = (u) => new UrlModelSource(u),
  ) {}

  async handle(req: WorkerRequest): Promise<void> {
    if (req.type === 'cancel') {
      this.running.get(req.target)?.abort(new DOMException('sampling cancelled', 'AbortError'));
      return;
    }
    const started = performance.now();
    try {
      if (req.type === 'load') {
        configureOrt({ wasmPaths: req.wasmPaths, numThreads: req.numThreads });
        const next = await OnnxModel.load(this.sourceFor(req.modelUrl), { backend: req.backend ?? 'auto' });
        const old = this.model;
        this.model = next;
        if (old) await old.release();
        this.post({ type: 'loaded', id: req.id, manifest: next.manifest, backend: next.backend, fallbackReasons: next.fallbackReasons, ms: performance.now() - started });
        return;
      }
      const model = this.model;
      if (!model) throw new Error('no model loaded');
      const ac = new AbortController();
      this.running.set(req.id, ac);
      try {
        const r = await rollout(
          yielding(model),
          model.dims,
          { T: req.T, N: req.N, D: req.D, pos: req.pos, mask: req.mask },
          {
            K: req.K,
            nfe: req.nfe,
            solver: req.solver,
            seed: req.seed,
            known: req.known,
            horizon: req.horizon,
            ids: req.ids,
            signal: ac.signal,
            onProgress: (p) => this.post({ type: 'progress', id: req.id, ...p }),
          },
        );
        this.post(
          { type: 'result', id: req.id, K: r.K, N: r.N, D: r.D, horizon: r.horizon, known: r.known, ids: r.ids, future: r.future, backend: model.backend, latentsOnGpu: model.lastIntegrationOnDevice, ms: performance.now() - started },
          [r.future.buffer, r.ids.buffer],
        );
      } finally {
        this.running.delete(req.id);
      }
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') {
        this.post({ type: 'cancelled', id: req.id });
        return;
      }
      this.post({ type: 'error', id: req.id, name: e instanceof Error ? e.name : 'Error', message: errorMessage(e), file: e instanceof ModelLoadError ? e.file : undefined });
    }
  }
}
