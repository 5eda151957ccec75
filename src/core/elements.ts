/**
 * Chemical elements: what readers need to validate species, and what the view needs to draw atoms and bonds.
 * Covalent radii: single-bond values after Cordero et al. (2008), in Å (low-spin values for Mn, Fe, Co).
 * Colours: Jmol-style CPK palette.
 */

import type { Scene } from './scene';

export interface ElementInfo {
  symbol: string;
  number: number;
  /** Covalent radius in Å. */
  covalentRadius: number;
  /** Display colour 0xRRGGBB. */
  color: number;
}

// [symbol, Z, covalent radius Å, colour]
const TABLE: ReadonlyArray<readonly [string, number, number, number]> = [
  ['H', 1, 0.31, 0xffffff], ['He', 2, 0.28, 0xd9ffff],
  ['Li', 3, 1.28, 0xcc80ff], ['Be', 4, 0.96, 0xc2ff00], ['B', 5, 0.84, 0xffb5b5], ['C', 6, 0.76, 0x909090],
  ['N', 7, 0.71, 0x3050f8], ['O', 8, 0.66, 0xff0d0d], ['F', 9, 0.57, 0x90e050], ['Ne', 10, 0.58, 0xb3e3f5],
  ['Na', 11, 1.66, 0xab5cf2], ['Mg', 12, 1.41, 0x8aff00], ['Al', 13, 1.21, 0xbfa6a6], ['Si', 14, 1.11, 0xf0c8a0],
  ['P', 15, 1.07, 0xff8000], ['S', 16, 1.05, 0xffff30], ['Cl', 17, 1.02, 0x1ff01f], ['Ar', 18, 1.06, 0x80d1e3],
  ['K', 19, 2.03, 0x8f40d4], ['Ca', 20, 1.76, 0x3dff00], ['Sc', 21, 1.7, 0xe6e6e6], ['Ti', 22, 1.6, 0xbfc2c7],
  ['V', 23, 1.53, 0xa6a6ab], ['Cr', 24, 1.39, 0x8a99c7], ['Mn', 25, 1.39, 0x9c7ac7], ['Fe', 26, 1.32, 0xe06633],
  ['Co', 27, 1.26, 0xf090a0], ['Ni', 28, 1.24, 0x50d050], ['Cu', 29, 1.32, 0xc88033], ['Zn', 30, 1.22, 0x7d80b0],
  ['Ga', 31, 1.22, 0xc28f8f], ['Ge', 32, 1.2, 0x668f8f], ['As', 33, 1.19, 0xbd80e3], ['Se', 34, 1.2, 0xffa100],
  ['Br', 35, 1.2, 0xa62929], ['Kr', 36, 1.16, 0x5cb8d1],
  ['Rb', 37, 2.2, 0x702eb0], ['Sr', 38, 1.95, 0x00ff00], ['Y', 39, 1.9, 0x94ffff], ['Zr', 40, 1.75, 0x94e0e0],
  ['Nb', 41, 1.64, 0x73c2c9], ['Mo', 42, 1.54, 0x54b5b5], ['Tc', 43, 1.47, 0x3b9e9e], ['Ru', 44, 1.46, 0x248f8f],
  ['Rh', 45, 1.42, 0x0a7d8c], ['Pd', 46, 1.39, 0x006985], ['Ag', 47, 1.45, 0xc0c0c0], ['Cd', 48, 1.44, 0xffd98f],
  ['In', 49, 1.42, 0xa67573], ['Sn', 50, 1.39, 0x668080], ['Sb', 51, 1.39, 0x9e63b5], ['Te', 52, 1.38, 0xd47a00],
  ['I', 53, 1.39, 0x940094], ['Xe', 54, 1.4, 0x429eb0],
  ['Cs', 55, 2.44, 0x57178f], ['Ba', 56, 2.15, 0x00c900], ['W', 74, 1.62, 0x2194d6], ['Pt', 78, 1.36, 0xd0d0e0],
  ['Au', 79, 1.36, 0xffd123], ['Hg', 80, 1.32, 0xb8b8d0], ['Pb', 82, 1.46, 0x575961], ['Bi', 83, 1.48, 0x9e4fb5],
  ['U', 92, 1.96, 0x008fff],
];

export const ELEMENTS: ReadonlyMap<string, ElementInfo> = new Map(
  TABLE.map(([symbol, number, covalentRadius, color]) => [symbol, { symbol, number, covalentRadius, color }]),
);

