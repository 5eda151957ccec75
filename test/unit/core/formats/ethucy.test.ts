import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readEthUcy, writeEthUcy } from '../../../../src/core/formats/ethucy';
import { SceneWriteError } from '../../../../src/core/errors';
import { expectParseError, expectSameScene, makeScene, sceneArb } from './helpers';

const F = 'crowd.txt';

describe('readEthUcy', () => {
  it('reads the Social-GAN layout with float-formatted ids, tabs and gaps', () => {
    const text = [
      '780.0\t1.0\t8.46\t3.59',
      '780.0\t2.0\t9.57\t3.79',
      '790.0\t1.0\t8.77\t3.63',
      // 800 missing: nobody in view; filled as an empty frame
      '810.0\t2.0\t10.3\t3.9',
    ].join('\n');
    const s = readEthUcy(F, text);
    expect(s.kind).toBe('pedestrian');
    expect(s.dim).toBe(2);
    expect(s.lengthUnit).toBe('m');
    expect(s.frameInterval).toEqual({ value: 0.4, unit: 's' });
    expect(s.frameLabels).toEqual([780, 790, 800, 810]);
    expect(s.entities).toEqual([
      { sourceId: '1', label: 'ped 1' },
      { sourceId: '2', label: 'ped 2' },
    ]);
    expect(Array.from(s.mask)).toEqual([1, 1, 1, 0, 0, 0, 0, 1]);
    expect(s.positions[0]).toBeCloseTo(8.46, 5);
    expect(s.positions[7 * 2 + 1]).toBeCloseTo(3.9, 5);
    expect(s.name).toBe(F);
  });

  it('accepts spaces, CRLF, blank lines, comments, unsorted rows and exponents', () => {
    const text = '# header comment\r\n\r\n  20 7 1e1 -2.5E-1  \r\n10   7 +0.5 .25\r\n';
    const s = readEthUcy(F, text);
    expect(s.frameLabels).toEqual([10, 20]);
    expect(Array.from(s.positions)).toEqual([0.5, 0.25, 10, -0.25]);
  });

  it('skips a header line whose fields are all non-numeric, only as the first line', () => {
    const s = readEthUcy(F, 'frame_id ped_id x y\n0 1 2 3\n');
    expect(Array.from(s.positions)).toEqual([2, 3]);
    expectParseError(() => readEthUcy(F, 'frame_id ped_id x y\n'), 0, /no data rows/);
    expectParseError(() => readEthUcy(F, '0 1 2 3\nframe_id ped_id x y\n'), 2, /"frame_id" is not a number/);
    expectParseError(() => readEthUcy(F, 'frame 1 x y\n'), 1, /frame id/);
  });

  it('orders entities by numeric id and canonicalises "12.0" and "12"', () => {
    const s = readEthUcy(F, '0 12.0 1 1\n0 3 2 2\n1 12 3 3\n');
    expect(s.entities.map((e) => e.sourceId)).toEqual(['3', '12']);
    expect(s.frameCount).toBe(2);
  });

  it('keeps irregular frame ids as they are (no grid to fill)', () => {
    const s = readEthUcy(F, '0 1 0 0\n3 1 0 0\n7 1 0 0\n');
    expect(s.frameLabels).toEqual([0, 3, 7]);
  });

  it('reads the 5-column SportVU basketball variant', () => {
    const s = readEthUcy(F, '0 -1 18.0 45.0 BALL\n0 2207 15.3 16.7 PLAYER\n12 -1 18.5 44.0 BALL\n12 2207 15.0 16.0 PLAYER\n');
    expect(s.entities).toEqual([
      { sourceId: '-1', label: 'ball', group: 'BALL' },
      { sourceId: '2207', label: 'player 2207', group: 'PLAYER' },
    ]);
    expect(s.lengthUnit).toBe('ft');
    expect(s.kind).toBe('basketball');
    expect(s.frameInterval).toEqual({ value: 0.12, unit: 's' });
    expect(s.frameLabels).toEqual([0, 12]);
  });

  it('lets options override kind, unit and interval', () => {
    const s = readEthUcy(F, '0 1 0 0\n', { kind: 'generic', lengthUnit: 'px', frameInterval: { value: 1, unit: 'frame' }, name: 'x' });
    expect([s.kind, s.lengthUnit, s.frameInterval.unit, s.name]).toEqual(['generic', 'px', 'frame', 'x']);
  });

  describe('errors', () => {
    it('empty file or only comments', () => {
      expectParseError(() => readEthUcy(F, ''), 0, /no data rows/);
      expectParseError(() => readEthUcy(F, '\n# nothing\n\n'), 0, /no data rows/);
    });
    it('too few or too many columns', () => {
      expectParseError(() => readEthUcy(F, '0 1 0 0\n0 2 0\n'), 2, /3 columns/);
      expectParseError(() => readEthUcy(F, '0 1 0 0 a b\n'), 1, /more than 5/);
    });
    it('mixed column counts', () => {
      expectParseError(() => readEthUcy(F, '0 1 0 0\n0 2 0 0 PLAYER\n'), 2, /earlier rows have 4/);
    });
    it('non-numeric, NaN, Infinity, hex and overflow', () => {
      expectParseError(() => readEthUcy(F, '0 1 0 0\n1 1 abc 0\n'), 2, /"abc" is not a number.*x coordinate/);
      expectParseError(() => readEthUcy(F, '0 1 NaN 0\n'), 1, /NaN/);
      expectParseError(() => readEthUcy(F, '0 1 0 Infinity\n'), 1, /y coordinate/);
      expectParseError(() => readEthUcy(F, '0x10 1 0 0\n'), 1, /frame id/);
      expectParseError(() => readEthUcy(F, '0 1 1e999 0\n'), 1, /not a number/);
      expectParseError(() => readEthUcy(F, '0 1 1e39 0\n'), 1, /out of range/);
      expectParseError(() => readEthUcy(F, '0 p1 0 0\n'), 1, /entity id/);
    });
    it('an id twice in one frame names both lines', () => {
      expectParseError(() => readEthUcy(F, '0 1 0 0\n0 2 0 0\n0 1.0 5 5\n'), 3, /appears twice in frame 0 \(first on line 1\)/);
    });
    it('too many frames after filling gaps', () => {
      expectParseError(() => readEthUcy(F, '0 1 0 0\n1 1 0 0\n5000000 1 0 0\n'), 3, /would make 5000001 frames/);
    });
    it('too many values for the dense arrays', () => {
      // 20001 frames (5001 of them in the file, so gaps are within bounds) x 2000 entities x 2 > 50M
      const rows: string[] = [];
      for (let f = 0; f <= 20000; f += 4) rows.push(`${f} 0 0 0`);
      for (let i = 1; i < 2000; i++) rows.push(`1 ${i} 0 0`);
      expectParseError(() => readEthUcy(F, rows.join('\n')), 0, /too large/);
    });
  });
});

