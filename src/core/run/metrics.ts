/**
 * Metrics of one run against the ground truth the file has after "now", and of its samples among themselves:
 * per-entity minADE / minFDE over the K samples, error against the horizon, the spread of the samples per
 * future frame, the best sample, and, for scenes with chemistry, bond-length deviations from the known frames.
 * Distances are in the scene's length unit.
 */
import { inferBonds } from '../elements';
import type { Scene } from '../scene';
import type { Run } from './run';

export interface EntityMetric {
  /** window entity index */
  n: number;
  /** scene entity index */
  entity: number;
  /** minimum over samples of the mean error over the frames with ground truth */
  ade: number;
  /** minimum over samples of the error at the last frame with ground truth */
  fde: number;
  adeSample: number;
  fdeSample: number;
  /** future frames with ground truth for this entity */
  frames: number;
  /** ground truth at every frame of the horizon (the entities the protocol scores) */
  full: boolean;
}

function dist(run: Run, k: number, j: number, n: number): number {
  const D = run.D;
  const so = ((k * run.horizon + j) * run.N + n) * D;
  const to = (j * run.N + n) * D;
  let e2 = 0;
  for (let d = 0; d < D; d++) e2 += (run.future[so + d] - run.truth[to + d]) ** 2;
  return Math.sqrt(e2);
}

/** Per-entity best-of-K errors, for every sampled entity with at least one ground-truth frame. */
export function entityMetrics(run: Run): EntityMetric[] {
  const out: EntityMetric[] = [];
  for (const n of run.active) {
    const frames: number[] = [];
    for (let j = 0; j < run.horizon; j++) if (run.truthMask[j * run.N + n]) frames.push(j);
    if (!frames.length) continue;
    const last = frames[frames.length - 1];
    let ade = Infinity;
    let fde = Infinity;
    let adeSample = 0;
    let fdeSample = 0;
    for (let k = 0; k < run.K; k++) {
      let s = 0;
      for (const j of frames) s += dist(run, k, j, n);
      const a = s / frames.length;
      const f = dist(run, k, last, n);
      if (a < ade) {
        ade = a;
        adeSample = k;
      }
      if (f < fde) {
        fde = f;
        fdeSample = k;
      }
    }
    out.push({ n, entity: run.entities[n], ade, fde, adeSample, fdeSample, frames: frames.length, full: frames.length === run.horizon });
  }
  return out;
}

export interface RunSummary {
  /** mean of the entities' minADE / minFDE */
  ade: number;
  fde: number;
  /** entities averaged over */
  entities: number;
  /** true when no entity had ground truth over the whole horizon and the partial ones were averaged */
  partial: boolean;
}

/** minADE_K / minFDE_K of the run: over the entities with truth at every future frame, else over all with any. */
export function runSummary(run: Run, metrics: EntityMetric[] = entityMetrics(run)): RunSummary | null {
  if (!metrics.length) return null;
  const full = metrics.filter((m) => m.full);
  const use = full.length ? full : metrics;
  let a = 0;
  let f = 0;
  for (const m of use) {
    a += m.ade;
    f += m.fde;
  }
  return { ade: a / use.length, fde: f / use.length, entities: use.length, partial: full.length === 0 };
}

/**
 * Error against the horizon: at each future frame, the mean over entities with ground truth there of the
 * error of the entity's minADE sample. Its mean over frames is the minADE when every entity has full truth.
 * NaN where no entity has ground truth.
 */
export function errorVsHorizon(run: Run, metrics: EntityMetric[] = entityMetrics(run)): number[] {
  const out: number[] = [];
  for (let j = 0; j < run.horizon; j++) {
    let s = 0;
    let c = 0;
    for (const m of metrics) {
      if (!run.truthMask[j * run.N + m.n]) continue;
      s += dist(run, m.adeSample, j, m.n);
      c++;
    }
    out.push(c ? s / c : NaN);
  }
  return out;
}

