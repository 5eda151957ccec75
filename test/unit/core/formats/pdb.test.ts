import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readPdb, writePdb } from '../../../../src/core/formats/pdb';
import { SceneWriteError } from '../../../../src/core/errors';
import { expectParseError, expectSameScene, makeScene, sceneArb } from './helpers';

const F = 'prot.pdb';

/** Builds an ATOM/HETATM record in the standard columns. */
function atom(rec: 'ATOM' | 'HETATM', serial: number, name: string, res: string, seq: number, x: number, y: number, z: number, el = ''): string {
  return (
    rec.padEnd(6) +
    String(serial).padStart(5) +
    ' ' +
    name.padEnd(4) +
    ' ' +
    res.padStart(3) +
    ' A' +
    String(seq).padStart(4) +
    '    ' +
    x.toFixed(3).padStart(8) +
    y.toFixed(3).padStart(8) +
    z.toFixed(3).padStart(8) +
    '  1.00  0.00' +
    (el ? ' '.repeat(10) + el.padStart(2) : '')
  );
}

describe('readPdb', () => {
  it('reads MODEL/ENDMDL frames, labels and elements from columns 77-78', () => {
    const text = [
      'HEADER    TEST',
      'CRYST1   10.000   10.000   10.000  90.00  90.00  90.00 P 1           1',
      'MODEL        1',
      atom('ATOM', 1, ' N', 'ALA', 2, 1, 2, 3, 'N'),
      atom('ATOM', 2, ' CA', 'ALA', 2, 2, 2, 3, 'C'),
      atom('HETATM', 3, 'ZN', 'ZN', 5, 9, 9, 9, 'ZN'),
      'TER',
      'ENDMDL',
      'MODEL        2',
      atom('ATOM', 1, ' N', 'ALA', 2, 1, 2, 4, 'N'),
      atom('ATOM', 2, ' CA', 'ALA', 2, 2, 2, 4, 'C'),
      atom('HETATM', 3, 'ZN', 'ZN', 5, 9, 9, 8, 'ZN'),
      'ENDMDL',
      'CONECT    1    2',
      'END',
    ].join('\n');
    const s = readPdb(F, text);
    expect(s.frameCount).toBe(2);
    expect(s.frameLabels).toEqual([1, 2]);
    expect(s.entities).toEqual([
      { sourceId: '0', label: 'N ALA 2', element: 'N' },
      { sourceId: '1', label: 'CA ALA 2', element: 'C' },
      { sourceId: '2', label: 'ZN ZN 5', element: 'Zn' },
    ]);
    expect(s.positions[3 * 3 + 2]).toBeCloseTo(4, 6);
    expect(s.lengthUnit).toBe('Å');
    expect(s.kind).toBe('molecule');
  });

  it('infers elements from atom names when columns 77-78 are blank, and handles lines cut at column 54', () => {
    const lines = [
      atom('ATOM', 1, '1HH3', 'ACE', 1, 0, 0, 0),
      atom('ATOM', 2, ' CA', 'ALA', 2, 0, 0, 1),
      atom('ATOM', 3, 'HB12', 'ALA', 2, 0, 0, 2),
      atom('HETATM', 4, 'CL', 'CL', 3, 0, 0, 3),
      atom('HETATM', 5, 'FE', 'HEM', 4, 0, 0, 4),
      atom('HETATM', 6, ' NA', 'HEM', 4, 0, 0, 5),
      atom('ATOM', 7, ' SG', 'CYS', 5, 0, 0, 6).slice(0, 54),
    ];
    const s = readPdb(F, lines.join('\n'));
    expect(s.entities.map((e) => e.element)).toEqual(['H', 'C', 'H', 'Cl', 'Fe', 'N', 'S']);
  });

  it('treats a file without MODEL records as one frame, and ENDMDL without MODEL as a frame end (MDTraj style)', () => {
    const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'C');
    expect(readPdb(F, a).frameCount).toBe(1);
    const s = readPdb(F, [a, 'ENDMDL', a, 'ENDMDL'].join('\n'));
    expect(s.frameCount).toBe(2);
    expect(s.frameLabels).toEqual([1, 2]);
  });

  it('reads a frame interval from a FRAME INTERVAL remark, and states none without one', () => {
    const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'C');
    const two = ['MODEL 1', a, 'ENDMDL', 'MODEL 2', a, 'ENDMDL'];
    expect(readPdb(F, two.join('\n')).frameInterval).toEqual({ value: 1, unit: 'frame' });
    expect(readPdb(F, ['REMARK   2 FRAME INTERVAL 0.500 PS', ...two].join('\n')).frameInterval).toEqual({ value: 0.5, unit: 'ps' });
    expect(readPdb(F, ['REMARK 7 frame interval 5 fs', 'REMARK 7 FRAME INTERVAL 5 FS', ...two].join('\n')).frameInterval).toEqual({ value: 5, unit: 'fs' });
    // other remarks are ignored; a caller's interval wins
    expect(readPdb(F, ['REMARK   1 MADE BY HAND', ...two].join('\n')).frameInterval.unit).toBe('frame');
    expect(readPdb(F, ['REMARK   2 FRAME INTERVAL 0.500 PS', ...two].join('\n'), { frameInterval: { value: 2, unit: 'ps' } }).frameInterval).toEqual({ value: 2, unit: 'ps' });
    expectParseError(() => readPdb(F, ['REMARK   2 FRAME INTERVAL 0.5 MINUTES', ...two].join('\n')), 1, /cannot read the frame interval of "REMARK   2 FRAME INTERVAL 0.5 MINUTES"/);
    expectParseError(() => readPdb(F, ['REMARK   2 FRAME INTERVAL -1 PS', ...two].join('\n')), 1, /cannot read the frame interval/);
    expectParseError(() => readPdb(F, ['REMARK   2 FRAME INTERVAL 1 PS', ...two, 'REMARK   2 FRAME INTERVAL 2 PS'].join('\n')), 8, /frame interval 2 ps differs from the 1 ps of line 1/);
  });

  it('keeps the first alternate location and skips the others', () => {
    const a = atom('ATOM', 1, ' CB', 'SER', 1, 1, 0, 0, 'C');
    const b = atom('ATOM', 2, ' CB', 'SER', 1, 2, 0, 0, 'C');
    const withAlt = (l: string, alt: string) => l.slice(0, 16) + alt + l.slice(17);
    const s = readPdb(F, [withAlt(a, 'A'), withAlt(b, 'B')].join('\n'));
    expect(s.entities.length).toBe(1);
    expect(s.positions[0]).toBe(1);
  });

  describe('errors', () => {
    it('no atoms', () => {
      expectParseError(() => readPdb(F, ''), 0, /no ATOM/);
      expectParseError(() => readPdb(F, 'HEADER x\nEND\n'), 0, /no ATOM/);
    });
    it('model atom count mismatch', () => {
      const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'C');
      const b = atom('ATOM', 2, ' O', 'MOL', 1, 0, 0, 1, 'O');
      expectParseError(() => readPdb(F, ['MODEL 1', a, b, 'ENDMDL', 'MODEL 2', a, 'ENDMDL'].join('\n')), 7, /model 2 has 1 atoms but model 1/);
    });
    it('model atom identity mismatch', () => {
      const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'C');
      const b = atom('ATOM', 2, ' O', 'MOL', 1, 0, 0, 1, 'O');
      expectParseError(() => readPdb(F, ['MODEL 1', a, b, 'ENDMDL', 'MODEL 2', b, a, 'ENDMDL'].join('\n')), 6, /atom 1 of model 2 is "O MOL 1" but "C MOL 1"/);
    });
    it('short record and bad coordinates', () => {
      expectParseError(() => readPdb(F, 'ATOM      1  C   MOL     1       0.000   0.000'), 1, /characters long/);
      const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'C');
      expectParseError(() => readPdb(F, a.slice(0, 38) + '     nan' + a.slice(46)), 1, /y coordinate "nan" in columns 39-46/);
      expectParseError(() => readPdb(F, a.slice(0, 30) + '        ' + a.slice(38)), 1, /x coordinate ""/);
      // a finite double that overflows float32 (found by the mutation fuzzer on a real file)
      expectParseError(() => readPdb(F, a.slice(0, 46) + '   8.E50' + a.slice(54)), 1, /z coordinate "8.E50" in columns 47-54 is out of range/);
    });
    it('unknown element', () => {
      const a = atom('ATOM', 1, ' C', 'MOL', 1, 0, 0, 0, 'XX');
      expectParseError(() => readPdb(F, a), 1, /unknown element "XX" in columns 77-78/);
      const b = atom('ATOM', 1, '  ', 'MOL', 1, 0, 0, 0);
      expectParseError(() => readPdb(F, b), 1, /no element/);
    });
  });
});

