/** Pure display helpers (no DOM, no three.js) so they can be unit-tested in Node. */
import type { FrameInterval, Scene, TimeUnit } from '../core/scene';

/** Decimals that show a multiple of `step` without noise (0.4 -> 1, 0.002 -> 3, 5 -> 0). */
export function decimalsFor(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let d = 0; d <= 6; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 6;
}

/** A unit as readouts name it: 'sim' (dimensionless simulation lengths or time) is "simulation units". */
export function unitLabel(unit: string): string {
  return unit === 'sim' ? 'simulation units' : unit === '' ? 'units' : unit;
}

/** Time of frame `index`: interval × index, with the interval's unit ("4.8 s", "12.5 ps", "2.4 simulation units"). */
export function formatTime(index: number, interval: FrameInterval): string {
  if (interval.unit === 'frame') return `${index} frames`;
  const t = index * interval.value;
  return `${t.toFixed(decimalsFor(interval.value))} ${unitLabel(interval.unit)}`;
}

export function formatInterval(interval: FrameInterval): string {
  if (interval.unit === 'frame') return '1 frame';
  return `${interval.value} ${unitLabel(interval.unit)}`;
}

const SECONDS_PER_UNIT: Partial<Record<TimeUnit, number>> = { s: 1, ms: 1e-3 };

/**
 * Frames per second at speed 1x. Scenes in seconds play in real time; molecular time (fs..ns) and bare
 * frame numbers have no meaningful real-time rate, so they play at a fixed 10 frames per second.
 */
export function baseFps(interval: FrameInterval): number {
  const perUnit = SECONDS_PER_UNIT[interval.unit];
  if (perUnit === undefined || !(interval.value > 0)) return 10;
  const fps = 1 / (interval.value * perUnit);
  return Math.min(60, Math.max(1, fps));
}

/** Playback speeds; 16× and 64× are for long chained rollouts (10 000 frames play in about 16 s at 64×). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 16, 64] as const;

/** Number of entities present in frame f. */
export function presentCount(scene: Scene, frame: number): number {
  const n = scene.entities.length;
  let count = 0;
  const base = frame * n;
  for (let i = 0; i < n; i++) count += scene.mask[base + i] ? 1 : 0;
  return count;
}

export interface Bounds {
  min: number[];
  max: number[];
}

/** Axis-aligned bounds of every present position over all frames (for camera framing). */
export function sceneBounds(scene: Scene): Bounds {
  const d = scene.dim;
  const min = new Array<number>(d).fill(Infinity);
  const max = new Array<number>(d).fill(-Infinity);
  const { positions, mask } = scene;
  for (let k = 0; k < mask.length; k++) {
    if (!mask[k]) continue;
    for (let c = 0; c < d; c++) {
      const v = positions[k * d + c];
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
  }
  for (let c = 0; c < d; c++) {
    if (min[c] > max[c]) {
      min[c] = 0;
      max[c] = 0;
    }
  }
  return { min, max };
}

/** Well-separated hues for per-entity colours (golden-angle steps), as [h, s, l] in 0..1. */
export function entityHsl(index: number): [number, number, number] {
  const h = (index * 0.618033988749895) % 1;
  const l = index % 2 === 0 ? 0.55 : 0.68;
  return [h, 0.7, l];
}
