/**
 * Page-side handle of the sampling worker: promise per request, progress callbacks, cancellation.
 */
import type {
  CompareProgressResponse,
  CompareRequest,
  CompareResultResponse,
  LoadedResponse,
  LoadProgressResponse,
  LoadRequest,
  ProgressResponse,
  SampleRequest,
  SampleResult,
  WorkerRequest,
  WorkerResponse,
} from './protocol';

export interface WorkerLike {
  postMessage(msg: WorkerRequest, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<WorkerResponse>) => void) | null;
  terminate(): void;
}

/** What a page asks the worker to sample: the request without its message type and id. */
export type SampleParams = Omit<SampleRequest, 'type' | 'id'>;

/** What a page asks the worker to compare: the request without its message type and id. */
export type CompareParams = Omit<CompareRequest, 'type' | 'id'>;

/** Flow-step progress of one sample request. */
export type SampleProgress = (step: number, steps: number, window: number, windows: number) => void;
/** Download progress of one file while a model loads. */
export type LoadProgress = (p: Omit<LoadProgressResponse, 'type' | 'id'>) => void;
/** Network evaluations done across every setting of a compare. */
export type CompareProgress = (p: Omit<CompareProgressResponse, 'type' | 'id'>) => void;

type ProgressMessage = ProgressResponse | LoadProgressResponse | CompareProgressResponse;

export interface Pending {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onProgress?: (msg: ProgressMessage) => void;
}

export class WorkerError extends Error {
  constructor(
    name: string,
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** Copies of a request's arrays, so transferring them leaves the caller's arrays intact. */
function copied(p: Pick<SampleRequest, 'pos' | 'mask' | 'feats'>): Pick<SampleRequest, 'pos' | 'mask' | 'feats'> {
  return { pos: p.pos.slice(), mask: p.mask.slice(), ...(p.feats ? { feats: p.feats.slice() } : {}) };
}

function transfers(p: Pick<SampleRequest, 'pos' | 'mask' | 'feats'>): Transferable[] {
  return [p.pos.buffer, p.mask.buffer, ...(p.feats ? [p.feats.buffer] : [])];
}

export class SamplerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (ev) => this.receive(ev.data);
  }

  /** Starts the module worker (Vite bundles it from this URL). */
  static create(): SamplerClient {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'lamslide-sampler' });
    return new SamplerClient(w as unknown as WorkerLike);
  }

  private receive(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress' || msg.type === 'load-progress' || msg.type === 'compare-progress') {
      p.onProgress?.(msg);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new WorkerError(msg.name, msg.message, msg.file));
    else if (msg.type === 'cancelled') p.reject(new WorkerError('AbortError', 'sampling cancelled'));
    else (p.resolve as (v: unknown) => void)(msg);
  }

  private request<R>(msg: WorkerRequest, transfer: Transferable[] = [], onProgress?: Pending['onProgress']): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.set(msg.id, { resolve: resolve as (v: never) => void, reject, onProgress });
      this.worker.postMessage(msg, transfer);
    });
  }

  load(modelUrl: string, opts: Omit<LoadRequest, 'type' | 'id' | 'modelUrl'> = {}, onProgress?: LoadProgress): Promise<LoadedResponse> {
    return this.request<LoadedResponse>({ type: 'load', id: this.nextId++, modelUrl, ...opts }, [], (m) => {
      if (m.type === 'load-progress') onProgress?.({ file: m.file, loaded: m.loaded, total: m.total });
    });
  }

  /** Returns the request id (for cancel) and the result promise. Input arrays are copied, not transferred. */
  sample(params: SampleParams, onProgress?: SampleProgress): { id: number; result: Promise<SampleResult> } {
    const id = this.nextId++;
    const msg: SampleRequest = { type: 'sample', id, ...params, ...copied(params) };
    return {
      id,
      result: this.request<SampleResult>(msg, transfers(msg), (m) => {
        if (m.type === 'progress') onProgress?.(m.step, m.steps, m.window, m.windows);
      }),
    };
  }

  /**
   * Runs every setting with the same window, seed and IDs, one after the other in the worker's queue (after an
   * optional untimed warm-up). Cancel with the returned id. Input arrays are copied, not transferred.
   */
  compare(params: CompareParams, onProgress?: CompareProgress): { id: number; result: Promise<{ results: SampleResult[]; warmupMs: number }> } {
    const id = this.nextId++;
    const base = { ...params.base, ...copied(params.base) };
    const msg: CompareRequest = { type: 'compare', id, base, settings: params.settings.map((s) => ({ ...s })), warmup: params.warmup };
    const result = this.request<CompareResultResponse>(msg, transfers(base), (m) => {
      if (m.type === 'compare-progress') onProgress?.({ setting: m.setting, settings: m.settings, evaluations: m.evaluations, totalEvaluations: m.totalEvaluations });
    }).then((r) => ({ results: r.results, warmupMs: r.warmupMs }));
    return { id, result };
  }

  cancel(target: number): void {
    this.worker.postMessage({ type: 'cancel', id: this.nextId++, target });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new WorkerError('AbortError', 'worker terminated'));
    this.pending.clear();
  }
}
