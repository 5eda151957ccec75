/**
 * The ETH/UCY evaluation protocol of CONTRACT.md on any LatentModel: every window (stride 1) of every file,
 * all `observed` frames known, K samples, minADE/minFDE per scored agent, averaged over all agents of all files,
 * plus the constant-velocity baseline on the same agents.
 */
import type { Scene } from '../scene';
import { compactFrames } from './frames';
import { constantVelocityError, ErrorAccumulator, minAdeFde } from './metrics';
import type { LatentModel, ModelDims } from './model';
import { deriveSeed, rollout } from './rollout';
import type { SolverName } from './solvers';
import { countEvaluationWindows, evaluationWindows } from './windows';

export interface EvalOptions {
  K: number;
  nfe: number;
  solver: SolverName;
  seed: number;
  /** evaluate at most this many windows per file (quick checks); default all */
  maxWindowsPerFile?: number;
  /** window stride (default 1, the protocol) */
  stride?: number;
  /** ID assignment per window: seeded random (default; what training uses) or 0..N-1 (what the Python eval uses) */
  ids?: 'random' | 'sequential';
  onWindow?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Totals over some windows: the whole evaluation, or one file of it. */
export interface EvalTotals {
  windows: number;
  /** windows skipped because they hold more entities than the ID pool (the Python pipeline skips them too) */
  skipped: number;
  /** scored agents (one per agent and window) */
  agents: number;
  ade: number;
  fde: number;
  baseline: { ade: number; fde: number };
}

export interface FileResult extends EvalTotals {
  file: string;
}

export interface EvalResult extends EvalTotals {
  files: FileResult[];
}

export async function evaluateScenes(model: LatentModel, dims: ModelDims, rawScenes: Scene[], opts: EvalOptions): Promise<EvalResult> {
  // Windows run over distinct frame ids (CONTRACT.md), not over the reader's gap-filled timeline.
  const scenes = rawScenes.map((s) => compactFrames(s).scene);
  const T = dims.observed + dims.future;
  const now = dims.observed - 1;
  const stride = opts.stride ?? 1;
  const counts = scenes.map((s) => countEvaluationWindows(s, T, stride));
  const total = counts.reduce((a, c) => a + Math.min(c.windows, opts.maxWindowsPerFile ?? Infinity), 0);
  const all = new ErrorAccumulator();
  const allCv = new ErrorAccumulator();
  const files: FileResult[] = [];
  let done = 0;
  let totalSkipped = 0;
  for (let fi = 0; fi < scenes.length; fi++) {
    const scene = scenes[fi];
    const acc = new ErrorAccumulator();
    const cv = new ErrorAccumulator();
    let windows = 0;
    let skipped = 0;
    for (const { window: w, scored } of evaluationWindows(scene, T, stride)) {
      if (opts.maxWindowsPerFile !== undefined && windows >= opts.maxWindowsPerFile) break;
      if (w.N > dims.P) {
        // More entities than IDs: no injective assignment exists. Skipped (and counted), as the Python eval does.
        skipped++;
        continue;
      }
      // Seed per (file, window start): results do not depend on which other files or windows are evaluated.
      const ids = opts.ids === 'sequential' ? Array.from({ length: w.N }, (_, i) => i) : undefined;
      const r = await rollout(model, dims, w, { K: opts.K, nfe: opts.nfe, solver: opts.solver, seed: deriveSeed(opts.seed, fi, w.start), ids, signal: opts.signal, decode: 'future' });
      for (const a of scored) {
        acc.add(minAdeFde(r.future, opts.K, dims.future, w.pos, dims.observed, 0, dims.future, w.N, w.D, a));
        cv.add(constantVelocityError(w.pos, w.N, w.D, a, now, dims.future));
      }
      windows++;
      done++;
      opts.onWindow?.(done, total);
    }
    totalSkipped += skipped;
    files.push({ file: scene.name, windows, skipped, agents: acc.count, ade: acc.ade, fde: acc.fde, baseline: { ade: cv.ade, fde: cv.fde } });
    all.merge(acc);
    allCv.merge(cv);
  }
  return { windows: done, skipped: totalSkipped, agents: all.count, ade: all.ade, fde: all.fde, baseline: { ade: allCv.ade, fde: allCv.fde }, files };
}
