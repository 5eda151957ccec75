import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ELEMENTS,
  elementByNumber,
  getElement,
  inferBonds,
  inferElementFromAtomName,
  normalizeElement,
} from '../../../src/core/elements';
import { makeScene } from './formats/helpers';

describe('element table', () => {
  it('covers H..Kr and common heavier elements with sane radii and colours', () => {
    for (let z = 1; z <= 36; z++) expect(elementByNumber(z), `Z=${z}`).toBeDefined();
    for (const s of ['Br', 'I', 'Ag', 'Pt', 'Au', 'Hg', 'Pb', 'Xe', 'U']) expect(getElement(s), s).toBeDefined();
    for (const e of ELEMENTS.values()) {
      expect(e.covalentRadius).toBeGreaterThan(0.2);
      expect(e.covalentRadius).toBeLessThan(2.6);
      expect(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff).toBe(true);
    }
    expect(getElement('C')).toMatchObject({ number: 6, covalentRadius: 0.76 });
  });

  it('normalizeElement is case-insensitive and returns undefined for unknown symbols', () => {
    expect(normalizeElement('cl')).toBe('Cl');
    expect(normalizeElement('CL')).toBe('Cl');
    expect(normalizeElement(' Fe ')).toBe('Fe');
    expect(normalizeElement('D')).toBe('H');
    expect(normalizeElement('Xx')).toBeUndefined();
    expect(normalizeElement('')).toBeUndefined();
    fc.assert(
      fc.property(fc.constantFrom(...ELEMENTS.keys()), fc.boolean(), (s, upper) => {
        expect(normalizeElement(upper ? s.toUpperCase() : s.toLowerCase())).toBe(s);
      }),
    );
  });
});

describe('inferElementFromAtomName', () => {
  it('follows the PDB column convention for raw 4-character names', () => {
    expect(inferElementFromAtomName(' CA ')).toBe('C');
    expect(inferElementFromAtomName(' OXT')).toBe('O');
    expect(inferElementFromAtomName('1HH3')).toBe('H');
    expect(inferElementFromAtomName('HB12')).toBe('H');
    expect(inferElementFromAtomName('CA  ')).toBe('C');
    expect(inferElementFromAtomName('CA  ', { hetero: true })).toBe('Ca');
    expect(inferElementFromAtomName('HG  ', { hetero: true })).toBe('Hg');
    expect(inferElementFromAtomName('HG  ')).toBe('H');
    expect(inferElementFromAtomName('CL  ')).toBe('Cl');
    expect(inferElementFromAtomName('FE  ', { hetero: true })).toBe('Fe');
  });

  it('resolves trimmed (layout-less) names by record type and residue', () => {
    expect(inferElementFromAtomName('CA')).toBe('C');
    expect(inferElementFromAtomName('HB1')).toBe('H');
    expect(inferElementFromAtomName('CA', { hetero: true, resName: 'CA' })).toBe('Ca');
    expect(inferElementFromAtomName('CA', { hetero: true, resName: 'MSE' })).toBe('C');
    expect(inferElementFromAtomName('ZN', { hetero: true, resName: 'ZN' })).toBe('Zn');
    expect(inferElementFromAtomName('CL1', { hetero: true, resName: 'LIG' })).toBe('Cl');
    expect(inferElementFromAtomName('CL1', { hetero: false })).toBe('C');
    expect(inferElementFromAtomName('NA', { hetero: true, resName: 'HEM' })).toBe('N');
    expect(inferElementFromAtomName('HG1', { hetero: true })).toBe('H');
    expect(inferElementFromAtomName('2HB')).toBe('H');
  });

  it('returns undefined when there is no letter or no element', () => {
    expect(inferElementFromAtomName('    ')).toBeUndefined();
    expect(inferElementFromAtomName('12')).toBeUndefined();
    expect(inferElementFromAtomName(' X  ')).toBeUndefined();
  });
});

describe('inferBonds', () => {
  const water = makeScene({
    dim: 3,
    kind: 'molecule',
    entities: [
      { sourceId: '0', label: 'O', element: 'O' },
      { sourceId: '1', label: 'H', element: 'H' },
      { sourceId: '2', label: 'H', element: 'H' },
      { sourceId: '3', label: 'agent' },
    ],
    frames: [
      [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0], [0.5, 0.5, 0]],
      [[0, 0, 0], [0.96, 0, 0], null, [0.5, 0.5, 0]],
    ],
  });

  it('bonds by covalent radii plus tolerance, skipping absent atoms and entities without element', () => {
    expect(inferBonds(water, 0)).toEqual([[0, 1], [0, 2]]);
    expect(inferBonds(water, 1)).toEqual([[0, 1]]);
    expect(inferBonds(water, 5)).toEqual([]);
  });

  it('matches the brute-force O(N^2) answer on random point clouds, 2-D and 3-D, with far-apart coordinates', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<2 | 3>(2, 3),
        fc.array(fc.tuple(fc.constantFrom('H', 'C', 'N', 'O', 'S', 'Fe'), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3, maxLength: 3 })), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0, 1e6, -3.3e7),
        (dim, atoms, offset) => {
          const scene = makeScene({
            dim,
            kind: 'molecule',
            entities: atoms.map(([el], i) => ({ sourceId: String(i), label: el, element: el })),
            frames: [atoms.map(([, p]) => p.slice(0, dim).map((v) => v + offset))],
          });
          const brute: Array<[number, number]> = [];
          for (let i = 0; i < atoms.length; i++) {
            for (let j = i + 1; j < atoms.length; j++) {
              let d2 = 0;
              for (let k = 0; k < dim; k++) d2 += (scene.positions[j * dim + k] - scene.positions[i * dim + k]) ** 2;
              const lim = getElement(atoms[i][0])!.covalentRadius + getElement(atoms[j][0])!.covalentRadius + 0.45;
              if (d2 < lim * lim) brute.push([i, j]);
            }
          }
          expect(inferBonds(scene, 0)).toEqual(brute);
        },
      ),
      { numRuns: 150 },
    );
  });

  // The timeout alone guards against an all-pairs search on 64k atoms; speed itself is not asserted.
  it('bonds a 64k-atom lattice', () => {
    // 40^3 = 64k carbon atoms on a 1.5 Å lattice: 6 neighbours each in the interior.
    const side = 40;
    const n = side ** 3;
    const positions = new Float32Array(n * 3);
    let k = 0;
    for (let a = 0; a < side; a++) for (let b = 0; b < side; b++) for (let c = 0; c < side; c++) positions.set([a * 1.5, b * 1.5, c * 1.5], 3 * k++);
    const scene = {
      ...makeScene({ dim: 3, entities: [], frames: [[]] }),
      entities: Array.from({ length: n }, (_, i) => ({ sourceId: String(i), label: 'C', element: 'C' })),
      positions,
      mask: new Uint8Array(n).fill(1),
    };
    const bonds = inferBonds(scene, 0);
    expect(bonds.length).toBe(3 * side * side * (side - 1));
  }, 30_000);
});
