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
import { deriveSeed } from './rollout';
import type { SolverName } from './solvers';
import { sampleWindow, type TiledOptions } from './tiles';
import { countEvaluationWindows, evaluationWindows, type EvalWindow } from './windows';

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
  /**
   * sample windows above the ID pool in spatial tiles (compat.ts tilingFor; IDs per tile follow `ids`); without
   * it such windows are skipped
   */
  tiling?: Pick<TiledOptions, 'margin'> | null;
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
  /** windows skipped because they hold more entities than the ID pool and are not tiled (the Python pipeline skips them) */
  skipped: number;
  /** windows above the ID pool sampled in spatial tiles (pedestrian models) */
  tiled: number;
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

  result(windows: number, skipped: number, tiled: number): EvalTotals {
    const cv = { ade: this.cv.ade, fde: this.cv.fde };
    return { windows, skipped, tiled, agents: this.model.count, ade: this.model.ade, fde: this.model.fde, baseline: cv, baselines: { constant_velocity: cv, frozen: { ade: this.frozen.ade, fde: this.frozen.fde } } };
  }
}

/**
 * What one evaluation window gave: its place in the evaluation's order, and per scored entity the errors of the
 * model, constant velocity and frozen. Plain data, so a worker thread can send it to the one that adds them up.
 */
export interface WindowRecord {
  /** position of the window in the evaluation's order (files in order, windows by start), from 0 */
  index: number;
  file: number;
  /** more entities than the ID pool and no tiling: not sampled */
  skipped: boolean;
  /** sampled in more than one spatial tile */
  tiled: boolean;
  /** [scored entities, 6]: model ADE, FDE, CV ADE, FDE, frozen ADE, FDE */
  errors: Float64Array;
}

/** Only every `count`-th window of the order, from `index` (one worker's share); default all. */
export interface EvalPart {
  index: number;
  count: number;
}

interface PlannedWindow extends EvalWindow {
  index: number;
  file: number;
  skip: boolean;
}

/**
 * The evaluation's windows in order, with the same numbering in every worker: it depends only on the scenes and
 * the options (which windows a file holds, --max-windows, which ones exceed the pool), never on the model.
 */
function* plannedWindows(scenes: Scene[], dims: ModelDims, opts: EvalOptions): Generator<PlannedWindow> {
  const T = dims.observed + dims.future;
  const stride = opts.stride ?? 1;
  const scores = opts.protocol?.scores;
  let index = 0;
  for (let fi = 0; fi < scenes.length; fi++) {
    const scene = scenes[fi];
    let evaluated = 0;
    for (const ew of evaluationWindows(scene, T, stride, scores ? (i) => scores(scene, i) : undefined)) {
      if (opts.maxWindowsPerFile !== undefined && evaluated >= opts.maxWindowsPerFile) break;
      // More entities than IDs and no tiling: no injective assignment exists. Skipped (and counted), as the Python eval does.
      const skip = ew.window.N > dims.P && !opts.tiling;
      if (!skip) evaluated++;
      yield { ...ew, index: index++, file: fi, skip };
    }
  }
}

/** Windows compacted over distinct frame ids (CONTRACT.md), not over the reader's gap-filled timeline. */
function compacted(rawScenes: Scene[]): Scene[] {
  return rawScenes.map((s) => compactFrames(s).scene);
}

