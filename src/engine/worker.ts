/// <reference lib="webworker" />
/**
 * The sampling Web Worker: model loading and sampling run here so the page never blocks.
 * Messages: see protocol.ts.
 */
// The .wasm that onnxruntime-web's browser bundle (ort.bundle.min.mjs: WebGPU/JSEP + WASM) loads. The worker
// downloads it itself so a first load can report its bytes; see ort.ts (wasmBinary) for why it must be this build.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import type { WorkerRequest, WorkerResponse } from './protocol';
import { SamplingService } from './service';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// onnxruntime-web starts its WASM threads from its own script URL, which in the bundle is this worker's chunk:
// in such a thread ("em-pthread" workers) onnxruntime has already taken the message handler, and setting it
// here would leave the thread without one (multi-threaded sessions then never finish loading).
if (!scope.name.startsWith('em-pthread')) {
  const service = new SamplingService((msg: WorkerResponse, transfer?: Transferable[]) => scope.postMessage(msg, transfer ?? []), undefined, {
    wasmUrl: new URL(ortWasmUrl, scope.location.href).href,
  });
  scope.onmessage = (ev: MessageEvent<WorkerRequest>) => {
    // Not awaited: a cancel must be handled while a sample is running.
    void service.handle(ev.data);
  };
}
