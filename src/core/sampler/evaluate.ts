/**
 * The evaluation protocols of CONTRACT.md on any LatentModel: every window (stride 1) of every file, all
 * `observed` frames known, K samples per window; per scored entity the ADE/FDE over the future frames, reduced
 * over the samples by the domain's rule (best of K for pedestrians and basketball, the mean for molecules and
 * N-body), averaged over all scored entities of all files; plus the constant-velocity and frozen baselines on
 * the same entities.
 */
import type { Scene } from '../scene';
import { compactFrames } from './frames';
import type { ModelDomain } from './manifest';
import { adeFde, constantVelocityError, ErrorAccumulator, frozenError, type Reduction } from './metrics';
import type { LatentModel, ModelDims } from './model';
import { deriveSeed, rollout } from './rollout';
import type { SolverName } from './solvers';
import { countEvaluationWindows, evaluationWindows } from './windows';

/** A domain's rule (CONTRACT.md "Evaluation protocols (v2)"). */
export interface EvalProtocol {
  reduction: Reduction;
  /** the protocol's K */
  k: number;
  /** which (fully observed) entities are scored; all when absent */
  scores?: (scene: Scene, entity: number) => boolean;
  /** one line for people: what is scored and how */
  description: string;
}

export function protocolFor(domain: ModelDomain): EvalProtocol {
  switch (domain) {
    case 'molecule':
    case 'nbody':
      return { reduction: 'mean', k: 5, description: 'ADE/FDE averaged over K samples, every entity present in the whole window' };
    case 'basketball':
      return {
        reduction: 'min',
        k: 20,
        // The ball is context only (SocialVAE protocol): it is encoded with the players but not scored.
        scores: (scene, i) => scene.entities[i].group === 'PLAYER',
        description: 'minADE/minFDE over K samples, every player (group PLAYER) present in the whole window',
      };
    case 'pedestrian':
      return { reduction: 'min', k: 20, description: 'minADE/minFDE over K samples, every agent present in the whole window' };
  }
}

export interface EvalOptions {
  K: number;
  nfe: number;
  solver: SolverName;
  seed: number;
  /** reduction over samples and scored entities (default: best of K, every entity) */
  protocol?: Pick<EvalProtocol, 'reduction' | 'scores'>;
  /** feature indices of scene entities (contract v2 models with a vocabulary) */
  feats?: (scene: Scene, entities: number[]) => Int32Array;
  /** evaluate at most this many windows per file (quick checks); default all */
  maxWindowsPerFile?: number;
  /** window stride (default 1, the protocol) */
  stride?: number;
  /** ID assignment per window: seeded random (default; what training uses) or 0..N-1 (what the Python eval uses) */
  ids?: 'random' | 'sequential';
  onWindow?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ErrorPair {
  ade: number;
  fde: number;
}

/** Totals over some windows: the whole evaluation, or one file of it. */
export interface EvalTotals {
  windows: number;
  /** windows skipped because they hold more entities than the ID pool (the Python pipeline skips them too) */
  skipped: number;
  /** scored entities (one per entity and window) */
  agents: number;
  ade: number;
  fde: number;
  /** the constant-velocity baseline (= baselines.constant_velocity) */
  baseline: ErrorPair;
  baselines: { constant_velocity: ErrorPair; frozen: ErrorPair };
}

export interface FileResult extends EvalTotals {
  file: string;
}

export interface EvalResult extends EvalTotals {
  files: FileResult[];
}

/** Running totals of the model and both baselines. */
class Totals {
  readonly model = new ErrorAccumulator();
  readonly cv = new ErrorAccumulator();
  readonly frozen = new ErrorAccumulator();

  merge(o: Totals): void {
    this.model.merge(o.model);
    this.cv.merge(o.cv);
    this.frozen.merge(o.frozen);
  }

  result(windows: number, skipped: number): EvalTotals {
    const cv = { ade: this.cv.ade, fde: this.cv.fde };
    return { windows, skipped, agents: this.model.count, ade: this.model.ade, fde: this.model.fde, baseline: cv, baselines: { constant_velocity: cv, frozen: { ade: this.frozen.ade, fde: this.frozen.fde } } };
  }
}

export async function evaluateScenes(model: LatentModel, dims: ModelDims, rawScenes: Scene[], opts: EvalOptions): Promise<EvalResult> {
  // Windows run over distinct frame ids (CONTRACT.md), not over the reader's gap-filled timeline.
  const scenes = rawScenes.map((s) => compactFrames(s).scene);
  const T = dims.observed + dims.future;
  const now = dims.observed - 1;
  const stride = opts.stride ?? 1;
  const reduction = opts.protocol?.reduction ?? 'min';
  const scores = opts.protocol?.scores;
  const scoredIn = (scene: Scene) => (scores ? (i: number) => scores(scene, i) : undefined);
  const counts = scenes.map((s) => countEvaluationWindows(s, T, stride, scoredIn(s)));
  const total = counts.reduce((a, c) => a + Math.min(c.windows, opts.maxWindowsPerFile ?? Infinity), 0);
  const all = new Totals();
  const files: FileResult[] = [];
  let done = 0;
  let totalSkipped = 0;
  for (let fi = 0; fi < scenes.length; fi++) {
    const scene = scenes[fi];
    const acc = new Totals();
    let windows = 0;
    let skipped = 0;
    for (const { window: w, scored } of evaluationWindows(scene, T, stride, scoredIn(scene))) {
      if (opts.maxWindowsPerFile !== undefined && windows >= opts.maxWindowsPerFile) break;
      if (w.N > dims.P) {
        // More entities than IDs: no injective assignment exists. Skipped (and counted), as the Python eval does.
        skipped++;
        continue;
      }
      // Seed per (file, window start): results do not depend on which other files or windows are evaluated.
      const ids = opts.ids === 'sequential' ? Array.from({ length: w.N }, (_, i) => i) : undefined;
      const feats = opts.feats?.(scene, w.entities);
      const r = await rollout(model, dims, w, { K: opts.K, nfe: opts.nfe, solver: opts.solver, seed: deriveSeed(opts.seed, fi, w.start), ids, feats, signal: opts.signal, decode: 'future' });
      for (const a of scored) {
        acc.model.add(adeFde(reduction, r.future, opts.K, dims.future, w.pos, dims.observed, 0, dims.future, w.N, w.D, a));
        acc.cv.add(constantVelocityError(w.pos, w.N, w.D, a, now, dims.future));
        acc.frozen.add(frozenError(w.pos, w.N, w.D, a, now, dims.future));
      }
      windows++;
      done++;
      opts.onWindow?.(done, total);
    }
    totalSkipped += skipped;
    files.push({ file: scene.name, ...acc.result(windows, skipped) });
    all.merge(acc);
  }
  return { ...all.result(done, totalSkipped), files };
}