const BY_UPPER = new Map<string, ElementInfo>(TABLE.map(([s]) => [s.toUpperCase(), ELEMENTS.get(s)!]));
const BY_NUMBER = new Map<number, ElementInfo>(TABLE.map(([s, z]) => [z, ELEMENTS.get(s)!]));

/** Colour for entities whose element is unknown or absent. */
export const UNKNOWN_ELEMENT_COLOR = 0xff1493;

/** Bond tolerance added to the sum of covalent radii (Å). */
export const BOND_TOLERANCE = 0.45;

export function getElement(symbol: string): ElementInfo | undefined {
  return ELEMENTS.get(symbol);
}

export function elementByNumber(z: number): ElementInfo | undefined {
  return BY_NUMBER.get(z);
}

/**
 * Canonical symbol ("Cl") for any capitalisation ("CL", "cl", " Cl "); undefined if not in the table.
 * Deuterium and tritium (D, T) map to H: the model and the view only care about the element.
 */
export function normalizeElement(sym: string): string | undefined {
  const s = sym.trim().toUpperCase();
  if (s === 'D' || s === 'T') return 'H';
  return BY_UPPER.get(s)?.symbol;
}

/**
 * Two-letter elements that plausibly appear as left-justified ligand atom names ("CL1", "BR2", "FE") when a
 * HETATM record has lost its column layout. Deliberately excludes symbols that collide with common organic
 * atom names: Ca/Cd/Ce (carbon CA, CD, CE), Hg/Ho/He (hydrogens HG, HO, HE), Na/Nb/Nd (heme nitrogens NA, NB, ND),
 * Os/Og (oxygens).
 */
const HETERO_TWO_LETTER = new Set([
  'Cl', 'Br', 'Fe', 'Zn', 'Mg', 'Mn', 'Cu', 'Ni', 'Se', 'Si', 'Li', 'Al', 'Pt', 'Au', 'Ag', 'Ga', 'As', 'Mo', 'Co',
]);

/** Two-letter symbols that are also standard protein atom names (CA, CD, CE, NE, ND, HE, HG, ...). */
const POLYMER_NAME_COLLISIONS = new Set(['Ca', 'Cd', 'Ce', 'Ne', 'Nd', 'He', 'Hg', 'Ho', 'Hf']);

export interface AtomNameContext {
  /** True for HETATM records (ligands, ions, water). */
  hetero?: boolean;
  /** Residue name (columns 18-20); ions are written with residue name = element ("ZN", "CL", "CA"). */
  resName?: string;
}

/**
 * Element from a PDB atom name, used when columns 77-78 are blank. The rule:
 * 1. Old-style names with a leading digit ("1HH3", "2HB ") are hydrogens-style numbering: the digit is skipped
 *    and the next letter is the element ("1HH3" -> H).
 * 2. If the name is the raw 4-character field (columns 13-16):
 *    - column 13 blank: the element is the single letter in column 14 (" CA " -> C, " OXT" -> O). This is the
 *      PDB convention: one-letter elements are right-justified into column 14.
 *    - column 13 used: PDB reserves it for two-letter elements ("CL  ", "FE  ") and for 4-character hydrogen
 *      names ("HB12"). A 4-letter name starting with H is H; otherwise the two letters if they form an element,
 *      else the first letter. Exception for ATOM (non-hetero) records: two letters that are also protein atom
 *      names (CA, CD, NE, HG, ...) give the first letter, since writers that left-justify names are commoner
 *      than calcium in a polymer chain ("CA  " in ATOM -> C, in HETATM -> Ca).
 * 3. If the layout was lost (trimmed name shorter than 4 characters, e.g. "CA", "CL1"), the name is ambiguous
 *    ("CA" is an alpha carbon in ATOM records but calcium in HETATM CA CA):
 *    - the residue name equals the name's letters and is an element (ion residues "ZN", "CA", "CL") -> that element;
 *    - HETATM: a leading two-letter symbol from a short list of common ligand/ion elements (Cl, Br, Fe, Zn, Mg, ...)
 *      wins ("CL1" -> Cl), others fall through (so "CA" -> C, "HG1" -> H);
 *    - otherwise the first letter (polymer atoms in ATOM records are C, N, O, S, H, P).
 * Returns undefined when no element can be inferred.
 */
