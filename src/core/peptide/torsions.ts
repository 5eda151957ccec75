/**
 * Backbone torsions of peptides: the dihedral angle of four atom positions, the atoms that define φ and ψ, and
 * the angles over a trajectory. Pure: no DOM.
 *
 * φ = C(i-1)–N(i)–CA(i)–C(i), ψ = N(i)–CA(i)–C(i)–N(i+1); for alanine dipeptide (ACE-ALA-NME) that is
 * C(ACE)–N–CA–C and N–CA–C–N(NME). The atoms are found from a PDB's atom and residue names when the labels carry
 * them (the PDB reader labels atoms "CA ALA 2"), otherwise from the bonding topology (covalent radii), which is
 * all an XYZ file gives.
 */
import { inferBonds, normalizeElement } from '../elements';
import type { Scene } from '../scene';

/**
 * Dihedral angle a–b–c–d in degrees, in (-180, 180], IUPAC sign: positive when, looking along b→c, the bond
 * b–a turns clockwise to eclipse c–d. Positions are read at p[o..o+3) for each of the four offsets.
 * NaN when three of the points are collinear (the angle is undefined).
 */
export function dihedralAt(p: ArrayLike<number>, oa: number, ob: number, oc: number, od: number): number {
  const b1x = p[ob] - p[oa], b1y = p[ob + 1] - p[oa + 1], b1z = p[ob + 2] - p[oa + 2];
  const b2x = p[oc] - p[ob], b2y = p[oc + 1] - p[ob + 1], b2z = p[oc + 2] - p[ob + 2];
  const b3x = p[od] - p[oc], b3y = p[od + 1] - p[oc + 1], b3z = p[od + 2] - p[oc + 2];
  // n1 = b1 × b2, n2 = b2 × b3
  const n1x = b1y * b2z - b1z * b2y, n1y = b1z * b2x - b1x * b2z, n1z = b1x * b2y - b1y * b2x;
  const n2x = b2y * b3z - b2z * b3y, n2y = b2z * b3x - b2x * b3z, n2z = b2x * b3y - b2y * b3x;
  const b2len = Math.hypot(b2x, b2y, b2z);
  const x = n1x * n2x + n1y * n2y + n1z * n2z;
  // |b2| b1 · (b2 × b3)
  const y = b2len * (b1x * n2x + b1y * n2y + b1z * n2z);
  if (Math.hypot(n1x, n1y, n1z) < 1e-12 || Math.hypot(n2x, n2y, n2z) < 1e-12) return NaN;
  const deg = (Math.atan2(y, x) * 180) / Math.PI;
  return deg === -180 ? 180 : deg;
}

/** Dihedral angle of four points [x, y, z], in degrees (see dihedralAt). */
export function dihedral(a: readonly number[], b: readonly number[], c: readonly number[], d: readonly number[]): number {
  return dihedralAt([...a, ...b, ...c, ...d], 0, 3, 6, 9);
}

/** Four entity indices defining one torsion. */
export type Quad = [number, number, number, number];

export interface ResidueTorsions {
  /** "ALA 2" from the names, or "Cα = C9" from the topology */
  label: string;
  phi: Quad;
  psi: Quad;
}

export interface Backbone {
  /** how the atoms were found */
  method: 'names' | 'bonds';
  /** residues with both φ and ψ defined, in chain order */
  residues: ResidueTorsions[];
}

export type BackboneResult = { ok: true; backbone: Backbone } | { ok: false; reason: string };

/** An atom label as the PDB reader writes it: atom name, residue name, residue number ("CA ALA 2"). */
const PDB_LABEL = /^(\S{1,4}) (\S{1,3}) (-?\d{1,4})$/;

interface NamedAtom {
  index: number;
  name: string;
  resName: string;
  resSeq: number;
}

function namedAtoms(scene: Scene): NamedAtom[] | null {
  const out: NamedAtom[] = [];
  for (let i = 0; i < scene.entities.length; i++) {
    const m = PDB_LABEL.exec(scene.entities[i].label);
    if (!m) return null;
    out.push({ index: i, name: m[1].toUpperCase(), resName: m[2].toUpperCase(), resSeq: Number(m[3]) });
  }
  return out;
}

/** From atom and residue names: residues in order of appearance, each with its N, CA and C. */
function byNames(atoms: NamedAtom[]): BackboneResult {
  const residues: { key: string; resName: string; resSeq: number; atoms: Map<string, number> }[] = [];
  for (const a of atoms) {
    const key = `${a.resName} ${a.resSeq}`;
    let r = residues[residues.length - 1];
    if (!r || r.key !== key) residues.push((r = { key, resName: a.resName, resSeq: a.resSeq, atoms: new Map() }));
    if (r.atoms.has(a.name)) return { ok: false, reason: `atom ${a.name} appears twice in residue ${key}` };
    r.atoms.set(a.name, a.index);
  }
  const out: ResidueTorsions[] = [];
  for (let i = 1; i + 1 < residues.length; i++) {
    const prev = residues[i - 1];
    const r = residues[i];
    const next = residues[i + 1];
    const n = r.atoms.get('N');
    const ca = r.atoms.get('CA');
    const c = r.atoms.get('C');
    const cPrev = prev.atoms.get('C');
    const nNext = next.atoms.get('N');
    // Consecutive residue numbers only: a gap in the chain has no peptide bond across it.
    if (n === undefined || ca === undefined || c === undefined || cPrev === undefined || nNext === undefined) continue;
    if (r.resSeq - prev.resSeq !== 1 || next.resSeq - r.resSeq !== 1) continue;
    out.push({ label: r.key, phi: [cPrev, n, ca, c], psi: [n, ca, c, nNext] });
  }
  if (!out.length) return { ok: false, reason: 'no residue has N, CA and C with a C before it and an N after it (atom names)' };
  return { ok: true, backbone: { method: 'names', residues: out } };
}