describe('writeEthUcy', () => {
  it('writes float-formatted ids with tabs, like the source files', () => {
    const s = makeScene({
      dim: 2,
      entities: [{ sourceId: '1', label: 'ped 1' }, { sourceId: '2', label: 'ped 2' }],
      frames: [[[1.5, 2], null], [[1, 1], [0.1, -3]]],
      frameLabels: [780, 790],
    });
    expect(writeEthUcy(s)).toBe('780.0\t1.0\t1.5\t2\n790.0\t1.0\t1\t1\n790.0\t2.0\t0.1\t-3\n');
  });

  it('refuses 3-D scenes and non-numeric ids', () => {
    const s3 = makeScene({ dim: 3, entities: [{ sourceId: '1', label: '' }], frames: [[[0, 0, 0]]] });
    expect(() => writeEthUcy(s3)).toThrow(SceneWriteError);
    const sBad = makeScene({ dim: 2, entities: [{ sourceId: 'ped-a', label: '' }], frames: [[[0, 0]]] });
    expect(() => writeEthUcy(sBad)).toThrow(/not a number/);
  });

  it('round-trips random 2-D scenes', () => {
    fc.assert(
      fc.property(sceneArb({ dim: 2, nonEmptyFrames: true }), (scene) => {
        const back = readEthUcy(F, writeEthUcy(scene));
        expectSameScene(back, scene, { tol: 0, elements: false });
      }),
      { numRuns: 100 },
    );
  });
});