/** Samples and scores the windows of `part` (all by default), in order, one record per window. */
export async function* evaluateWindows(model: LatentModel, dims: ModelDims, rawScenes: Scene[], opts: EvalOptions, part: EvalPart = { index: 0, count: 1 }): AsyncGenerator<WindowRecord> {
  const scenes = compacted(rawScenes);
  const now = dims.observed - 1;
  const reduction = opts.protocol?.reduction ?? 'min';
  for (const pw of plannedWindows(scenes, dims, opts)) {
    if (pw.index % part.count !== part.index) continue;
    const { window: w, scored, file: fi } = pw;
    if (pw.skip) {
      yield { index: pw.index, file: fi, skipped: true, tiled: false, errors: new Float64Array(0) };
      continue;
    }
    const scene = scenes[fi];
    // Seed per (file, window start): results do not depend on which other files or windows are evaluated, or where.
    const sequential = opts.ids === 'sequential';
    const tiled = w.N > dims.P;
    const ids = sequential && !tiled ? Array.from({ length: w.N }, (_, i) => i) : undefined;
    const feats = opts.feats?.(scene, w.entities);
    const r = await sampleWindow(
      model,
      dims,
      w,
      { K: opts.K, nfe: opts.nfe, solver: opts.solver, seed: deriveSeed(opts.seed, fi, w.start), ids, feats, signal: opts.signal, decode: 'future' },
      opts.tiling ? { ...opts.tiling, ids: sequential ? 'sequential' : 'random' } : null,
    );
    const errors = new Float64Array(scored.length * 6);
    scored.forEach((a, i) => {
      const m = adeFde(reduction, r.future, opts.K, dims.future, w.pos, dims.observed, 0, dims.future, w.N, w.D, a);
      const cv = constantVelocityError(w.pos, w.N, w.D, a, now, dims.future);
      const fr = frozenError(w.pos, w.N, w.D, a, now, dims.future);
      errors.set([m.ade, m.fde, cv.ade, cv.fde, fr.ade, fr.fde], i * 6);
    });
    yield { index: pw.index, file: fi, skipped: false, tiled: r.tiles.tiles.length > 1, errors };
  }
}

/**
 * Adds window records up into the evaluation's result. Records may arrive in any order (from several workers);
 * they are added in the evaluation's order, so the sums, and so the result, are bit for bit those of one worker.
 */
export class EvalCollector {
  private readonly files: { acc: Totals; windows: number; skipped: number; tiled: number }[];
  private readonly pending = new Map<number, WindowRecord>();
  private next = 0;
  /** windows sampled so far (in order) and in all */
  done = 0;
  readonly total: number;

  constructor(
    private readonly scenes: Scene[],
    dims: ModelDims,
    opts: EvalOptions,
  ) {
    const cs = compacted(scenes);
    this.files = cs.map(() => ({ acc: new Totals(), windows: 0, skipped: 0, tiled: 0 }));
    const T = dims.observed + dims.future;
    const scores = opts.protocol?.scores;
    const counts = cs.map((s) => countEvaluationWindows(s, T, opts.stride ?? 1, scores ? (i) => scores(s, i) : undefined));
    this.total = counts.reduce((a, c) => a + Math.min(c.windows, opts.maxWindowsPerFile ?? Infinity), 0);
  }

  /** Takes one record; returns how many windows were added (0 while an earlier one is still missing). */
  add(rec: WindowRecord): number {
    this.pending.set(rec.index, rec);
    let added = 0;
    for (let r = this.pending.get(this.next); r; r = this.pending.get(this.next)) {
      this.pending.delete(this.next++);
      const f = this.files[r.file];
      if (r.skipped) {
        f.skipped++;
        continue;
      }
      for (let i = 0; i < r.errors.length; i += 6) {
        f.acc.model.add({ ade: r.errors[i], fde: r.errors[i + 1] });
        f.acc.cv.add({ ade: r.errors[i + 2], fde: r.errors[i + 3] });
        f.acc.frozen.add({ ade: r.errors[i + 4], fde: r.errors[i + 5] });
      }
      f.windows++;
      if (r.tiled) f.tiled++;
      this.done++;
      added++;
    }
    return added;
  }

  /** The result once every record is in (throws naming the first missing window otherwise). */
  result(): EvalResult {
    if (this.pending.size > 0) throw new Error(`evaluation: window ${this.next} is missing (${this.pending.size} later ones wait for it)`);
    const all = new Totals();
    let skipped = 0;
    let tiled = 0;
    const files: FileResult[] = this.files.map((f, fi) => {
      all.merge(f.acc);
      skipped += f.skipped;
      tiled += f.tiled;
      return { file: this.scenes[fi].name, ...f.acc.result(f.windows, f.skipped, f.tiled) };
    });
    return { ...all.result(this.done, skipped, tiled), files };
  }
}

export async function evaluateScenes(model: LatentModel, dims: ModelDims, rawScenes: Scene[], opts: EvalOptions): Promise<EvalResult> {
  const c = new EvalCollector(rawScenes, dims, opts);
  for await (const rec of evaluateWindows(model, dims, rawScenes, opts)) if (c.add(rec) > 0) opts.onWindow?.(c.done, c.total);
  return c.result();
}
