/// <reference lib="webworker" />
/**
 * The sampling Web Worker: model loading and sampling run here so the page never blocks.
 * Messages: see protocol.ts.
 */
import type { WorkerRequest, WorkerResponse } from './protocol';
import { SamplingService } from './service';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// onnxruntime-web starts its WASM threads from its own script URL, which in the bundle is this worker's chunk:
// in such a thread ("em-pthread" workers) onnxruntime has already taken the message handler, and setting it
// here would leave the thread without one (multi-threaded sessions then never finish loading).
if (!scope.name.startsWith('em-pthread')) {
  const service = new SamplingService((msg: WorkerResponse, transfer?: Transferable[]) => scope.postMessage(msg, transfer ?? []));
  scope.onmessage = (ev: MessageEvent<WorkerRequest>) => {
    // Not awaited: a cancel must be handled while a sample is running.
    void service.handle(ev.data);
  };
}