describe('SportVU (basketball) files', () => {
  it('keeps each entity group and refuses a group that changes', () => {
    const s = readEthUcy(F, '0 -1 1 2 ball\n0 5 3 4 Player\n12 5 3.5 4 Player\n');
    expect(s.entities.map((e) => [e.sourceId, e.group, e.label])).toEqual([['-1', 'BALL', 'ball'], ['5', 'PLAYER', 'player 5']]);
    expectParseError(() => readEthUcy(F, '0 5 1 2 PLAYER\n12 5 1 2 BALL\n'), 2, /group "BALL" here but in "PLAYER"/);
  });

  it('keeps other 5th-column groups as written in a pedestrian scene', () => {
    const s = readEthUcy(F, '0 1 0 0 red\n0 2 1 1 blue\n');
    expect(s.kind).toBe('pedestrian');
    expect(s.entities.map((e) => e.group)).toEqual(['red', 'blue']);
  });

  it('writes the group column and round-trips random grouped scenes; refuses charges and partial groups', () => {
    fc.assert(
      fc.property(sceneArb({ dim: 2, nonEmptyFrames: true, groups: true }), (scene) => {
        const back = readEthUcy(F, writeEthUcy(scene));
        expectSameScene(back, scene, { tol: 0, elements: false });
      }),
      { numRuns: 100 },
    );
    const play = makeScene({ dim: 2, entities: [{ sourceId: '-1', label: 'ball', group: 'BALL' }, { sourceId: '3', label: 'p', group: 'PLAYER' }], frames: [[[1, 2], [3, 4]]] });
    expect(writeEthUcy(play)).toBe('0.0\t-1.0\t1\t2\tBALL\n0.0\t3.0\t3\t4\tPLAYER\n');
    expect(readEthUcy(F, writeEthUcy(play)).kind).toBe('basketball');
    const partial = makeScene({ dim: 2, entities: [{ sourceId: '1', label: '', group: 'BALL' }, { sourceId: '2', label: '' }], frames: [[[0, 0], [1, 1]]] });
    expect(() => writeEthUcy(partial)).toThrow(/every entity needs a group/);
    const charged = makeScene({ dim: 2, entities: [{ sourceId: '1', label: '', charge: 1 }], frames: [[[0, 0]]] });
    expect(() => writeEthUcy(charged)).toThrow(/charge/);
  });
});

describe('frame-id gaps', () => {
  it('refuses a 356-byte file whose ids 0, 1, 999999 would make a million frames, naming the line', () => {
    const rows: string[] = [];
    for (const f of [0, 1, 999999]) for (let p = 1; p <= 3; p++) rows.push(`${f}.0\t${p}.0\t${(p * 1.25).toFixed(5)}\t${(p * -2.5).toFixed(5)}`);
    let text = rows.join('\n') + '\n';
    text = text + '#'.repeat(356 - text.length - 1) + '\n';
    expect(text.length).toBe(356);
    expectParseError(() => readEthUcy(F, text), 7, /from 1 to 999999\) would make 1000000 frames/);
  });

  it('still fills the gaps real recordings have (biwi_hotel: 1.6 times its distinct frames)', () => {
    const rows: string[] = [];
    // 100 distinct frames over a span of 300 steps: within 4x.
    for (let k = 0; k < 100; k++) rows.push(`${k < 50 ? k * 10 : (k + 200) * 10} 1 0 0`);
    const s = readEthUcy(F, rows.join('\n'));
    expect(s.frameCount).toBe(300);
  });
});
