/**
 * The worker's logic without the worker: handles protocol requests and posts responses through a callback.
 * Kept separate from worker.ts so it runs (and is tested) in Node as well.
 *
 * Requests that use the model ('load', 'sample', 'compare') run one at a time in arrival order: onnxruntime
 * allows one run() per session, and a load must not release a model a sample still uses. 'cancel' is handled
 * at once: a queued request is answered 'cancelled' immediately, a running one stops before its next flow step.
 */
import type { LatentModel } from '../core/sampler/model';
import { tilingFor } from '../core/sampler/compat';
import type { ProgressInfo } from '../core/sampler/rollout';
import { sampleWindow, type TiledRolloutResult } from '../core/sampler/tiles';
import { evaluationsFor, type SolverName } from '../core/sampler/solvers';
import { errorMessage, ModelLoadError } from './errors';
import { OnnxModel } from './model';
import { configureOrt } from './ort';
import type { CompareRequest, LoadRequest, SampleRequest, SampleResult, WorkerRequest, WorkerResponse } from './protocol';
import type { ByteProgress, ModelSource } from './source';
import { fetchBytes, UrlModelSource } from './source';

export type Post = (msg: WorkerResponse, transfer?: Transferable[]) => void;

export interface ServiceOptions {
  /** reads onnxruntime's .wasm binary from a URL (default: fetch, streaming with progress) */
  readBinary?: (url: string, onProgress: ByteProgress) => Promise<Uint8Array>;
  /** the .wasm URL used when a load request names none (the page's worker sets the bundle's own) */
  wasmUrl?: string;
}

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

type Job = LoadRequest | SampleRequest | CompareRequest;

