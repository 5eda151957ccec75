import { describe, expect, it } from 'vitest';
import { alpha, sigma } from '../../../../src/core/sampler/interpolant';
import { evaluationsFor, solve, stepsFor, type SolverName } from '../../../../src/core/sampler/solvers';

/**
 * Analytic flow: data x1 ~ N(mu, s^2) per coordinate. For x_t = alpha x1 + sigma x0 the posterior mean is
 * E[x1 | x_t] = mu + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha mu), the exact x1-prediction.
 * The probability-flow ODE maps quantiles to quantiles, so its exact solution keeps
 * (x_t - alpha mu) / sqrt(alpha^2 s^2 + sigma^2) constant.
 */
const T0 = 0.001;
const T1 = 0.999;
const mu = [1.5, -0.7, 0.3, 2.0];
const s2 = [0.25, 0.04, 1.0, 0.5];
const xStart = [0.8, -1.2, 0.1, 2.3];

const std = (t: number, j: number) => Math.sqrt(alpha(t) ** 2 * s2[j] + sigma(t) ** 2);

function exactFinal(): Float64Array {
  return Float64Array.from(xStart, (x, j) => alpha(T1) * mu[j] + (std(T1, j) * (x - alpha(T0) * mu[j])) / std(T0, j));
}

async function analyticPredict(x: Float64Array, t: number): Promise<Float64Array> {
  const a = alpha(t);
  return Float64Array.from(x, (xj, j) => mu[j] + ((a * s2[j]) / (a * a * s2[j] + sigma(t) ** 2)) * (xj - a * mu[j]));
}

async function errorAt(solver: SolverName, nfe: number): Promise<number> {
  const x = await solve(xStart, analyticPredict, { solver, nfe, t0: T0, t1: T1 });
  const ex = exactFinal();
  let m = 0;
  for (let j = 0; j < ex.length; j++) m = Math.max(m, Math.abs(x[j] - ex[j]));
  return m;
}

/** Least-squares slope of log(error) against log(NFE): the observed order is minus that slope. */
function observedOrder(nfes: number[], errs: number[]): number {
  const lx = nfes.map(Math.log);
  const ly = errs.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length;
  const my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return -num / den;
}

describe('solvers on an analytic Gaussian flow', () => {
  const nfes = [8, 16, 32, 64, 128];

  it('euler converges at order 1', async () => {
    const errs = await Promise.all(nfes.map((n) => errorAt('euler', n)));
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
    const p = observedOrder(nfes, errs);
    expect(p).toBeGreaterThan(0.85);
    expect(p).toBeLessThan(1.3);
  });

  it('heun converges at order 2', async () => {
    const errs = await Promise.all(nfes.map((n) => errorAt('heun', n)));
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
    const p = observedOrder(nfes, errs);
    expect(p).toBeGreaterThan(1.8);
    expect(p).toBeLessThan(2.4);
    // and at equal NFE it beats Euler once the step is small
    expect(errs[errs.length - 1]).toBeLessThan(await errorAt('euler', nfes[nfes.length - 1]));
  });

  it('ddim converges (at least order 1) and is exact when x1_hat is constant', async () => {
    const errs = await Promise.all(nfes.map((n) => errorAt('ddim', n)));
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
    expect(observedOrder(nfes, errs)).toBeGreaterThan(0.85);
    // Point mass data (s = 0): E[x1 | x_t] = mu for every t, so one DDIM step lands on the exact solution.
    const x = await solve([0.3, -0.4], async () => [1, 2], { solver: 'ddim', nfe: 1, t0: T0, t1: T1 });
    const x0 = [(0.3 - alpha(T0)) / sigma(T0), (-0.4 - 2 * alpha(T0)) / sigma(T0)];
    expect(x[0]).toBeCloseTo(alpha(T1) * 1 + sigma(T1) * x0[0], 12);
    expect(x[1]).toBeCloseTo(alpha(T1) * 2 + sigma(T1) * x0[1], 12);
  });

  it('makes exactly the stated number of network calls', async () => {
    for (const [solver, nfe] of [['euler', 7], ['ddim', 3], ['heun', 6], ['heun', 5]] as const) {
      let calls = 0;
      const steps: number[] = [];
      await solve([0], async (x) => { calls++; return x; }, { solver, nfe, t0: T0, t1: T1, onStep: (d) => steps.push(d) });
      expect(calls).toBe(evaluationsFor(solver, nfe));
      expect(steps).toEqual(Array.from({ length: calls }, (_, i) => i + 1));
    }
    expect(stepsFor('heun', 5)).toBe(2);
    expect(() => stepsFor('heun', 1)).toThrow(/NFE >= 2/);
    expect(() => stepsFor('euler', 0)).toThrow(/NFE/);
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    const p = solve([0, 1], async (x, _t, c) => { if (c === 1) ac.abort(); return x; }, { solver: 'euler', nfe: 10, t0: T0, t1: T1, signal: ac.signal });
    await expect(p).rejects.toThrow();
  });
});
