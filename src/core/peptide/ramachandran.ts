/**
 * Distribution metrics of a generated peptide trajectory against a reference (the ala2 card's long-rollout
 * numbers, computed the same way as models/training/lamslide_train/domains/peptide.py):
 * - Jensen-Shannon distance (base 2, 0 = identical, 1 = disjoint) of the φ and ψ histograms (100 bins of 3.6°
 *   over [-180°, 180°)) and of the 2-D φ/ψ histogram (50 × 50 bins of 7.2°);
 * - populations of the backbone basins (models/training/data/ala2/README.md): β/C7eq φ < −100°, ψ > 50° or
 *   ψ < −150°; PII/C5 −100° ≤ φ < 0°, same ψ; αR φ < 0°, −120° < ψ ≤ 50°; αL φ ≥ 0°;
 * - bond stability: every bond (src/core/elements.ts inferBonds) within ±15 % of a reference length.
 * Pure: arrays in, numbers out.
 */

export const TORSION_BINS = 100;
export const TORSION_BINS_2D = 50;

export type Basin = 'beta_c7eq' | 'pII_c5' | 'alpha_r' | 'alpha_l';
export const BASINS: readonly Basin[] = ['beta_c7eq', 'pII_c5', 'alpha_r', 'alpha_l'];
export const BASIN_LABELS: Record<Basin, string> = { beta_c7eq: 'β/C7eq', pII_c5: 'PII/C5', alpha_r: 'αR', alpha_l: 'αL' };

function bin(angle: number, bins: number): number {
  const i = Math.floor(((angle + 180) / 360) * bins);
  return Math.min(bins - 1, Math.max(0, i));
}

/** Counts of φ, ψ and the joint φ/ψ (row φ, column ψ); non-finite pairs are skipped. */
export function torsionHistograms(phi: ArrayLike<number>, psi: ArrayLike<number>): { phi: Float64Array; psi: Float64Array; joint: Float64Array; count: number } {
  if (phi.length !== psi.length) throw new RangeError(`phi has ${phi.length} values, psi ${psi.length}`);
  const h = { phi: new Float64Array(TORSION_BINS), psi: new Float64Array(TORSION_BINS), joint: new Float64Array(TORSION_BINS_2D ** 2), count: 0 };
  for (let i = 0; i < phi.length; i++) {
    const a = phi[i];
    const b = psi[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    h.phi[bin(a, TORSION_BINS)]++;
    h.psi[bin(b, TORSION_BINS)]++;
    h.joint[bin(a, TORSION_BINS_2D) * TORSION_BINS_2D + bin(b, TORSION_BINS_2D)]++;
    h.count++;
  }
  return h;
}

/** Jensen-Shannon distance (base 2, in [0, 1]) of two histograms of counts (normalised here). */
export function jsDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`histograms of ${p.length} and ${q.length} bins`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) throw new RangeError('an empty histogram has no distribution');
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = 0.5 * (a + b);
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, js));
}

/** Fraction of the (finite) frames in each basin; the four need not sum to 1 (some pairs lie in none). */
export function basinPopulations(phi: ArrayLike<number>, psi: ArrayLike<number>): Record<Basin, number> {
  const c: Record<Basin, number> = { beta_c7eq: 0, pII_c5: 0, alpha_r: 0, alpha_l: 0 };
  let n = 0;
  for (let i = 0; i < phi.length; i++) {
    const a = phi[i];
    const b = psi[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++;
    const extended = b > 50 || b < -150;
    if (a >= 0) c.alpha_l++;
    else if (extended) c[a < -100 ? 'beta_c7eq' : 'pII_c5']++;
    else if (b > -120 && b <= 50) c.alpha_r++;
  }
  for (const k of BASINS) c[k] = n > 0 ? c[k] / n : 0;
  return c;
}

export interface TorsionComparison {
  js_phi: number;
  js_psi: number;
  js_phi_psi: number;
  populations: Record<Basin, number>;
  reference_populations: Record<Basin, number>;
  /** largest |population − reference population| over the four basins */
  max_population_error: number;
  points: number;
  reference_points: number;
}

export function compareTorsions(phi: ArrayLike<number>, psi: ArrayLike<number>, refPhi: ArrayLike<number>, refPsi: ArrayLike<number>): TorsionComparison {
  const a = torsionHistograms(phi, psi);
  const b = torsionHistograms(refPhi, refPsi);
  const pop = basinPopulations(phi, psi);
  const ref = basinPopulations(refPhi, refPsi);
  return {
    js_phi: jsDistance(a.phi, b.phi),
    js_psi: jsDistance(a.psi, b.psi),
    js_phi_psi: jsDistance(a.joint, b.joint),
    populations: pop,
    reference_populations: ref,
    max_population_error: Math.max(...BASINS.map((k) => Math.abs(pop[k] - ref[k]))),
    points: a.count,
    reference_points: b.count,
  };
}

/** Length of bond b in frame f of pos [F, N, 3]. */
export function bondLength(pos: ArrayLike<number>, N: number, f: number, [i, j]: [number, number]): number {
  const a = (f * N + i) * 3;
  const b = (f * N + j) * 3;
  return Math.hypot(pos[a] - pos[b], pos[a + 1] - pos[b + 1], pos[a + 2] - pos[b + 2]);
}

/** Mean length of each bond over the frames of pos [F, N, 3]. */
export function meanBondLengths(pos: ArrayLike<number>, N: number, frames: number, bonds: [number, number][]): Float64Array {
  const out = new Float64Array(bonds.length);
  for (let f = 0; f < frames; f++) bonds.forEach((b, k) => (out[k] += bondLength(pos, N, f, b) / frames));
  return out;
}

export interface BondStability {
  bonds: number;
  frames: number;
  /** whether every bond stays within ±tol of its reference length in every frame */
  kept: boolean;
  /** fraction of frames with every bond within ±tol */
  frames_within: number;
  /** largest |length / reference − 1| */
  max_deviation: number;
}

export function bondStability(pos: ArrayLike<number>, N: number, frames: number, bonds: [number, number][], refLengths: ArrayLike<number>, tol = 0.15): BondStability {
  let ok = 0;
  let worst = 0;
  for (let f = 0; f < frames; f++) {
    let all = true;
    bonds.forEach((b, k) => {
      const dev = Math.abs(bondLength(pos, N, f, b) / refLengths[k] - 1);
      if (!(dev <= tol)) all = false;
      worst = Math.max(worst, Number.isFinite(dev) ? dev : Infinity);
    });
    if (all) ok++;
  }
  return { bonds: bonds.length, frames, kept: ok === frames, frames_within: frames > 0 ? ok / frames : 0, max_deviation: worst };
}
