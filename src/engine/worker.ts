/// <reference lib="webworker" />
/**
 * The sampling Web Worker: model loading and sampling run here so the page never blocks.
 * Messages: see protocol.ts.
 */
import type { WorkerRequest, WorkerResponse } from './protocol';
import { SamplingService } from './service';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const service = new SamplingService((msg: WorkerResponse, transfer?: Transferable[]) => scope.postMessage(msg, transfer ?? []));

scope.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  // Not awaited: a cancel must be handled while a sample is running.
  void service.handle(ev.data);
};
