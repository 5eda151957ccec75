/**
 * ODE solvers for the probability-flow ODE of the GVP interpolant (CONTRACT.md, "Sampler").
 * Every update is a linear combination of states and network predictions, so one schedule serves two kinds of
 * storage: float64 arrays on the CPU (`solve`; the solver adds no error worth measuring) and tensors that stay on
 * a device between steps (`solveWith` with the engine's GPU operations).
 */
import { alpha, sigma, timeGrid, velocityCoeffs } from './interpolant.ts';

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

/** Vector storage for `solveWith`: linear combinations and (optionally) explicit release of dead values. */
export interface VectorOps<V> {
  /** sum_i c_i v_i over the given terms */
  combine(terms: readonly (readonly [number, V])[]): Promise<V>;
  /** called once a value is no longer needed by the solver (GPU buffers); never for the initial state */
  release?(v: V): void;
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

/**
 * Integrates from t0 to t1 with any vector storage. Updates, with v = p(t) x + q(t) x1_hat (velocityCoeffs):
 *   euler: x' = (1 + dt p) x + dt q x1
 *   ddim:  x' = (sigma_b / sigma_a) x + (alpha_b - sigma_b alpha_a / sigma_a) x1
 *   heun:  xp = euler step; x' = x + dt/2 (p_a x + q_a x1 + p_b xp + q_b x1p)
 */
export async function solveWith<V>(x0: V, predict: (x: V, t: number, call: number) => Promise<V>, ops: VectorOps<V>, opts: SolveOptions): Promise<V> {
  const S = stepsFor(opts.solver, opts.nfe);
  const total = evaluationsFor(opts.solver, opts.nfe);
  const grid = timeGrid(opts.t0, opts.t1, S);
  let calls = 0;
  const call = async (state: V, t: number): Promise<V> => {
    throwIfAborted(opts.signal);
    const out = await predict(state, t, calls);
    calls++;
    opts.onStep?.(calls, total);
    return out;
  };
  const drop = (v: V) => {
    if (v !== x0) ops.release?.(v);
  };

  let x = x0;
  for (let i = 0; i < S; i++) {
    const ta = grid[i];
    const tb = grid[i + 1];
    const dt = tb - ta;
    const x1 = await call(x, ta);
    let next: V;
    if (opts.solver === 'euler') {
      const [p, q] = velocityCoeffs(ta);
      next = await ops.combine([
        [1 + dt * p, x],
        [dt * q, x1],
      ]);
    } else if (opts.solver === 'ddim') {
      // Exact when x1_hat is constant along the path.
      const r = sigma(tb) / sigma(ta);
      next = await ops.combine([
        [r, x],
        [alpha(tb) - r * alpha(ta), x1],
      ]);
    } else {
      const [pa, qa] = velocityCoeffs(ta);
      const [pb, qb] = velocityCoeffs(tb);
      const xp = await ops.combine([
        [1 + dt * pa, x],
        [dt * qa, x1],
      ]);
      const x1p = await call(xp, tb);
      const h = dt / 2;
      next = await ops.combine([
        [1 + h * pa, x],
        [h * qa, x1],
        [h * pb, xp],
        [h * qb, x1p],
      ]);
      drop(xp);
      drop(x1p);
    }
    drop(x1);
    drop(x);
    x = next;
  }
  return x;
}

const cpuOps: VectorOps<ArrayLike<number>> = {
  async combine(terms) {
    const n = terms[0][1].length;
    const out = new Float64Array(n);
    for (const [c, v] of terms) {
      if (v.length !== n) throw new Error(`network returned ${v.length} values, expected ${n}`);
      for (let j = 0; j < n; j++) out[j] += c * v[j];
    }
    return out;
  },
};

/** Integrates from t0 (state `x0`, typically standard normal noise) to t1 on the CPU in float64; returns x_S. */
export async function solve(x0: ArrayLike<number>, predict: X1Predictor, opts: SolveOptions): Promise<Float64Array> {
  const start = Float64Array.from(x0);
  const x = await solveWith<ArrayLike<number>>(start, (s, t, c) => predict(s as Float64Array, t, c), cpuOps, opts);
  return x === start ? Float64Array.from(start) : (x as Float64Array);
}
