/**
 * The markings of an NBA court, 94 × 50 ft, in feet, as line segments on the floor plus the backboards and rims
 * above it: the coordinates of SportVU tracking (x along the 94 ft length from one baseline, y across the 50 ft
 * width from one sideline). Pure: no three.js; the court layer draws these through the scene-to-world mapping.
 *
 * Dimensions (NBA rule 1): rim centre 5.25 ft from the baseline (backboard face 4 ft out, rim centre 15 in in
 * front of it), rim 18 in across at 10 ft; backboard 6 ft wide, 3.5 ft tall, bottom edge 9 ft up (rim 6 in above
 * it). Three-point line 23.75 ft from the rim centre, 22 ft in the corners (straight segments 3 ft inside the
 * sidelines up to where they meet the arc). Lane 16 ft wide to the free-throw line 19 ft from the baseline;
 * free-throw circle and centre circle 6 ft in radius (the inner centre circle 2 ft); restricted area a 4 ft arc
 * around the rim centre, joined to the backboard line.
 */
import { lengthFactor } from '../../core/sampler/compat';
import type { Scene } from '../../core/scene';
import { sceneBounds } from '../format';

export const COURT = {
  length: 94,
  width: 50,
  rimFromBaseline: 5.25,
  rimRadius: 0.75,
  rimHeight: 10,
  backboardFromBaseline: 4,
  backboardWidth: 6,
  backboardBottom: 9,
  backboardHeight: 3.5,
  threePointRadius: 23.75,
  /** distance of the straight corner segments from the court's long axis (3 ft inside the sidelines) */
  threePointCorner: 22,
  laneWidth: 16,
  freeThrowFromBaseline: 19,
  freeThrowRadius: 6,
  centreRadius: 6,
  centreInnerRadius: 2,
  restrictedRadius: 4,
} as const;

/** One straight piece of a marking: [x1, y1, x2, y2] in feet. */
export type Segment = [number, number, number, number];

export interface Hoop {
  /** rim centre on the floor plan (ft) */
  rim: [number, number];
  rimRadius: number;
  rimHeight: number;
  /** the backboard's face: x (ft from the near baseline), its y extent, bottom and top edge heights */
  backboard: { x: number; y0: number; y1: number; bottom: number; top: number };
}

export interface CourtMarkings {
  lines: Segment[];
  hoops: [Hoop, Hoop];
}

/** Arc of radius r around (cx, cy) from angle a0 to a1 (radians, from +x towards +y) as n segments. */
function arc(cx: number, cy: number, r: number, a0: number, a1: number, n: number, keep: (i: number) => boolean = () => true): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    const u = a0 + ((a1 - a0) * i) / n;
    const v = a0 + ((a1 - a0) * (i + 1)) / n;
    out.push([cx + r * Math.cos(u), cy + r * Math.sin(u), cx + r * Math.cos(v), cy + r * Math.sin(v)]);
  }
  return out;
}

const rect = (x0: number, y0: number, x1: number, y1: number): Segment[] => [
  [x0, y0, x1, y0],
  [x1, y0, x1, y1],
  [x1, y1, x0, y1],
  [x0, y1, x0, y0],
];

/** The markings of the half at x = 0 (its basket 5.25 ft from the baseline x = 0). */
function halfMarkings(n: number): Segment[] {
  const C = COURT;
  const cy = C.width / 2;
  const rx = C.rimFromBaseline;
  const lines: Segment[] = [];
  // Three-point line: the corner segments, then the arc between the points where it is 22 ft off the axis.
  const a = Math.asin(C.threePointCorner / C.threePointRadius);
  const xJoin = rx + C.threePointRadius * Math.cos(a);
  lines.push([0, cy - C.threePointCorner, xJoin, cy - C.threePointCorner], [0, cy + C.threePointCorner, xJoin, cy + C.threePointCorner]);
  lines.push(...arc(rx, cy, C.threePointRadius, -a, a, n));
  // Lane and free-throw line.
  lines.push(...rect(0, cy - C.laneWidth / 2, C.freeThrowFromBaseline, cy + C.laneWidth / 2).filter((s) => !(s[0] === 0 && s[2] === 0)));
  // Free-throw circle: solid towards mid-court, dashed inside the lane.
  const half = Math.max(2, Math.round(n / 2));
  lines.push(...arc(C.freeThrowFromBaseline, cy, C.freeThrowRadius, -Math.PI / 2, Math.PI / 2, half));
  lines.push(...arc(C.freeThrowFromBaseline, cy, C.freeThrowRadius, Math.PI / 2, (3 * Math.PI) / 2, half, (i) => i % 2 === 0));
  // Restricted area: a 4 ft semicircle around the rim centre, joined to the backboard line.
  lines.push(...arc(rx, cy, C.restrictedRadius, -Math.PI / 2, Math.PI / 2, half));
  lines.push([C.backboardFromBaseline, cy - C.restrictedRadius, rx, cy - C.restrictedRadius], [C.backboardFromBaseline, cy + C.restrictedRadius, rx, cy + C.restrictedRadius]);
  return lines;
}

/** Every marking of the court; `n`: segments per half circle of the larger arcs. */
export function courtMarkings(n = 32): CourtMarkings {
  const C = COURT;
  const cy = C.width / 2;
  const mid = C.length / 2;
  const left = halfMarkings(n);
  const mirror = (s: Segment): Segment => [C.length - s[0], s[1], C.length - s[2], s[3]];
  const lines: Segment[] = [...rect(0, 0, C.length, C.width), [mid, 0, mid, C.width], ...arc(mid, cy, C.centreRadius, 0, 2 * Math.PI, 2 * n), ...arc(mid, cy, C.centreInnerRadius, 0, 2 * Math.PI, n), ...left, ...left.map(mirror)];
  const hoop = (baseline: 0 | 94): Hoop => {
    const s = baseline === 0 ? 1 : -1;
    return {
      rim: [baseline + s * C.rimFromBaseline, cy],
      rimRadius: C.rimRadius,
      rimHeight: C.rimHeight,
      backboard: { x: baseline + s * C.backboardFromBaseline, y0: cy - C.backboardWidth / 2, y1: cy + C.backboardWidth / 2, bottom: C.backboardBottom, top: C.backboardBottom + C.backboardHeight },
    };
  };
  return { lines, hoops: [hoop(0), hoop(94)] };
}

/** Margin around the court within which a scene in feet still counts as "on the court" (players step out). */
const COURT_MARGIN_FT = 6;
/** A scene smaller than this (ft) is not read as a court, however it fits. */
const MIN_COURT_EXTENT_FT = 20;

/**
 * Scene units per foot when the scene is drawn on a court, else null: a basketball scene in a length unit that
 * converts from feet (ft, or m after a conversion), or any other 2-D scene in feet whose extent fits a court.
 */
export function courtScale(scene: Scene): number | null {
  if (scene.dim !== 2) return null;
  const perFoot = lengthFactor('ft', scene.lengthUnit);
  if (perFoot === undefined) return null;
  if (scene.kind === 'basketball') return perFoot;
  if (perFoot !== 1 || scene.kind === 'molecule' || scene.kind === 'nbody') return null;
  const b = sceneBounds(scene);
  const w = b.max[0] - b.min[0];
  const h = b.max[1] - b.min[1];
  const fits = b.min[0] >= -COURT_MARGIN_FT && b.min[1] >= -COURT_MARGIN_FT && b.max[0] <= COURT.length + COURT_MARGIN_FT && b.max[1] <= COURT.width + COURT_MARGIN_FT;
  return fits && Math.max(w, h) >= MIN_COURT_EXTENT_FT ? 1 : null;
}
