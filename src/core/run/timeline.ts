/**
 * The timeline of a run: the known history (scene frames 0..now) followed by the sampled horizon, which is
 * made of chained model windows. One convention for every readout: the timeline index from 0 and the time
 * index × frame interval; source frame ids are secondary.
 */
import type { FrameInterval, Scene } from '../scene';

/** What the timeline needs to know about a run. */
export interface TimelineRun {
  now: number;
  horizon: number;
  /** future frames of one model window */
  modelFuture: number;
}

export type TimelinePoint =
  | { kind: 'history'; index: number; frame: number; isNow: boolean }
  | { kind: 'future'; index: number; /** future frame 0..horizon-1 */ j: number; /** chained window 0.. */ window: number };

/** Frames on the timeline: the scene's, or with a run history + horizon. */
export function timelineLength(sceneFrames: number, run: TimelineRun | null): number {
  return run ? run.now + 1 + run.horizon : sceneFrames;
}

export function timelinePoint(run: TimelineRun | null, index: number): TimelinePoint {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`timeline index must be an integer >= 0, got ${index}`);
  if (!run || index <= run.now) return { kind: 'history', index, frame: index, isNow: !!run && index === run.now };
  const j = index - run.now - 1;
  if (j >= run.horizon) throw new RangeError(`timeline index ${index} is past the end (${timelineLength(0, run)} frames)`);
  return { kind: 'future', index, j, window: Math.floor(j / run.modelFuture) };
}

/** Number of chained windows a horizon needs. */
export function windowsFor(horizon: number, modelFuture: number): number {
  return Math.max(1, Math.ceil(horizon / modelFuture));
}

/** Timeline index of the first frame of each chained window. */
export function windowStarts(run: TimelineRun): number[] {
  const out: number[] = [];
  for (let w = 0; w < windowsFor(run.horizon, run.modelFuture); w++) out.push(run.now + 1 + w * run.modelFuture);
  return out;
}

/** Source frame id shown as secondary information: the file's label in the history, none in the future. */
export function sourceFrameOf(scene: Scene, run: TimelineRun | null, index: number): number | null {
  const p = timelinePoint(run, index);
  return p.kind === 'history' && p.frame < scene.frameCount ? scene.frameLabels[p.frame] : null;
}

/** Step between source frame ids near "now" (for labelling exported future frames), at least 1. */
export function frameLabelStep(scene: Scene, now: number): number {
  const l = scene.frameLabels;
  for (let f = Math.min(now, l.length - 1); f > 0; f--) {
    const s = l[f] - l[f - 1];
    if (s > 0) return s;
  }
  return 1;
}

/** Seconds (or the interval's unit) of a timeline index. */
export function indexTime(index: number, interval: FrameInterval): number {
  return interval.unit === 'frame' ? index : index * interval.value;
}
