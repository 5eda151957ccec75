/**
 * ODE solvers for the probability-flow ODE of the GVP interpolant (CONTRACT.md, "Sampler").
 * The state is kept in float64 so the solver itself adds no error worth measuring; the network sees float32.
 */
import { alpha, sigma, timeGrid, velocity } from './interpolant';

export type SolverName = 'euler' | 'heun' | 'ddim';
export const SOLVERS: readonly SolverName[] = ['euler', 'heun', 'ddim'];

/**
 * The "network": returns x1_hat for the whole state at time t. `call` counts network evaluations from 0.
 * May return float32 or float64; it must not keep a reference to `x` (the solver reuses it).
 */
export type X1Predictor = (x: Float64Array, t: number, call: number) => Promise<ArrayLike<number>>;

export interface SolveOptions {
  solver: SolverName;
  /** Number of network evaluations (NFE). */
  nfe: number;
  t0: number;
  t1: number;
  /** Called after each network evaluation with (done, total). */
  onStep?: (done: number, total: number) => void;
  /** Checked before each network evaluation. */
  signal?: AbortSignal;
}

export function isSolverName(s: string): s is SolverName {
  return (SOLVERS as readonly string[]).includes(s);
}

/** Grid steps S for a solver at a given NFE (heun: floor(NFE / 2), two evaluations per step). */
export function stepsFor(solver: SolverName, nfe: number): number {
  if (!Number.isInteger(nfe) || nfe < 1) throw new RangeError(`NFE must be an integer >= 1, got ${nfe}`);
  if (solver === 'heun') {
    if (nfe < 2) throw new RangeError('the heun solver needs NFE >= 2 (two network calls per step)');
    return Math.floor(nfe / 2);
  }
  return nfe;
}

/** Network evaluations a solve actually makes (heun with odd NFE uses NFE - 1). */
export function evaluationsFor(solver: SolverName, nfe: number): number {
  const s = stepsFor(solver, nfe);
  return solver === 'heun' ? 2 * s : s;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    throw reason instanceof Error ? reason : new DOMException('sampling cancelled', 'AbortError');
  }
}

/** Integrates from t0 (state `x0`, typically standard normal noise) to t1 and returns x_S. */
export async function solve(x0: ArrayLike<number>, predict: X1Predictor, opts: SolveOptions): Promise<Float64Array> {
  const S = stepsFor(opts.solver, opts.nfe);
  const total = evaluationsFor(opts.solver, opts.nfe);
  const grid = timeGrid(opts.t0, opts.t1, S);
  const n = x0.length;
  const x = Float64Array.from(x0);
  const v = new Float64Array(n);
  let calls = 0;
  const call = async (state: Float64Array, t: number): Promise<ArrayLike<number>> => {
    throwIfAborted(opts.signal);
    const out = await predict(state, t, calls);
    if (out.length !== n) throw new Error(`network returned ${out.length} values, expected ${n}`);
    calls++;
    opts.onStep?.(calls, total);
    return out;
  };

  for (let i = 0; i < S; i++) {
    const ta = grid[i];
    const tb = grid[i + 1];
    const dt = tb - ta;
    const x1 = await call(x, ta);
    if (opts.solver === 'euler') {
      velocity(x, x1, ta, v);
      for (let j = 0; j < n; j++) x[j] += dt * v[j];
    } else if (opts.solver === 'ddim') {
      // x_{i+1} = alpha(t_{i+1}) x1_hat + sigma(t_{i+1}) x0_hat: exact when x1_hat is constant along the path.
      const a = alpha(ta);
      const s = sigma(ta);
      const ab = alpha(tb);
      const sb = sigma(tb);
      for (let j = 0; j < n; j++) {
        const x0hat = (x[j] - a * x1[j]) / s;
        x[j] = ab * x1[j] + sb * x0hat;
      }
    } else {
      velocity(x, x1, ta, v);
      const xp = new Float64Array(n);
      for (let j = 0; j < n; j++) xp[j] = x[j] + dt * v[j];
      const x1p = await call(xp, tb);
      const vp = velocity(xp, x1p, tb, xp); // safe: velocity reads xp[j] before writing it
      for (let j = 0; j < n; j++) x[j] += 0.5 * dt * (v[j] + vp[j]);
    }
  }
  return x;
}
