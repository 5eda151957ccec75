import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LineCursor,
  MAX_SCENE_FLOATS,
  buildFrameGrid,
  checkSceneSize,
  formatF32,
  isDecimal,
  parseDecimal,
  sceneProblems,
} from '../../../../src/core/formats/common';
import { isSceneParseError } from '../../../../src/core/errors';
import { makeScene } from './helpers';

describe('parseDecimal', () => {
  it('agrees with Number() on every decimal string, including the allocation-free fast path', () => {
    const decimal = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{0,20}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,20}$/)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), fc.integer({ min: 0, max: 400 }))),
      )
      .map(([s, a, b, e]) => `${s}${a}${b === null ? '' : `.${b}`}${e === null ? '' : `${e[0]}${e[1]}${e[2]}`}`);
    fc.assert(
      fc.property(decimal, (t) => {
        const v = parseDecimal(t, 0, t.length);
        const ref = Number(t);
        const valid = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t);
        if (!valid || !Number.isFinite(ref)) expect(v).toBeNaN();
        else expect(Object.is(v, ref) || v === ref).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(parseDecimal('0.1', 0, 3)).toBe(0.1);
    expect(parseDecimal('11.5431694025', 0, 13)).toBe(11.5431694025);
    expect(parseDecimal('x12.5y', 1, 5)).toBe(12.5);
  });

  it('rejects what Number() accepts but a data file should not contain', () => {
    for (const t of ['', ' ', '1 ', '0x10', '0b1', 'Infinity', '-Infinity', 'NaN', '.', '-', '1e', '1e+', '1.2.3', '1_000']) {
      expect(parseDecimal(t, 0, t.length), t).toBeNaN();
      expect(isDecimal(t, 0, t.length) && Number.isFinite(Number(t)) && t.trim() === t && t !== '', t).toBe(false);
    }
    expect(parseDecimal('1e999', 0, 5)).toBeNaN();
  });
});

describe('formatF32', () => {
  it('prints the shortest text that reads back to the same float32', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = formatF32(v);
        expect(Math.fround(Number(s))).toBe(Math.fround(v) === 0 ? 0 : Math.fround(v));
        expect(isDecimal(s, 0, s.length)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(formatF32(Math.fround(1.41))).toBe('1.41');
    expect(formatF32(-0)).toBe('0');
    expect(formatF32(1e21)).toBe('1e21');
  });
});

describe('LineCursor', () => {
  it('handles LF, CRLF, lone CR, and no extra line after a final newline', () => {
    const lines = (t: string) => {
      const c = new LineCursor(t);
      const out: Array<[number, string]> = [];
      while (c.advance()) out.push([c.lineNo, c.line()]);
      return out;
    };
    expect(lines('a\nb\r\nc\rd\n')).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]);
    expect(lines('a\n\n')).toEqual([[1, 'a'], [2, '']]);
    expect(lines('')).toEqual([]);
  });
});

describe('buildFrameGrid', () => {
  it('fills gaps on a regular grid and keeps irregular ids as they are', () => {
    const g = buildFrameGrid('f', Float64Array.from([20, 0, 10, 50, 0]), 5);
    expect(g.labels).toEqual([0, 10, 20, 30, 40, 50]);
    expect(g.indexOf(50)).toBe(5);
    expect(g.indexOf(30)).toBe(3);
    expect(g.indexOf(35)).toBe(-1);
    const irregular = buildFrameGrid('f', Float64Array.from([0, 3, 7]), 3);
    expect(irregular.labels).toEqual([0, 3, 7]);
    expect(irregular.indexOf(7)).toBe(2);
    const decimals = buildFrameGrid('f', Float64Array.from([0.1, 0.2, 0.4]), 3);
    expect(decimals.labels.length).toBe(4);
    expect(decimals.indexOf(0.4)).toBe(3);
  });
});

describe('limits', () => {
  it('refuses dense arrays over MAX_SCENE_FLOATS with a message stating the bound', () => {
    expect(() => checkSceneSize('f', 1000, 1000, 2)).not.toThrow();
    try {
      checkSceneSize('f', 10000, 10000, 2);
      throw new Error('no error');
    } catch (e) {
      expect(isSceneParseError(e)).toBe(true);
      expect((e as Error).message).toContain(String(MAX_SCENE_FLOATS));
      expect((e as Error).message).toContain('10000 frames x 10000 entities');
    }
  });
});

describe('sceneProblems', () => {
  it('accepts a consistent scene and reports each broken invariant', () => {
    const s = makeScene({ dim: 2, entities: [{ sourceId: 'a', label: '' }, { sourceId: 'b', label: '' }], frames: [[[1, 2], null]] });
    expect(sceneProblems(s)).toEqual([]);
    expect(sceneProblems({ ...s, entities: [s.entities[0], s.entities[0]] })[0]).toMatch(/duplicate sourceId/);
    expect(sceneProblems({ ...s, mask: new Uint8Array(1) })[0]).toMatch(/mask has 1/);
    expect(sceneProblems({ ...s, positions: Float32Array.from([NaN, 0, 0, 0]) })[0]).toMatch(/not finite/);
    expect(sceneProblems({ ...s, positions: Float32Array.from([1, 2, 3, 0]) })[0]).toMatch(/absent entry/);
    expect(sceneProblems({ ...s, frameCount: 2, frameLabels: [0, 0] }).join()).toMatch(/not increasing/);
  });
});