describe('writePdb', () => {
  const s = makeScene({
    dim: 3,
    kind: 'molecule',
    entities: [
      { sourceId: '0', label: 'CA ALA 2', element: 'C' },
      { sourceId: '1', label: 'CL1 LIG 3', element: 'Cl' },
      { sourceId: '2', label: 'HB12 ALA 2', element: 'H' },
      { sourceId: '3', label: 'O7', element: 'O' },
    ],
    frames: [
      [[1, 2, 3], [-4.5, 5.25, -600.125], [0, 0, 0], [9999.5, 1, 1]],
      [[1.1, 2, 3], [-4.5, 5.25, 6], [0, 0, 0], [1, 1, 1]],
    ],
    frameLabels: [1, 2],
  });

  it('writes standard columns that its reader and column-based tools agree on', () => {
    const text = writePdb(s);
    const lines = text.split('\n');
    expect(lines[0]).toBe('MODEL        1');
    const ca = lines[1];
    expect(ca.slice(0, 6)).toBe('ATOM  ');
    expect(ca.slice(6, 11)).toBe('    1');
    expect(ca.slice(12, 16)).toBe(' CA ');
    expect(ca.slice(17, 20)).toBe('ALA');
    expect(ca.slice(22, 26)).toBe('   2');
    expect(ca.slice(30, 54)).toBe('   1.000   2.000   3.000');
    expect(ca.slice(54, 66)).toBe('  1.00  0.00');
    expect(ca.slice(76, 78)).toBe(' C');
    expect(ca.length).toBe(78);
    expect(lines[2].slice(12, 16)).toBe('CL1 ');
    expect(lines[2].slice(76, 78)).toBe('CL');
    expect(lines[3].slice(12, 16)).toBe('HB12');
    expect(lines[4].slice(12, 26)).toBe(' O   MOL A   1');
    expect(lines[5]).toBe('ENDMDL');
    expect(lines.at(-2)).toBe('END');
    const back = readPdb(F, text);
    expectSameScene(back, s, { tol: 1e-3, entityLabels: false });
    expect(back.entities.slice(0, 3).map((e) => e.label)).toEqual(['CA ALA 2', 'CL1 LIG 3', 'HB12 ALA 2']);
  });

  it('refuses absent atoms, missing elements and coordinates too wide for the field', () => {
    const absent = { ...s, mask: new Uint8Array([1, 1, 1, 1, 1, 0, 1, 1]) };
    expect(() => writePdb(absent)).toThrow(/absent/);
    const noEl = { ...s, entities: s.entities.map((e) => ({ sourceId: e.sourceId, label: e.label })) };
    expect(() => writePdb(noEl)).toThrow(SceneWriteError);
    const wide = { ...s, positions: s.positions.map((v, i) => (i === 0 ? 123456 : v)) };
    expect(() => writePdb(wide)).toThrow(/8-character/);
  });

  it('round-trips random molecules to PDB precision', () => {
    fc.assert(
      fc.property(sceneArb({ dim: 3, molecule: true, allPresent: true }), (scene) => {
        const s1 = { ...scene, frameLabels: scene.frameLabels.map((_, k) => k + 1) };
        const back = readPdb(F, writePdb(s1));
        expectSameScene(back, s1, { tol: 6e-4 });
      }),
      { numRuns: 100 },
    );
  });
});
