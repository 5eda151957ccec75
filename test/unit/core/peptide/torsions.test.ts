import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSceneFile } from '../../../../src/core/formats/index';
import { dihedral, dihedralAt, findBackbone, isPeptide, torsionSeries, torsionsAt } from '../../../../src/core/peptide/torsions';
import type { Entity, Scene } from '../../../../src/core/scene';
import { water } from '../run/helpers';

const demo = (name: string) => parseSceneFile(name, readFileSync(new URL(`../../../../public/scenes/${name}`, import.meta.url), 'utf8'));

/** a at +x, b at the origin, c on +z, d at angle theta around z at height 1 (the hand-computed case). */
const quad = (theta: number) => {
  const t = (theta * Math.PI) / 180;
  return [[1, 0, 0], [0, 0, 0], [0, 0, 1], [Math.cos(t), Math.sin(t), 1]] as const;
};

describe('dihedral angles', () => {
  it('gives the angle between the planes a-b-c and b-c-d, with the IUPAC sign', () => {
    // Looking along b→c (+z), d lies theta counter-clockwise from a in the xy plane seen from above, which is
    // clockwise seen along +z: positive.
    for (const theta of [0, 30, 60, 90, 120, 179, -45, -120, -179]) expect(dihedral(...quad(theta))).toBeCloseTo(theta, 9);
    expect(dihedral(...quad(180))).toBe(180);
    expect(dihedral(...quad(-180))).toBe(180);
  });

  it('does not depend on bond lengths, translation or rotation', () => {
    const [a, b, c, d] = quad(-63.5);
    const far = (p: readonly number[], s: number) => [p[0] * s + 3, p[1] * s - 7, p[2] * s + 1];
    expect(dihedral(far(a, 2.5), far(b, 2.5), far(c, 2.5), far(d, 2.5))).toBeCloseTo(-63.5, 9);
    // a quarter turn about x: (x, y, z) -> (x, -z, y)
    const rot = (p: readonly number[]) => [p[0], -p[2], p[1]];
    expect(dihedral(rot(a), rot(b), rot(c), rot(d))).toBeCloseTo(-63.5, 9);
    // a planar zig-zag is trans (180), a U is cis (0)
    expect(dihedral([0, 1, 0], [0, 0, 0], [1, 0, 0], [1, -1, 0])).toBe(180);
    expect(dihedral([0, 1, 0], [0, 0, 0], [1, 0, 0], [1, 1, 0])).toBe(0);
  });

  it('is NaN when three points are collinear', () => {
    expect(dihedral([0, 0, 0], [1, 0, 0], [2, 0, 0], [2, 1, 0])).toBeNaN();
    expect(dihedralAt([0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 2, 0], 0, 3, 6, 9)).toBeNaN();
  });
});

describe('the backbone of alanine dipeptide', () => {
  // mdtraj.compute_phi / compute_psi on public/scenes/alanine-dipeptide.pdb (degrees, frames 0, 1, 50, 99).
  const MDTRAJ_PHI = [-84.283, -80.367, -72.358, -56.322];
  const MDTRAJ_PSI = [-12.028, -45.276, 174.647, 154.097];
  const FRAMES = [0, 1, 50, 99];

  it('finds C(ACE)-N-CA-C and N-CA-C-N(NME) from the PDB names', () => {
    const s = demo('alanine-dipeptide.pdb');
    const r = findBackbone(s);
    if (!r.ok) throw new Error(r.reason);
    expect(r.backbone.method).toBe('names');
    expect(r.backbone.residues).toEqual([{ label: 'ALA 2', phi: [4, 6, 8, 10], psi: [6, 8, 10, 16] }]);
    FRAMES.forEach((f, i) => {
      const t = torsionsAt(s, f, r.backbone.residues[0])!;
      expect(t.phi).toBeCloseTo(MDTRAJ_PHI[i], 2);
      expect(t.psi).toBeCloseTo(MDTRAJ_PSI[i], 2);
    });
    expect(isPeptide(s)).toBe(true);
  });

  it('finds the same atoms in the XYZ file from its bonds alone', () => {
    const s = demo('alanine-dipeptide.xyz');
    const r = findBackbone(s);
    if (!r.ok) throw new Error(r.reason);
    expect(r.backbone.method).toBe('bonds');
    expect(r.backbone.residues.map((x) => [x.phi, x.psi])).toEqual([[[4, 6, 8, 10], [6, 8, 10, 16]]]);
    // The XYZ carries 5 decimals where the PDB has 3.
    const phi = torsionSeries(s.positions, 22, s.frameCount, r.backbone.residues[0].phi);
    FRAMES.forEach((f, i) => expect(phi[f]).toBeCloseTo(MDTRAJ_PHI[i], 0));
  });

  it('reads the topology when the atoms are shuffled and the names are gone', () => {
    const s = demo('alanine-dipeptide.pdb');
    const order = [21, 3, 17, 0, 9, 12, 5, 19, 1, 14, 8, 2, 20, 6, 11, 16, 4, 13, 7, 18, 10, 15];
    const N = 22;
    const positions = new Float32Array(s.frameCount * N * 3);
    for (let f = 0; f < s.frameCount; f++) order.forEach((src, dst) => positions.set(s.positions.subarray((f * N + src) * 3, (f * N + src + 1) * 3), (f * N + dst) * 3));
    const entities: Entity[] = order.map((src, dst) => ({ sourceId: String(dst), label: `atom ${dst}`, element: s.entities[src].element }));
    const shuffled: Scene = { ...s, entities, positions };
    const r = findBackbone(shuffled);
    if (!r.ok) throw new Error(r.reason);
    const back = (q: number[]) => q.map((i) => order[i]);
    expect(back(r.backbone.residues[0].phi)).toEqual([4, 6, 8, 10]);
    expect(back(r.backbone.residues[0].psi)).toEqual([6, 8, 10, 16]);
    expect(torsionsAt(shuffled, 50, r.backbone.residues[0])!.psi).toBeCloseTo(MDTRAJ_PSI[2], 2);
  });

  it('refuses what is not a peptide, saying why', () => {
    const w = findBackbone(water());
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.reason).toMatch(/no carbon is bonded to an amide N and a carbonyl C/);
    expect(isPeptide(water())).toBe(false);
    const s = demo('alanine-dipeptide.pdb');
    const flat: Scene = { ...s, dim: 2, positions: new Float32Array(s.frameCount * 22 * 2) };
    expect(findBackbone(flat)).toEqual({ ok: false, reason: 'the scene is not 3-D' });
  });

  it('leaves a frame without one of the atoms empty', () => {
    const s = demo('alanine-dipeptide.pdb');
    const mask = s.mask.slice();
    mask[3 * 22 + 8] = 0; // CA absent in frame 3
    const r = findBackbone(s);
    if (!r.ok) throw new Error(r.reason);
    const gappy = { ...s, mask };
    expect(torsionsAt(gappy, 3, r.backbone.residues[0])).toBeNull();
    const series = torsionSeries(s.positions, 22, 5, r.backbone.residues[0].phi, (f, i) => mask[f * 22 + i] === 1);
    expect(series[3]).toBeNaN();
    expect(series[4]).toBeCloseTo(torsionsAt(s, 4, r.backbone.residues[0])!.phi, 5);
  });
});
