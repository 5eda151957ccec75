import { describe, expect, it } from 'vitest';
import {
  basinPopulations,
  bondStability,
  compareTorsions,
  jsDistance,
  meanBondLengths,
  torsionHistograms,
} from '../../../../src/core/peptide/ramachandran';
import { createRng } from '../../../../src/core/rng';

describe('torsion histograms and distances', () => {
  it('bins [-180, 180) into 100 bins of 3.6° and 50 × 50 joint bins, skipping non-finite pairs', () => {
    const h = torsionHistograms([-180, -176.0, 0, 179.99, NaN], [0, 0, -180, 179.99, 1]);
    expect(h.count).toBe(4);
    expect(h.phi[0]).toBe(1); // -180
    expect(h.phi[1]).toBe(1); // -176 lies in the second bin (-176.4, -172.8)
    expect(h.phi[50]).toBe(1);
    expect(h.phi[99]).toBe(1);
    expect(h.psi[0]).toBe(1);
    expect(h.joint[0 * 50 + 25]).toBe(2); // (-180, 0) and (-176, 0): the joint bins are 7.2° wide
    expect(h.joint[49 * 50 + 49]).toBe(1);
  });

  it('gives 0 for identical distributions, 1 for disjoint ones, and is symmetric', () => {
    expect(jsDistance([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jsDistance([1, 0], [0, 5])).toBeCloseTo(1, 12);
    // p = (1/2, 1/2), q = (1, 0): JS divergence = 1 - 3/4 log2(3) + 1/2 ... computed directly
    const m = [0.75, 0.25];
    const kl = (a: number[]) => a.reduce((s, v, i) => (v > 0 ? s + v * Math.log2(v / m[i]) : s), 0);
    const want = Math.sqrt(0.5 * kl([0.5, 0.5]) + 0.5 * kl([1, 0]));
    expect(jsDistance([1, 1], [3, 0])).toBeCloseTo(want, 12);
    expect(jsDistance([3, 0], [1, 1])).toBeCloseTo(want, 12);
    expect(() => jsDistance([0, 0], [1, 1])).toThrow(/empty histogram/);
  });

  it('assigns the basins of the reference MD README, and compares a sample with a reference', () => {
    const phi = [-150, -150, -70, -70, -70, 60, -150];
    const psi = [150, -170, 150, -40, 60, 30, -130];
    const p = basinPopulations(phi, psi);
    expect(p.beta_c7eq).toBeCloseTo(2 / 7);
    expect(p.pII_c5).toBeCloseTo(2 / 7);
    expect(p.alpha_r).toBeCloseTo(1 / 7);
    expect(p.alpha_l).toBeCloseTo(1 / 7);
    const rng = createRng(3);
    const a = Array.from({ length: 4000 }, () => -180 + 180 * rng.next());
    const b = Array.from({ length: 4000 }, () => -180 + 360 * rng.next());
    const same = compareTorsions(a, b, a, b);
    expect(same).toMatchObject({ js_phi: 0, js_psi: 0, js_phi_psi: 0, max_population_error: 0, points: 4000 });
    const moved = compareTorsions(a.map((v) => v + 180 - 1e-9), b, a, b);
    expect(moved.js_phi).toBeCloseTo(1, 9);
    expect(moved.populations.alpha_l).toBe(1);
    expect(moved.max_population_error).toBeCloseTo(1, 9);
  });
});

describe('bonds', () => {
  // water-like: O at the origin, two H at 0.96 Å, and a far-away H
  const pos = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0, 5, 5, 5];

  it('keeps a trajectory whose bonds stay within 15 % and flags the frame that breaks one', () => {
    const bonds: [number, number][] = [[0, 1], [0, 2]];
    const stretched = pos.slice();
    stretched[3] = 0.96 * 1.2;
    const traj = [...pos, ...pos, ...stretched];
    const ref = meanBondLengths(pos, 4, 1, bonds);
    const s = bondStability(traj, 4, 3, bonds, ref);
    expect(s).toMatchObject({ bonds: 2, frames: 3, kept: false });
    expect(s.frames_within).toBeCloseTo(2 / 3);
    expect(s.max_deviation).toBeCloseTo(0.2, 6);
    expect(bondStability(traj, 4, 2, bonds, ref).kept).toBe(true);
  });
});
