import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseComment, readXyz, writeXyz } from '../../../../src/core/formats/xyz';
import { SceneWriteError } from '../../../../src/core/errors';
import { expectParseError, expectSameScene, makeScene, sceneArb } from './helpers';

const F = 'mol.xyz';

const WATER_2 = `3
water, frame 0
O 0.0 0.0 0.0
H 0.96 0.0 0.0
H -0.24 0.93 0.0
3
water, frame 1
O 0.0 0.0 0.1
H 0.96 0.0 0.1
H -0.24 0.93 0.1
`;

describe('readXyz', () => {
  it('reads multi-frame plain XYZ', () => {
    const s = readXyz(F, WATER_2);
    expect(s.kind).toBe('molecule');
    expect(s.dim).toBe(3);
    expect(s.frameCount).toBe(2);
    expect(s.lengthUnit).toBe('Å');
    expect(s.entities).toEqual([
      { sourceId: '0', label: 'O0', element: 'O' },
      { sourceId: '1', label: 'H1', element: 'H' },
      { sourceId: '2', label: 'H2', element: 'H' },
    ]);
    expect(s.frameLabels).toEqual([0, 1]);
    expect(s.positions[3 * 3 + 2]).toBeCloseTo(0.1, 6);
    expect(Array.from(s.mask)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('accepts lowercase symbols, atomic numbers, extra columns, blank separators and CRLF', () => {
    const s = readXyz(F, '2\r\ncomment\r\ncl 0 0 0 0.5 extra\r\n6 1 1 1\r\n\r\n2\r\n\r\nCL 0 0 1\r\nC 1 1 2\r\n');
    expect(s.entities.map((e) => e.element)).toEqual(['Cl', 'C']);
    expect(s.frameCount).toBe(2);
  });

  it('reads extended XYZ with Lattice, extra properties, frame labels and dt', () => {
    const text = [
      '2',
      'Lattice="10 0 0 0 10 0 0 0 10" Properties=species:S:1:pos:R:3:forces:R:3 Time=0.5 pbc="T T T" frame=10 dt=0.5 dt_unit=fs',
      'C 0 0 0 0.1 0.2 0.3',
      'O 1.2 0 0 0 0 0',
      '2',
      'Properties=species:S:1:pos:R:3:forces:R:3 frame=20',
      'C 0 0 0.1 0.1 0.2 0.3',
      'O 1.2 0 0.1 0 0 0',
    ].join('\n');
    const s = readXyz(F, text);
    expect(s.frameLabels).toEqual([10, 20]);
    expect(s.frameInterval).toEqual({ value: 0.5, unit: 'fs' });
    expect(s.positions[3]).toBeCloseTo(1.2, 6);
  });

  it('finds species and pos wherever Properties puts them, and Z as species', () => {
    const s = readXyz(F, '1\nProperties=id:I:1:pos:R:3:Z:I:1\n7 1 2 3 8\n');
    expect(s.entities[0].element).toBe('O');
    expect(Array.from(s.positions)).toEqual([1, 2, 3]);
  });

  it('reads the mask property as presence', () => {
    const s = readXyz(F, '2\nProperties=species:S:1:pos:R:3:mask:L:1\nC 1 1 1 T\nO 5 5 5 F\n');
    expect(Array.from(s.mask)).toEqual([1, 0]);
    expect(Array.from(s.positions)).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it('parses extXYZ comment key=value pairs', () => {
    expect(parseComment('a=1 b="x y" c={1 2} flag d="q\\"q"')).toEqual({ a: '1', b: 'x y', c: '1 2', flag: 'T', d: 'q"q' });
    expect(parseComment('b="open')).toBeUndefined();
  });

  describe('errors', () => {
    it('empty file', () => {
      expectParseError(() => readXyz(F, ''), 0, /empty/);
      expectParseError(() => readXyz(F, '\n\n'), 0, /empty/);
    });
    it('bad count line', () => {
      expectParseError(() => readXyz(F, 'three\nc\nC 0 0 0\n'), 1, /not an atom count/);
      expectParseError(() => readXyz(F, '0\nc\n'), 1, /not an atom count/);
      expectParseError(() => readXyz(F, '1.5\nc\nC 0 0 0\n'), 1);
      expectParseError(() => readXyz(F, '9999999\nc\nC 0 0 0\n'), 1, /more than the file can hold/);
    });
    it('frames with different atom counts', () => {
      expectParseError(() => readXyz(F, '1\nc\nC 0 0 0\n2\nc\nC 0 0 0\nC 1 1 1\n'), 4, /frame 2 has 2 atoms but frame 1/);
    });
    it('frames with different element order', () => {
      expectParseError(() => readXyz(F, '2\nc\nC 0 0 0\nO 0 0 1\n2\nc\nO 0 0 0\nC 0 0 1\n'), 7, /atom 1 is O in frame 2 but C/);
    });
    it('truncated frame', () => {
      expectParseError(() => readXyz(F, '3\nc\nC 0 0 0\nO 0 0 1\n'), 5, /after 2 of 3 atoms/);
      expectParseError(() => readXyz(F, '3'), 2, /comment line/);
    });
    it('trailing garbage after the last frame is a count-line error', () => {
      expectParseError(() => readXyz(F, '1\nc\nC 0 0 0\nC 0 0 0\n'), 4, /not an atom count/);
    });
    it('wrong column counts', () => {
      expectParseError(() => readXyz(F, '1\nc\nC 0 0\n'), 3, /found 3 columns/);
      expectParseError(() => readXyz(F, '1\nProperties=species:S:1:pos:R:3\nC 0 0 0 1\n'), 3, /4 columns as declared/);
    });
    it('bad numbers and unknown elements', () => {
      expectParseError(() => readXyz(F, '1\nc\nC 0 NaN 0\n'), 3, /"NaN" is not a number.*y coordinate/);
      expectParseError(() => readXyz(F, '1\nc\nC 0 0 inf\n'), 3, /z coordinate/);
      expectParseError(() => readXyz(F, '1\nc\nXq 0 0 0\n'), 3, /unknown element "Xq"/);
      expectParseError(() => readXyz(F, '1\nc\n200 0 0 0\n'), 3, /unknown element/);
    });
    it('bad Properties', () => {
      expectParseError(() => readXyz(F, '1\nProperties=species:S:1\nC\n'), 2, /lacks pos/);
      expectParseError(() => readXyz(F, '1\nProperties=species:S:1:pos:Q:3\nC 0 0 0\n'), 2, /bad property/);
      expectParseError(() => readXyz(F, '1\nProperties=species:S\nC 0 0 0\n'), 2, /not a list/);
      expectParseError(() => readXyz(F, '1\nx="a Properties=species:S:1:pos:R:3\nC 0 0 0\n'), 2, /extended XYZ comment/);
      expectParseError(() => readXyz(F, '1\nProperties=species:S:1:pos:R:3:mask:L:1\nC 0 0 0 maybe\n'), 3, /not a logical/);
    });
  });
});

describe('writeXyz', () => {
  it('writes extended XYZ that a plain XYZ reader also understands', () => {
    const s = makeScene({
      dim: 3,
      kind: 'molecule',
      lengthUnit: 'Å',
      entities: [{ sourceId: '0', label: 'C0', element: 'C' }, { sourceId: '1', label: 'O1', element: 'O' }],
      frames: [[[0, 0, 0], [1.25, 0, 0]]],
    });
    const text = writeXyz(s);
    expect(text).toBe('2\nProperties=species:S:1:pos:R:3 frame=0 dt=1 dt_unit=frame\nC 0 0 0\nO 1.25 0 0\n');
  });

  it('writes 2-D scenes with z = 0 and refuses entities without elements', () => {
    const s2 = makeScene({ dim: 2, entities: [{ sourceId: '0', label: '', element: 'H' }], frames: [[[1, 2]]] });
    expect(writeXyz(s2)).toContain('H 1 2 0\n');
    const s = makeScene({ dim: 3, entities: [{ sourceId: '0', label: 'ped' }], frames: [[[0, 0, 0]]] });
    expect(() => writeXyz(s)).toThrow(SceneWriteError);
  });

  it('round-trips random molecules, including absent atoms, labels and interval', () => {
    fc.assert(
      fc.property(sceneArb({ dim: 3, molecule: true }), fc.constantFrom(0.5, 2), (scene, dt) => {
        const s = { ...scene, frameInterval: { value: dt, unit: 'fs' as const } };
        const back = readXyz(F, writeXyz(s));
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect(back.frameInterval).toEqual(s.frameInterval);
      }),
      { numRuns: 100 },
    );
  });
});

describe('extended XYZ for charged N-body systems', () => {
  it('reads a charge property (real or integer) and nbody without species in simulation units', () => {
    const r = readXyz(F, '2\nProperties=species:S:1:pos:R:3:charge:R:1\nC 0 0 0 -0.5\nO 1 0 0 1\n');
    expect(r.kind).toBe('molecule');
    expect(r.entities.map((e) => e.charge)).toEqual([-0.5, 1]);
    const nb = readXyz(F, '2\nProperties=pos:R:3:charge:I:1 kind=nbody dt=0.1\n0 0 0 -1\n1 0 0 1\n2\nProperties=pos:R:3:charge:I:1 kind=nbody dt=0.1\n0 0 1 -1\n1 0 1 1\n');
    expect([nb.kind, nb.lengthUnit, nb.frameCount]).toEqual(['nbody', 'sim', 2]);
    expect(nb.frameInterval).toEqual({ value: 0.1, unit: 'sim' });
    expect(nb.entities).toEqual([{ sourceId: '0', label: 'particle 0', charge: -1 }, { sourceId: '1', label: 'particle 1', charge: 1 }]);
  });

  it('refuses bad or changing charges, unknown kinds and units', () => {
    expectParseError(() => readXyz(F, '1\nProperties=pos:R:3:charge:I:1\n0 0 0 0.5\n'), 3, /charge "0.5" is not a number/);
    expectParseError(() => readXyz(F, '1\nProperties=pos:R:3:charge:I:1\n0 0 0 1\n1\nProperties=pos:R:3:charge:I:1\n0 0 0 -1\n'), 6, /charge -1 in frame 2 but 1 in frame 1/);
    expectParseError(() => readXyz(F, '1\nProperties=pos:R:3:charge:I:1 kind=plasma\n0 0 0 1\n'), 2, /unknown kind="plasma"/);
    expectParseError(() => readXyz(F, '1\nProperties=species:S:1:pos:R:3 dt=1 dt_unit=years\nC 0 0 0\n'), 2, /unknown dt_unit/);
    expectParseError(() => readXyz(F, '1\nProperties=pos:R:3:charge:I:1 kind=molecule\n0 0 0 1\n'), 2, /no species/);
    expectParseError(() => readXyz(F, '1\nProperties=pos:R:3\n0 0 0\n'), 2, /lacks species/);
  });

  it('round-trips random charged scenes (nbody and molecules) and grouped ones', () => {
    fc.assert(
      fc.property(sceneArb({ dim: 3, charges: true, kind: 'nbody' }), fc.boolean(), (s0, real) => {
        const s = {
          ...s0,
          lengthUnit: 'sim',
          frameInterval: { value: 0.1, unit: 'sim' as const },
          entities: s0.entities.map((e, i) => ({ ...e, label: `particle ${i}`, sourceId: String(i), charge: real ? (e.charge ?? 0) + 0.25 : e.charge })),
        };
        const text = writeXyz(s);
        expect(text).not.toMatch(/species/);
        const back = readXyz(F, text);
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect([back.kind, back.lengthUnit]).toEqual(['nbody', 'sim']);
        expect(back.frameInterval).toEqual(s.frameInterval);
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(sceneArb({ dim: 3, molecule: true, charges: 'real', groups: true }), (s0) => {
        const s = { ...s0, kind: 'molecule' as const, lengthUnit: 'nm' };
        const back = readXyz(F, writeXyz(s));
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect(back.lengthUnit).toBe('nm');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses to write entities that lack a charge others have', () => {
    const s = makeScene({ dim: 3, kind: 'nbody', entities: [{ sourceId: '0', label: '', charge: 1 }, { sourceId: '1', label: '' }], frames: [[[0, 0, 0], [1, 1, 1]]] });
    expect(() => writeXyz(s)).toThrow(/every entity needs a finite charge/);
  });
});