export function inferElementFromAtomName(name: string, ctx: AtomNameContext = {}): string | undefined {
  if (name.length === 4 && (name[0] === ' ' || isDigit(name.charCodeAt(0)))) {
    const letter = firstLetter(name);
    return letter ? normalizeElement(letter) : undefined;
  }
  const trimmed = name.trim();
  if (trimmed.length === 0) return undefined;
  if (isDigit(trimmed.charCodeAt(0))) {
    const letter = firstLetter(trimmed);
    return letter ? normalizeElement(letter) : undefined;
  }
  const letters = leadingLetters(trimmed).toUpperCase();
  if (letters.length === 0) return undefined;
  const two = letters.length >= 2 ? normalizeElement(letters.slice(0, 2)) : undefined;

  if (name.length === 4) {
    // Full-width field with column 13 used.
    if (letters[0] === 'H' && trimmed.length === 4) return 'H';
    // Left-justified polymer names from sloppy writers ("CA  " for an alpha carbon) must not become metals.
    if (!ctx.hetero && two && POLYMER_NAME_COLLISIONS.has(two)) return normalizeElement(letters[0]);
    return two ?? normalizeElement(letters[0]);
  }

  const res = ctx.resName?.trim().toUpperCase();
  if (res && res === letters) {
    const asElement = normalizeElement(res);
    if (asElement) return asElement;
  }
  if (ctx.hetero && two && HETERO_TWO_LETTER.has(two)) return two;
  return normalizeElement(letters[0]);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function firstLetter(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) if (isLetter(s.charCodeAt(i))) return s[i];
  return undefined;
}

function leadingLetters(s: string): string {
  let i = 0;
  while (i < s.length && isLetter(s.charCodeAt(i))) i++;
  return s.slice(0, i);
}

/**
 * Bonds in one frame from covalent radii: i-j bonded when |x_i - x_j| < r_i + r_j + BOND_TOLERANCE.
 * Atoms absent in the frame and entities without a known element are skipped. Pairs come out with i < j.
 * A uniform grid with cell size >= the largest possible bond length makes this ~O(N) for molecules; 2-D scenes
 * are treated as lying in z = 0.
 */
export function inferBonds(scene: Scene, frame: number, tolerance: number = BOND_TOLERANCE): Array<[number, number]> {
  const n = scene.entities.length;
  const d = scene.dim;
  const bonds: Array<[number, number]> = [];
  if (!Number.isInteger(frame) || frame < 0 || frame >= scene.frameCount || n === 0) return bonds;

  const radius = new Float64Array(n);
  const atoms: number[] = [];
  let maxR = 0;
  for (let i = 0; i < n; i++) {
    const el = scene.entities[i].element;
    const info = el === undefined ? undefined : ELEMENTS.get(el) ?? BY_UPPER.get(el.toUpperCase());
    if (!info || scene.mask[frame * n + i] !== 1) continue;
    radius[i] = info.covalentRadius;
    if (info.covalentRadius > maxR) maxR = info.covalentRadius;
    atoms.push(i);
  }
  if (atoms.length < 2) return bonds;

  const cell = 2 * maxR + tolerance;
  const base = frame * n * d;
  const px = (i: number) => scene.positions[base + i * d];
  const py = (i: number) => scene.positions[base + i * d + 1];
  const pz = (i: number) => (d === 3 ? scene.positions[base + i * d + 2] : 0);

  // Cell coordinates wrap modulo K, so keys stay exact integers whatever the coordinate range. Wrapping can only
  // put far-apart atoms in one bucket (extra distance checks), never miss a neighbour; with K > 3 the 27 cells
  // around an atom have distinct keys, so no pair is visited twice.
  const K = 1 << 17;
  const wrap = (v: number) => ((v % K) + K) % K;
  const key = (cx: number, cy: number, cz: number) => wrap(cx) + K * (wrap(cy) + K * wrap(cz));
  const cellOf = (v: number) => Math.floor(v / cell);

  const buckets = new Map<number, number[]>();
  for (const i of atoms) {
    const k = key(cellOf(px(i)), cellOf(py(i)), cellOf(pz(i)));
    const b = buckets.get(k);
    if (b) b.push(i);
    else buckets.set(k, [i]);
  }

  for (const i of atoms) {
    const xi = px(i);
    const yi = py(i);
    const zi = pz(i);
    const cx = cellOf(xi);
    const cy = cellOf(yi);
    const cz = cellOf(zi);
    const zRange = d === 3 ? 1 : 0;
    for (let dz = -zRange; dz <= zRange; dz++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const b = buckets.get(key(cx + dx, cy + dy, cz + dz));
          if (!b) continue;
          for (const j of b) {
            if (j <= i) continue;
            const ex = px(j) - xi;
            const ey = py(j) - yi;
            const ez = pz(j) - zi;
            const lim = radius[i] + radius[j] + tolerance;
            if (ex * ex + ey * ey + ez * ez < lim * lim) bonds.push([i, j]);
          }
        }
      }
    }
  }
  bonds.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return bonds;
}
