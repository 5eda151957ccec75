/**
 * Small seeded PRNG shared by ID assignment and sampling noise.
 * Runs identically in Node and the browser, so a seed reproduces a sample on either side.
 */

/** mulberry32: 32-bit state, good enough statistically for noise and shuffles, and tiny. */
export function mulberry32(seed: number): () => number {
  // Non-integer or huge seeds would otherwise silently collapse to a few states.
  let a = toSeed32(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fills `out` with standard normals and returns it. */
  fillNormal(out: Float32Array | Float64Array): Float32Array | Float64Array;
}

export function createRng(seed: number): Rng {
  const u = mulberry32(seed);
  let spare = 0;
  let hasSpare = false;
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // 1 - u() lies in (0, 1], so the log never sees 0.
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    hasSpare = true;
    return r * Math.cos(theta);
  };
  return {
    next: u,
    normal,
    int(n: number): number {
      return Math.floor(u() * n);
    },
    fillNormal(out) {
      for (let i = 0; i < out.length; i++) out[i] = normal();
      return out;
    },
  };
}

function toSeed32(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  const s = Math.trunc(seed);
  // Fold the high bits in so seeds beyond 2^32 still differ from their low 32 bits.
  const hi = Math.floor(s / 4294967296);
  return (s ^ Math.imul(hi | 0, 0x9e3779b1)) | 0;
}
