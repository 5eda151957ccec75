import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readCsv, writeCsv } from '../../../../src/core/formats/csv';
import { expectParseError, expectSameScene, makeScene, sceneArb } from './helpers';

const F = 'tracks.csv';

describe('readCsv', () => {
  it('takes column order from a case-insensitive header and ignores extra columns', () => {
    const s = readCsv(F, 'Y,X,speed,ID,Frame\n2,1,9.9,a,0\n4,3,9.9,b,0\n6,5,9.9,a,1\n');
    expect(s.dim).toBe(2);
    expect(s.entities.map((e) => e.sourceId)).toEqual(['a', 'b']);
    expect(Array.from(s.positions)).toEqual([1, 2, 3, 4, 5, 6, 0, 0]);
    expect(Array.from(s.mask)).toEqual([1, 1, 1, 0]);
    expect(s.kind).toBe('pedestrian');
  });

  it('reads z, elements and labels, and quoted fields', () => {
    const s = readCsv(F, 'frame,id,x,y,z,element,label\n0,1,0,0,0,c,"carbon, one"\n0,2,1.5,0,0,CL,"say ""hi"""\n');
    expect(s.dim).toBe(3);
    expect(s.kind).toBe('molecule');
    expect(s.lengthUnit).toBe('Å');
    expect(s.entities).toEqual([
      { sourceId: '1', label: 'carbon, one', element: 'C' },
      { sourceId: '2', label: 'say "hi"', element: 'Cl' },
    ]);
  });

  it('orders numeric ids numerically and canonicalises them', () => {
    const s = readCsv(F, 'frame,id,x,y\n0,10,0,0\n0,9.0,0,0\n1,10.0,0,0\n');
    expect(s.entities.map((e) => e.sourceId)).toEqual(['9', '10']);
  });

  it('reads the # lamslide metadata comment', () => {
    const s = readCsv(F, '# lamslide kind=generic length_unit=%C3%85 frame_interval=0.5 frame_interval_unit=ps name=abc\nframe,id,x,y\n0,1,0,0\n');
    expect([s.kind, s.lengthUnit, s.frameInterval.value, s.frameInterval.unit, s.name]).toEqual(['generic', 'Å', 0.5, 'ps', 'abc']);
  });

  describe('errors', () => {
    it('empty file, no header, no rows', () => {
      expectParseError(() => readCsv(F, ''), 0, /no header/);
      expectParseError(() => readCsv(F, 'frame,id,x,y\n'), 0, /no data rows/);
    });
    it('header lacking columns or with a duplicate', () => {
      expectParseError(() => readCsv(F, 'frame,id,x\n0,1,0\n'), 1, /lacks column y/);
      expectParseError(() => readCsv(F, '\nframe,id,x,y,X\n'), 2, /"x" appears twice/);
    });
    it('wrong column count', () => {
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,1,0,0\n0,2,0\n'), 3, /found 3 columns/);
    });
    it('non-numeric and non-finite values', () => {
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,1,0,abc\n'), 2, /"abc" is not a number.*y/);
      expectParseError(() => readCsv(F, 'frame,id,x,y\nNaN,1,0,0\n'), 2, /frame/);
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,1,-Infinity,0\n'), 2);
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,1,,0\n'), 2, /"" is not a number/);
    });
    it('empty id, duplicate id in a frame, unknown or changing element', () => {
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0, ,0,0\n'), 2, /empty id/);
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,1,0,0\n0,1.0,1,1\n'), 3, /appears twice/);
      expectParseError(() => readCsv(F, 'frame,id,x,y,element\n0,1,0,0,Xx\n'), 2, /unknown element "Xx"/);
      expectParseError(() => readCsv(F, 'frame,id,x,y,element\n0,1,0,0,C\n1,1,0,0,N\n'), 3, /element N here but C/);
    });
    it('bad quoting', () => {
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,"1,0,0\n'), 2, /unterminated/);
      expectParseError(() => readCsv(F, 'frame,id,x,y\n0,"1"x,0,0\n'), 2, /after a closing quote/);
    });
  });
});

describe('writeCsv', () => {
  it('writes metadata, header and present rows only', () => {
    const s = makeScene({
      dim: 2,
      kind: 'pedestrian',
      entities: [{ sourceId: '1', label: 'ped 1' }, { sourceId: 'b,2', label: 'x' }],
      frames: [[[1, 2], null], [null, [3, 4]]],
      frameInterval: { value: 0.4, unit: 's' },
    });
    const text = writeCsv(s);
    expect(text.split('\n').slice(1)).toEqual(['frame,id,x,y,label', '0,1,1,2,ped 1', '1,"b,2",3,4,x', '']);
    expectSameScene(readCsv(F, text), s, { tol: 0, entityLabels: true });
  });

  it('round-trips random scenes, 2-D and 3-D, with and without elements', () => {
    fc.assert(
      fc.property(sceneArb({ nonEmptyFrames: true }), fc.boolean(), (scene, molecule) => {
        const s = molecule ? { ...scene, entities: scene.entities.map((e, i) => ({ ...e, element: ['C', 'H', 'Cl'][i % 3] })) } : scene;
        const back = readCsv(F, writeCsv(s));
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect(back.kind).toBe(s.kind);
        expect(back.frameInterval).toEqual(s.frameInterval);
        expect(back.lengthUnit).toBe(s.lengthUnit);
      }),
      { numRuns: 100 },
    );
  });
});

