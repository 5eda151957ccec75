/**
 * One worker thread of `lamslide eval --workers N`: its own onnxruntime session, every N-th window of the
 * evaluation's order (core/sampler/evaluate.ts evaluateWindows), one record per window sent back to the main
 * thread, which adds them up in order. Started by eval-pool.ts through tsx's loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sceneFeatures, tilingFor } from '../core/sampler/compat';
import { evaluateWindows, protocolFor, type EvalPart } from '../core/sampler/evaluate';
import type { Scene } from '../core/scene';
import { loadModelDir } from './load';
import type { EvalJob, PoolMessage } from './eval-pool';

async function work(job: EvalJob & { scenes: Scene[]; part: EvalPart }, post: (m: PoolMessage, transfer?: ArrayBuffer[]) => void): Promise<void> {
  const model = await loadModelDir(job.modelDir, job.threads);
  try {
    const m = model.manifest;
    const opts = {
      K: job.K,
      nfe: job.nfe,
      solver: job.solver,
      seed: job.seed,
      stride: job.stride,
      maxWindowsPerFile: job.maxWindowsPerFile,
      ids: job.ids,
      // Functions do not cross threads: the protocol and features are rebuilt from the same manifest.
      protocol: protocolFor(m.domain),
      tiling: tilingFor(m),
      feats: m.features.vocab.length > 0 ? (sc: Scene, entities: number[]) => sceneFeatures(sc, entities, m) : undefined,
    };
    for await (const rec of evaluateWindows(model, model.dims, job.scenes, opts, job.part)) post({ type: 'window', record: rec }, [rec.errors.buffer as ArrayBuffer]);
    post({ type: 'done' });
  } finally {
    await model.release();
  }
}

const port = parentPort;
if (port) {
  work(workerData, (m, transfer) => port.postMessage(m, transfer)).catch((e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies PoolMessage));
}