/** First frame in which every entity is present (topology is read there), or -1. */
function completeFrame(scene: Scene): number {
  const n = scene.entities.length;
  for (let f = 0; f < Math.min(scene.frameCount, 50); f++) {
    let all = true;
    for (let i = 0; i < n && all; i++) all = scene.mask[f * n + i] === 1;
    if (all) return f;
  }
  return -1;
}

/**
 * From the bonds: a carbonyl C is a carbon bonded to an oxygen that has no other bond; a Cα is a carbon bonded
 * to a nitrogen and to a carbonyl C; φ takes the carbonyl C on the other side of that nitrogen, ψ the nitrogen
 * on the other side of the carbonyl C. Each must be unique, else the molecule is not read as a peptide.
 */
function byBonds(scene: Scene): BackboneResult {
  const n = scene.entities.length;
  const el = scene.entities.map((e) => (e.element ? normalizeElement(e.element) : undefined));
  if (el.some((e) => e === undefined)) return { ok: false, reason: 'an atom has no element, so no bonds can be inferred' };
  const frame = completeFrame(scene);
  if (frame < 0) return { ok: false, reason: 'no frame holds every atom' };
  const nb: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of inferBonds(scene, frame)) {
    nb[a].push(b);
    nb[b].push(a);
  }
  const carbonyl = (i: number) => el[i] === 'C' && nb[i].some((j) => el[j] === 'O' && nb[j].length === 1);
  const out: ResidueTorsions[] = [];
  for (let ca = 0; ca < n; ca++) {
    if (el[ca] !== 'C') continue;
    const ns = nb[ca].filter((j) => el[j] === 'N');
    const cs = nb[ca].filter((j) => carbonyl(j));
    if (ns.length !== 1 || cs.length !== 1) continue;
    const [nAt] = ns;
    const [c] = cs;
    const cPrev = nb[nAt].filter((j) => j !== ca && carbonyl(j));
    const nNext = nb[c].filter((j) => j !== ca && el[j] === 'N');
    if (cPrev.length !== 1 || nNext.length !== 1) continue;
    out.push({ label: `Cα = ${scene.entities[ca].label}`, phi: [cPrev[0], nAt, ca, c], psi: [nAt, ca, c, nNext[0]] });
  }
  if (!out.length) return { ok: false, reason: 'no carbon is bonded to an amide N and a carbonyl C between two peptide bonds (bonds from covalent radii)' };
  return { ok: true, backbone: { method: 'bonds', residues: out } };
}

/** The φ/ψ atoms of a 3-D scene: by atom names when every label carries them, else by bonds. */
export function findBackbone(scene: Scene): BackboneResult {
  if (scene.dim !== 3) return { ok: false, reason: 'the scene is not 3-D' };
  const named = namedAtoms(scene);
  if (named) {
    const r = byNames(named);
    if (r.ok) return r;
  }
  return byBonds(scene);
}

const backboneCache = new WeakMap<Scene, BackboneResult>();
/** findBackbone, cached per scene object. */
export function backboneOf(scene: Scene): BackboneResult {
  let r = backboneCache.get(scene);
  if (!r) backboneCache.set(scene, (r = findBackbone(scene)));
  return r;
}

/**
 * The torsion `q` over frames of a frame-major position array: frame f's entity i is at
 * ((f * N) + i) * 3. `present(f, i)` (optional) says whether an atom exists in a frame; NaN where one is absent.
 */
export function torsionSeries(pos: ArrayLike<number>, N: number, frames: number, q: Quad, present?: (f: number, i: number) => boolean): Float32Array {
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    if (present && !q.every((i) => present(f, i))) {
      out[f] = NaN;
      continue;
    }
    const b = f * N * 3;
    out[f] = dihedralAt(pos, b + q[0] * 3, b + q[1] * 3, b + q[2] * 3, b + q[3] * 3);
  }
  return out;
}

/** φ and ψ of a scene frame for one residue; null when an atom is absent there. */
export function torsionsAt(scene: Scene, frame: number, r: ResidueTorsions): { phi: number; psi: number } | null {
  const N = scene.entities.length;
  if (frame < 0 || frame >= scene.frameCount) return null;
  if (![...r.phi, ...r.psi].every((i) => scene.mask[frame * N + i])) return null;
  const b = frame * N * 3;
  const at = (q: Quad) => dihedralAt(scene.positions, b + q[0] * 3, b + q[1] * 3, b + q[2] * 3, b + q[3] * 3);
  return { phi: at(r.phi), psi: at(r.psi) };
}

/** A peptide scene: 3-D, and its backbone gives at least one residue with φ and ψ. */
export function isPeptide(scene: Scene): boolean {
  return scene.dim === 3 && backboneOf(scene).ok;
}