/** Spread of the K samples at each future frame: RMS distance from their mean, averaged over sampled entities. */
export function sampleSpread(run: Run): number[] {
  const { K, D, N, horizon } = run;
  const out: number[] = [];
  const mean = new Float64Array(D);
  for (let j = 0; j < horizon; j++) {
    let s = 0;
    for (const n of run.active) {
      mean.fill(0);
      for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) mean[d] += run.future[((k * horizon + j) * N + n) * D + d] / K;
      let v = 0;
      for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) v += (run.future[((k * horizon + j) * N + n) * D + d] - mean[d]) ** 2;
      s += Math.sqrt(v / K);
    }
    out.push(run.active.length ? s / run.active.length : NaN);
  }
  return out;
}

/**
 * The best sample against the ground truth: the one with the smallest ADE averaged over the entities with
 * truth. One whole sample (not one per entity), so a molecule's atoms stay together. null without truth.
 */
export function bestSample(run: Run, metrics: EntityMetric[] = entityMetrics(run)): number | null {
  if (!metrics.length) return null;
  let best = -1;
  let bestErr = Infinity;
  for (let k = 0; k < run.K; k++) {
    let s = 0;
    for (const m of metrics) {
      let a = 0;
      let c = 0;
      for (let j = 0; j < run.horizon; j++) {
        if (!run.truthMask[j * run.N + m.n]) continue;
        a += dist(run, k, j, m.n);
        c++;
      }
      s += a / c;
    }
    if (s < bestErr) {
      bestErr = s;
      best = k;
    }
  }
  return best;
}

export interface BondDeviations {
  /** bonded pairs as window entity indices */
  bonds: Array<[number, number]>;
  /** mean length of each bond over the known frames */
  reference: Float64Array;
  /** sampled length minus reference, for every sample, future frame and bond: [K, horizon, bonds] */
  deviations: Float32Array;
  meanAbs: number;
  rms: number;
}

/**
 * Bond lengths of the sampled futures against the known frames. Bonds come from covalent radii in the last
 * known frame (as the view draws them); only bonds between two sampled entities count. null when the scene
 * has no bonds among them (no elements, or 2-D agents).
 */
export function bondDeviations(run: Run, scene: Scene): BondDeviations | null {
  if (!run.knownFrames.length || scene.dim !== run.D) return null;
  const Ns = scene.entities.length;
  const toWindow = new Map<number, number>();
  for (const n of run.active) toWindow.set(run.entities[n], n);
  const last = run.knownFrames[run.knownFrames.length - 1];
  const bonds: Array<[number, number]> = [];
  for (const [a, b] of inferBonds(scene, last)) {
    const na = toWindow.get(a);
    const nb = toWindow.get(b);
    if (na !== undefined && nb !== undefined) bonds.push([na, nb]);
  }
  if (!bonds.length) return null;
  const D = run.D;
  const reference = new Float64Array(bonds.length);
  bonds.forEach(([na, nb], i) => {
    const a = run.entities[na];
    const b = run.entities[nb];
    let s = 0;
    let c = 0;
    for (const f of run.knownFrames) {
      if (!scene.mask[f * Ns + a] || !scene.mask[f * Ns + b]) continue;
      let e2 = 0;
      for (let d = 0; d < D; d++) e2 += (scene.positions[(f * Ns + a) * D + d] - scene.positions[(f * Ns + b) * D + d]) ** 2;
      s += Math.sqrt(e2);
      c++;
    }
    reference[i] = s / c;
  });
  const { K, horizon, N } = run;
  const deviations = new Float32Array(K * horizon * bonds.length);
  let sa = 0;
  let s2 = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < horizon; j++) {
      const base = (k * horizon + j) * N;
      bonds.forEach(([na, nb], i) => {
        let e2 = 0;
        for (let d = 0; d < D; d++) e2 += (run.future[(base + na) * D + d] - run.future[(base + nb) * D + d]) ** 2;
        const dev = Math.sqrt(e2) - reference[i];
        deviations[(k * horizon + j) * bonds.length + i] = dev;
        sa += Math.abs(dev);
        s2 += dev * dev;
      });
    }
  }
  return { bonds, reference, deviations, meanAbs: sa / deviations.length, rms: Math.sqrt(s2 / deviations.length) };
}

/** Mean, standard deviation, minimum and maximum of a list (the re-roll spread). */
export function spreadOf(values: readonly number[]): { mean: number; sd: number; min: number; max: number; n: number } {
  const n = values.length;
  if (!n) return { mean: NaN, sd: NaN, min: NaN, max: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), n };
}
