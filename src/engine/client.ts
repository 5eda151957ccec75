/**
 * Page-side handle of the sampling worker: promise per request, progress callbacks, cancellation.
 */
import type { LoadedResponse, LoadRequest, SampleRequest, SampleResult, WorkerRequest, WorkerResponse } from './protocol';

export interface WorkerLike {
  postMessage(msg: WorkerRequest, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<WorkerResponse>) => void) | null;
  terminate(): void;
}

/** What a page asks the worker to sample: the request without its message type and id. */
export type SampleParams = Omit<SampleRequest, 'type' | 'id'>;

export interface Pending {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onProgress?: (step: number, steps: number, window: number, windows: number) => void;
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
    if (msg.type === 'progress') {
      p.onProgress?.(msg.step, msg.steps, msg.window, msg.windows);
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

  load(modelUrl: string, opts: Omit<LoadRequest, 'type' | 'id' | 'modelUrl'> = {}): Promise<LoadedResponse> {
    return this.request<LoadedResponse>({ type: 'load', id: this.nextId++, modelUrl, ...opts });
  }

  /** Returns the request id (for cancel) and the result promise. Input arrays are copied, not transferred. */
  sample(params: SampleParams, onProgress?: Pending['onProgress']): { id: number; result: Promise<SampleResult> } {
    const id = this.nextId++;
    const msg: SampleRequest = { type: 'sample', id, ...params, pos: params.pos.slice(), mask: params.mask.slice() };
    return { id, result: this.request<SampleResult>(msg, [msg.pos.buffer, msg.mask.buffer], onProgress) };
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
