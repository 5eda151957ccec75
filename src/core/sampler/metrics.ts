/**
 * Displacement errors over K samples, best-of-K (pedestrians, basketball) or averaged over the samples
 * (molecules, N-body), and the constant-velocity and frozen baselines (CONTRACT.md, "Evaluation protocol" and
 * "Evaluation protocols (v2)").
 */

/** How the K samples' errors of one entity become one number: the best sample, or their mean. */
export type Reduction = 'min' | 'mean';

export interface AgentError {
  /** mean L2 error over the future frames (best sample for ADE) */
  ade: number;
  /** final-frame L2 error (best sample for FDE; may be a different sample than ADE's) */
  fde: number;
}

/**
 * The arguments of one agent's errors: samples [K, Ts, N, D] sampled positions, sampleFrame0 the index (in the
 * samples' frame axis) of the first future frame, gt [Tg, N, D] the ground truth and gtFrame0 its index of the
 * first future frame.
 */
type AgentArgs = [samples: Float32Array, K: number, Ts: number, gt: Float32Array, gtFrame0: number, sampleFrame0: number, future: number, N: number, D: number, agent: number];

/**
 * ADE / FDE of one agent over K samples: the minimum (best sample, separately for ADE and FDE) or the mean over
 * the samples.
 */
export function adeFde(reduction: Reduction, ...[samples, K, Ts, gt, gtFrame0, sampleFrame0, future, N, D, agent]: AgentArgs): AgentError {
  let ade = reduction === 'min' ? Infinity : 0;
  let fde = reduction === 'min' ? Infinity : 0;
  for (let k = 0; k < K; k++) {
    let sum = 0;
    let last = 0;
    for (let j = 0; j < future; j++) {
      const so = ((k * Ts + sampleFrame0 + j) * N + agent) * D;
      const go = ((gtFrame0 + j) * N + agent) * D;
      let e2 = 0;
      for (let d = 0; d < D; d++) e2 += (samples[so + d] - gt[go + d]) ** 2;
      last = Math.sqrt(e2);
      sum += last;
    }
    if (reduction === 'min') {
      ade = Math.min(ade, sum / future);
      fde = Math.min(fde, last);
    } else {
      ade += sum / future;
      fde += last;
    }
  }
  return reduction === 'min' ? { ade, fde } : { ade: ade / K, fde: fde / K };
}

/** minADE / minFDE of one agent (adeFde with the best of K). */
export function minAdeFde(...args: AgentArgs): AgentError {
  return adeFde('min', ...args);
}

/**
 * Constant velocity from the last two observed frames: pos[now] + j (pos[now] - pos[now-1]), j = 1..future.
 * Returns [future, D]. `pos` is [T, N, D].
 */
export function constantVelocity(pos: Float32Array, N: number, D: number, agent: number, now: number, future: number): Float32Array {
  const out = new Float32Array(future * D);
  for (let d = 0; d < D; d++) {
    const p = pos[(now * N + agent) * D + d];
    const v = p - pos[((now - 1) * N + agent) * D + d];
    for (let j = 1; j <= future; j++) out[(j - 1) * D + d] = p + j * v;
  }
  return out;
}

export function constantVelocityError(pos: Float32Array, N: number, D: number, agent: number, now: number, future: number): AgentError {
  const pred = constantVelocity(pos, N, D, agent, now, future);
  return cvError(pred, pos, N, D, agent, now, future);
}

/** The frozen baseline: the last known frame repeated, [future, D]. */
export function frozen(pos: Float32Array, N: number, D: number, agent: number, now: number, future: number): Float32Array {
  const out = new Float32Array(future * D);
  for (let j = 0; j < future; j++) for (let d = 0; d < D; d++) out[j * D + d] = pos[(now * N + agent) * D + d];
  return out;
}

export function frozenError(pos: Float32Array, N: number, D: number, agent: number, now: number, future: number): AgentError {
  return cvError(frozen(pos, N, D, agent, now, future), pos, N, D, agent, now, future);
}

function cvError(pred: Float32Array, pos: Float32Array, N: number, D: number, agent: number, now: number, future: number): AgentError {
  let sum = 0;
  let last = 0;
  for (let j = 0; j < future; j++) {
    let e2 = 0;
    for (let d = 0; d < D; d++) e2 += (pred[j * D + d] - pos[((now + 1 + j) * N + agent) * D + d]) ** 2;
    last = Math.sqrt(e2);
    sum += last;
  }
  return { ade: sum / future, fde: last };
}

/** Running mean of agent errors. */
export class ErrorAccumulator {
  count = 0;
  private sumAde = 0;
  private sumFde = 0;

  add(e: AgentError): void {
    this.count++;
    this.sumAde += e.ade;
    this.sumFde += e.fde;
  }

  merge(o: ErrorAccumulator): void {
    this.count += o.count;
    this.sumAde += o.sumAde;
    this.sumFde += o.sumFde;
  }

  get ade(): number {
    return this.count ? this.sumAde / this.count : NaN;
  }

  get fde(): number {
    return this.count ? this.sumFde / this.count : NaN;
  }
}
