import { describe, expect, it } from 'vitest';
import type { Scene } from '../../../../src/core/scene';
import { COURT, courtMarkings, courtScale, type Segment } from '../../../../src/ui/view/court';
import { WorldMapping } from '../../../../src/ui/view/mapping';
import { walkers } from '../../core/run/helpers';

const len = (s: Segment) => Math.hypot(s[2] - s[0], s[3] - s[1]);
const near = (s: Segment, x: number, y: number) => Math.min(Math.hypot(s[0] - x, s[1] - y), Math.hypot(s[2] - x, s[3] - y));

/** Segments whose both ends lie at distance r (±tol) from (cx, cy). */
function onCircle(lines: Segment[], cx: number, cy: number, r: number, tol = 1e-9): Segment[] {
  return lines.filter((s) => Math.abs(Math.hypot(s[0] - cx, s[1] - cy) - r) < tol && Math.abs(Math.hypot(s[2] - cx, s[3] - cy) - r) < tol);
}

describe('an NBA court in feet', () => {
  const { lines, hoops } = courtMarkings(32);

  it('has the 94 × 50 ft boundary and the half-court line', () => {
    const boundary = lines.filter((s) => (s[0] === s[2] && (s[0] === 0 || s[0] === 94)) || (s[1] === s[3] && (s[1] === 0 || s[1] === 50)));
    expect(boundary.reduce((a, s) => a + len(s), 0)).toBeCloseTo(2 * (94 + 50), 9);
    expect(lines).toContainEqual([47, 0, 47, 50]);
    for (const s of lines) for (const [x, y] of [[s[0], s[1]], [s[2], s[3]]]) {
      expect(x).toBeGreaterThanOrEqual(-1e-9);
      expect(x).toBeLessThanOrEqual(94 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(-1e-9);
      expect(y).toBeLessThanOrEqual(50 + 1e-9);
    }
  });

  it('puts the rims 5.25 ft from the baselines at 10 ft, behind them the 6 ft backboards 4 ft out', () => {
    expect(hoops.map((h) => h.rim)).toEqual([[5.25, 25], [88.75, 25]]);
    expect(hoops.every((h) => h.rimHeight === 10 && h.rimRadius === 0.75)).toBe(true);
    expect(hoops.map((h) => h.backboard)).toEqual([
      { x: 4, y0: 22, y1: 28, bottom: 9, top: 12.5 },
      { x: 90, y0: 22, y1: 28, bottom: 9, top: 12.5 },
    ]);
  });

  it('draws the three-point arc 23.75 ft from each rim, meeting corner lines 22 ft off the axis', () => {
    for (const [cx] of [[5.25], [88.75]]) {
      const arc = onCircle(lines, cx, 25, 23.75);
      expect(arc.length).toBe(32);
      // the arc spans ±22 ft across and ends where the straight corner lines end (14.2 ft from the baseline)
      const ys = arc.flatMap((s) => [s[1], s[3]]);
      expect(Math.min(...ys)).toBeCloseTo(3, 9);
      expect(Math.max(...ys)).toBeCloseTo(47, 9);
      const join = Math.sqrt(23.75 ** 2 - 22 ** 2);
      const base = cx < 47 ? 0 : 94;
      const xJoin = cx < 47 ? cx + join : cx - join;
      for (const y of [3, 47]) {
        const corner = lines.find((s) => s[1] === y && s[3] === y && (s[0] === base || s[2] === base))!;
        expect(len(corner)).toBeCloseTo(Math.abs(xJoin - base), 9);
        expect(arc.some((s) => near(s, xJoin, y) < 1e-9)).toBe(true);
      }
    }
    expect(5.25 + Math.sqrt(23.75 ** 2 - 22 ** 2)).toBeCloseTo(14.2, 1);
  });

  it('has the 16 ft lane to the free-throw line at 19 ft, the 6 ft circles and the 4 ft restricted arcs', () => {
    expect(lines).toContainEqual([19, 17, 19, 33]);
    expect(lines).toContainEqual([0, 17, 19, 17]);
    expect(lines).toContainEqual([75, 33, 94, 33]);
    // free-throw circles: a solid half towards mid-court, a dashed half in the lane (every other piece)
    const ft = onCircle(lines, 19, 25, 6);
    expect(ft.length).toBe(16 + 8);
    expect(onCircle(lines, 75, 25, 6).length).toBe(24);
    expect(onCircle(lines, 47, 25, COURT.centreRadius).length).toBe(64);
    expect(onCircle(lines, 47, 25, COURT.centreInnerRadius).length).toBe(32);
    const ra = onCircle(lines, 5.25, 25, 4);
    expect(ra.length).toBe(16);
    expect(ra.every((s) => s[0] >= 5.25 - 1e-9 && s[2] >= 5.25 - 1e-9)).toBe(true);
    expect(lines).toContainEqual([4, 21, 5.25, 21]);
  });

  it('is symmetric about the half-court line', () => {
    const key = (s: Segment) => {
      const a = [s[0], s[1]].map((v) => v.toFixed(6)).join();
      const b = [s[2], s[3]].map((v) => v.toFixed(6)).join();
      return [a, b].sort().join('|');
    };
    const set = new Set(lines.map(key));
    for (const s of lines) expect(set.has(key([94 - s[0], s[1], 94 - s[2], s[3]]))).toBe(true);
  });
});

describe('which scenes stand on a court', () => {
  const inFeet = (kind: Scene['kind'], unit: string, scale = 1): Scene => {
    const w = walkers();
    const positions = Float32Array.from(w.positions, (v, i) => (i % 2 === 0 ? 10 + v * 7 * scale : 10 + v * 7 * scale));
    return { ...w, kind, lengthUnit: unit, positions };
  };

  it('takes basketball scenes in feet, and in metres after a conversion', () => {
    expect(courtScale(inFeet('basketball', 'ft'))).toBe(1);
    expect(courtScale(inFeet('basketball', 'm'))).toBeCloseTo(0.3048, 12);
    expect(courtScale(inFeet('basketball', 'sim'))).toBeNull();
  });

  it('takes other 2-D scenes in feet only when they fit a court', () => {
    expect(courtScale(inFeet('generic', 'ft'))).toBe(1);
    expect(courtScale(inFeet('pedestrian', 'ft'))).toBe(1);
    expect(courtScale(inFeet('generic', 'ft', 3))).toBeNull();
    expect(courtScale(inFeet('generic', 'm'))).toBeNull();
    expect(courtScale(walkers())).toBeNull();
  });

  it('frames the whole court: the mapping is centred on it', () => {
    const m = WorldMapping.forScene(inFeet('basketball', 'ft'));
    expect(m.center).toEqual([47, 25, 0]);
    expect(m.extent).toBe(94);
  });
});