describe('CSV for N-body and basketball scenes', () => {
  const NBODY = '# lamslide kind=nbody frame_interval=0.1\nframe,id,x,y,z,charge\n0,0,0.5,-1,2,1\n0,1,1,1,1,-1\n1,0,0.6,-1,2,1\n1,1,1.1,1,1,-1\n';

  it('reads a charge column and the nbody comment in simulation units', () => {
    const s = readCsv(F, NBODY);
    expect(s.kind).toBe('nbody');
    expect(s.dim).toBe(3);
    expect(s.lengthUnit).toBe('sim');
    expect(s.frameInterval).toEqual({ value: 0.1, unit: 'sim' });
    expect(s.entities.map((e) => e.charge)).toEqual([1, -1]);
  });

  it('infers nbody from charges and basketball from PLAYER/BALL groups without a comment', () => {
    expect(readCsv(F, 'frame,id,x,y,z,charge\n0,0,0,0,0,1\n').kind).toBe('nbody');
    const b = readCsv(F, 'frame,id,x,y,group\n0,-1,1,2,ball\n0,7,3,4,Player\n');
    expect(b.kind).toBe('basketball');
    expect(b.lengthUnit).toBe('ft');
    expect(b.entities.map((e) => e.group)).toEqual(['BALL', 'PLAYER']);
  });

  it('refuses a charge or group that changes, and a bad charge', () => {
    expectParseError(() => readCsv(F, 'frame,id,x,y,charge\n0,a,0,0,1\n1,a,0,0,-1\n'), 3, /charge -1 here but 1 earlier/);
    expectParseError(() => readCsv(F, 'frame,id,x,y,charge\n0,a,0,0,1\n1,a,0,0,\n'), 3, /charge \(none\) here but 1 earlier/);
    expectParseError(() => readCsv(F, 'frame,id,x,y,group\n0,a,0,0,BALL\n1,a,0,0,PLAYER\n'), 3, /group PLAYER here but BALL/);
    expectParseError(() => readCsv(F, 'frame,id,x,y,charge\n0,a,0,0,plus\n'), 2, /"plus" is not a number.*charge/);
  });

  it('refuses unknown kinds and units, bad intervals, and an interval without unit outside nbody', () => {
    expectParseError(() => readCsv(F, '# lamslide kind=crowd\nframe,id,x,y\n0,1,0,0\n'), 1, /unknown kind="crowd"/);
    expectParseError(() => readCsv(F, '# lamslide frame_interval=0.4 frame_interval_unit=sec\nframe,id,x,y\n0,1,0,0\n'), 1, /unknown frame_interval_unit/);
    expectParseError(() => readCsv(F, '# lamslide frame_interval=-1 frame_interval_unit=s\nframe,id,x,y\n0,1,0,0\n'), 1, /not a positive number/);
    expectParseError(() => readCsv(F, '# lamslide kind=pedestrian\n# lamslide frame_interval=0.4\nframe,id,x,y\n0,1,0,0\n'), 2, /has no unit/);
    expect(readCsv(F, '# lamslide kind=basketball frame_interval=0.12 frame_interval_unit=s\nframe,id,x,y\n0,1,0,0\n').frameInterval).toEqual({ value: 0.12, unit: 's' });
  });

  it('round-trips random scenes with charges and groups, kinds nbody and basketball', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('nbody' as const, 'basketball' as const),
        fc.boolean(),
        fc.constantFrom('sim', 'ft', 'm'),
        (kind, real, unit) =>
          fc.assert(
            fc.property(sceneArb({ nonEmptyFrames: true, charges: real ? 'real' : true, groups: true, kind, maxN: 4, maxF: 4 }), (s0) => {
              const s = { ...s0, lengthUnit: unit, frameInterval: { value: 0.1, unit: 'sim' as const } };
              const back = readCsv(F, writeCsv(s));
              expectSameScene(back, s, { tol: 0, entityLabels: true });
              expect([back.kind, back.lengthUnit]).toEqual([kind, unit]);
              expect(back.frameInterval).toEqual(s.frameInterval);
            }),
            { numRuns: 10 },
          ),
      ),
      { numRuns: 12 },
    );
  });
});
