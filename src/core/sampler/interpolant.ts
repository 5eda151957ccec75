/**
 * The GVP (trigonometric) interpolant of CONTRACT.md: x_t = alpha(t) x1 + sigma(t) x0,
 * alpha = sin(pi t / 2), sigma = cos(pi t / 2). Data prediction: the network returns x1_hat.
 */

const HALF_PI = Math.PI / 2;

export function alpha(t: number): number {
  return Math.sin(HALF_PI * t);
}

export function sigma(t: number): number {
  return Math.cos(HALF_PI * t);
}

export function alphaDot(t: number): number {
  return HALF_PI * Math.cos(HALF_PI * t);
}

export function sigmaDot(t: number): number {
  return -HALF_PI * Math.sin(HALF_PI * t);
}

/** t_i = t0 + (t1 - t0) i / S for i = 0..S (S + 1 points). */
export function timeGrid(t0: number, t1: number, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`timeGrid: steps must be an integer >= 1, got ${steps}`);
  const g = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) g[i] = t0 + ((t1 - t0) * i) / steps;
  return g;
}

/** x0_hat = (x - alpha x1_hat) / sigma, written into `out`. */
export function noiseFromData(x: ArrayLike<number>, x1: ArrayLike<number>, t: number, out: Float64Array): Float64Array {
  const a = alpha(t);
  const s = sigma(t);
  for (let i = 0; i < out.length; i++) out[i] = (x[i] - a * x1[i]) / s;
  return out;
}

/** v = alpha'(t) x1_hat + sigma'(t) x0_hat with x0_hat from (x, x1_hat), written into `out`. */
export function velocity(x: ArrayLike<number>, x1: ArrayLike<number>, t: number, out: Float64Array): Float64Array {
  const a = alpha(t);
  const s = sigma(t);
  const da = alphaDot(t);
  const ds = sigmaDot(t);
  for (let i = 0; i < out.length; i++) {
    const x0 = (x[i] - a * x1[i]) / s;
    out[i] = da * x1[i] + ds * x0;
  }
  return out;
}

/** v(x, x1_hat, t) = p x + q x1_hat: the velocity is linear in the state and the prediction. */
export function velocityCoeffs(t: number): [p: number, q: number] {
  const a = alpha(t);
  const s = sigma(t);
  const ds = sigmaDot(t);
  return [ds / s, alphaDot(t) - (ds * a) / s];
}
