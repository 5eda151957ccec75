/**
 * `lamslide eval --workers N`: the windows of an evaluation split over N workers (every N-th window of the
 * evaluation's order each, so slow and fast stretches of a file are shared out): the main thread and N - 1 worker
 * threads, each with its own onnxruntime session. A window's seed depends only on the base seed, its file and its start
 * (evaluate.ts), and the main thread adds the records up in the evaluation's order (EvalCollector), so the
 * result is bit for bit that of one worker.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EvalCollector, evaluateWindows, type EvalOptions, type EvalResult, type WindowRecord } from '../core/sampler/evaluate';
import type { LatentModel, ModelDims } from '../core/sampler/model';
import type { SolverName } from '../core/sampler/solvers';
import type { Scene } from '../core/scene';

/** What every worker needs besides its scenes and its share: plain data (it is cloned into the thread). */
export interface EvalJob {
  modelDir: string;
  threads: number;
  K: number;
  nfe: number;
  solver: SolverName;
  seed: number;
  stride: number;
  maxWindowsPerFile?: number;
  ids: 'random' | 'sequential';
}

export type PoolMessage = { type: 'window'; record: WindowRecord } | { type: 'done' } | { type: 'error'; message: string };

/**
 * The worker's code runs through tsx's loader, registered inside the thread (loader hooks of the main thread
 * do not reach worker threads), then imports the TypeScript worker module.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); }).catch((e) => {
  require('node:worker_threads').parentPort.postMessage({ type: 'error', message: 'worker start: ' + (e && e.message ? e.message : String(e)) });
});
`;

/** file URL of tsx's ESM API (require.resolve would give its CommonJS build, which cannot register in a thread). */
function tsxEsmApi(): string {
  const req = createRequire(import.meta.url);
  const pkg = req.resolve('tsx/package.json');
  const exp = (req(pkg) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  return pathToFileURL(join(dirname(pkg), exp.import.default)).href;
}

/**
 * Runs the evaluation in `workers` shares: share 0 here, on the model already loaded (`opts` are its in-process
 * options), the others in threads of their own; never more shares than windows (a thread costs a start-up and a
 * model load). Returns the result and the number of workers used.
 */
export async function evaluateInWorkers(job: EvalJob, model: LatentModel, scenes: Scene[], dims: ModelDims, opts: EvalOptions, workers: number): Promise<{ result: EvalResult; workers: number }> {
  const collector = new EvalCollector(scenes, dims, opts);
  const count = Math.max(1, Math.min(workers, collector.total));
  const take = (rec: WindowRecord) => {
    if (collector.add(rec) > 0) opts.onWindow?.(collector.done, collector.total);
  };
  const tsx = tsxEsmApi();
  const entry = new URL('./eval-worker.ts', import.meta.url).href;
  const threads: Worker[] = [];
  const others = new Promise<void>((resolve, reject) => {
    let running = count - 1;
    if (running === 0) resolve();
    for (let index = 1; index < count; index++) {
      const w = new Worker(BOOTSTRAP, { eval: true, workerData: { ...job, scenes, part: { index, count }, tsx, entry } });
      threads.push(w);
      w.on('message', (m: PoolMessage) => {
        if (m.type === 'window') take(m.record);
        else if (m.type === 'done') {
          if (--running === 0) resolve();
        } else reject(new Error(`eval worker ${index}: ${m.message}`));
      });
      w.on('error', (e) => reject(new Error(`eval worker ${index}: ${e.message}`)));
      w.on('exit', (code) => {
        if (code !== 0) reject(new Error(`eval worker ${index} exited with code ${code}`));
      });
    }
  });
  const local = (async () => {
    for await (const rec of evaluateWindows(model, dims, scenes, opts, { index: 0, count })) take(rec);
  })();
  try {
    await Promise.all([local, others]);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return { result: collector.result(), workers: count };
}