const cancelled = () => new DOMException('sampling cancelled', 'AbortError');

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** The file name of a URL or path (for progress messages). */
function fileName(url: string): string {
  const clean = url.split(/[?#]/)[0];
  return clean.slice(clean.lastIndexOf('/') + 1) || clean;
}

export class SamplingService {
  private model: OnnxModel | undefined;
  private readonly queue: { job: Job; done: () => void }[] = [];
  private active: { id: number; ac: AbortController } | undefined;
  private pumping = false;

  constructor(
    private readonly post: Post,
    private readonly sourceFor: (url: string) => ModelSource = (u) => new UrlModelSource(u),
    private readonly opts: ServiceOptions = {},
  ) {}

  /** Resolves once the request is answered (for a cancel: at once). */
  handle(req: WorkerRequest): Promise<void> {
    if (req.type === 'cancel') {
      this.cancel(req.target);
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.queue.push({ job: req, done });
      void this.pump();
    });
  }

  private cancel(target: number): void {
    const i = this.queue.findIndex((q) => q.job.id === target);
    if (i >= 0) {
      const [q] = this.queue.splice(i, 1);
      this.post({ type: 'cancelled', id: target });
      q.done();
      return;
    }
    if (this.active?.id === target) this.active.ac.abort(cancelled());
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let q = this.queue.shift(); q; q = this.queue.shift()) {
        const ac = new AbortController();
        this.active = { id: q.job.id, ac };
        try {
          await this.run(q.job, ac.signal);
        } finally {
          this.active = undefined;
          q.done();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async run(req: Job, signal: AbortSignal): Promise<void> {
    try {
      if (req.type === 'load') await this.load(req);
      else if (req.type === 'sample') await this.sample(req, signal);
      else await this.compare(req, signal);
    } catch (e) {
      if (isAbort(e)) {
        this.post({ type: 'cancelled', id: req.id });
        return;
      }
      this.post({ type: 'error', id: req.id, name: e instanceof Error ? e.name : 'Error', message: errorMessage(e), file: e instanceof ModelLoadError ? e.file : undefined });
    }
  }

  private async load(req: LoadRequest): Promise<void> {
    const started = performance.now();
    configureOrt({ wasmPaths: req.wasmPaths, numThreads: req.numThreads });
    const wasmUrl = req.wasmUrl ?? this.opts.wasmUrl;
    const readBinary = this.opts.readBinary ?? ((url: string, p: ByteProgress) => fetchBytes(url, p));
    const next = await OnnxModel.load(this.sourceFor(req.modelUrl), {
      backend: req.backend ?? 'auto',
      onProgress: (p) => this.post({ type: 'load-progress', id: req.id, ...p }),
      wasmBinary: wasmUrl ? { file: fileName(wasmUrl), read: (p) => readBinary(wasmUrl, p) } : undefined,
    });
    const old = this.model;
    this.model = next;
    if (old) await old.release();
    this.post({ type: 'loaded', id: req.id, manifest: next.manifest, backend: next.backend, fallbackReasons: next.fallbackReasons, ms: performance.now() - started });
  }

  private loaded(): OnnxModel {
    if (!this.model) throw new Error('no model loaded');
    return this.model;
  }

  /** One rollout of a request's window with the given settings; returns the result and its transferables. */
  private async rolloutOf(
    model: OnnxModel,
    req: Omit<SampleRequest, 'type' | 'id'>,
    signal: AbortSignal,
    onProgress?: (p: ProgressInfo) => void,
  ): Promise<{ result: SampleResult; transfer: Transferable[] }> {
    const started = performance.now();
    const tiling = tilingFor(model.manifest);
    const r = await sampleWindow(
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
        feats: req.feats,
        keepSteps: req.keepSteps,
        keepLatents: req.keepLatents,
        signal,
        onProgress,
      },
      tiling && { ...tiling, ids: req.idMode, idSeed: req.idSeed },
    );
    const ms = performance.now() - started;
    return { result: this.resultOf(model, r, req, ms), transfer: transfersOf(r) };
  }

  private resultOf(model: OnnxModel, r: TiledRolloutResult, req: { nfe: number; solver: SolverName }, ms: number): SampleResult {
    const { L, C, observed, future } = model.dims;
    return {
      K: r.K,
      N: r.N,
      D: r.D,
      horizon: r.horizon,
      known: r.known,
      ids: r.ids,
      future: r.future,
      backend: model.backend,
      latentsOnGpu: model.lastIntegrationOnDevice,
      ms,
      nfe: req.nfe,
      solver: req.solver,
      T: observed + future,
      L,
      C,
      windows: r.windows,
      tiles: r.tiles.tiles.length,
      steps: r.steps,
      latents: r.latents,
      timing: { ...r.timing, totalMs: ms },
    };
  }

  private async sample(req: SampleRequest, signal: AbortSignal): Promise<void> {
    const model = this.loaded();
    const { result, transfer } = await this.rolloutOf(model, req, signal, (p) => this.post({ type: 'progress', id: req.id, ...p }));
    this.post({ type: 'result', id: req.id, ...result }, transfer);
  }

  private async compare(req: CompareRequest, signal: AbortSignal): Promise<void> {
    const model = this.loaded();
    if (req.settings.length === 0) throw new Error('compare: no settings given');
    const { future } = model.dims;
    const horizon = req.base.horizon ?? future;
    const windows = 1 + Math.max(0, Math.ceil((horizon - future) / future));
    // Validates every setting (NFE range, heun >= 2) before anything runs.
    const per = req.settings.map((s) => evaluationsFor(s.solver, s.nfe) * windows);
    const totalEvaluations = per.reduce((a, b) => a + b, 0);
    let warmupMs = 0;
    if (req.warmup) {
      const t0 = performance.now();
      // NFE 1 with a solver that allows it: same K, N, T and windows, so the same shapes reach the graphs.
      const solver: SolverName = req.settings[0].solver === 'heun' ? 'euler' : req.settings[0].solver;
      await this.rolloutOf(model, { ...req.base, nfe: 1, solver }, signal);
      warmupMs = performance.now() - t0;
    }
    const results: SampleResult[] = [];
    const transfer: Transferable[] = [];
    let before = 0;
    for (let i = 0; i < req.settings.length; i++) {
      const s = req.settings[i];
      const progress = (evaluations: number) =>
        this.post({ type: 'compare-progress', id: req.id, setting: i, settings: req.settings.length, evaluations, totalEvaluations });
      progress(before);
      const r = await this.rolloutOf(model, { ...req.base, nfe: s.nfe, solver: s.solver }, signal, (p) => progress(before + p.window * p.steps + p.step));
      results.push(r.result);
      transfer.push(...r.transfer);
      before += per[i];
    }
    this.post({ type: 'compare-result', id: req.id, results, warmupMs }, transfer);
  }
}

function transfersOf(r: TiledRolloutResult): Transferable[] {
  const t: Transferable[] = [r.future.buffer, r.ids.buffer];
  if (r.steps) t.push(r.steps.pos.buffer);
  if (r.latents) t.push(r.latents.buffer);
  return t;
}
