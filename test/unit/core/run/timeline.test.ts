import { describe, expect, it } from 'vitest';
import { frameLabelStep, indexTime, sourceFrameOf, timelineLength, timelinePoint, windowStarts, windowsFor } from '../../../../src/core/run/timeline';
import { walkers } from './helpers';

describe('run timeline', () => {
  const run = { now: 20, horizon: 60, modelFuture: 12 };

  it('spans the history up to "now" plus the horizon', () => {
    expect(timelineLength(60, null)).toBe(60);
    expect(timelineLength(60, run)).toBe(81);
    expect(timelinePoint(run, 20)).toEqual({ kind: 'history', index: 20, frame: 20, isNow: true });
    expect(timelinePoint(run, 21)).toEqual({ kind: 'future', index: 21, j: 0, window: 0 });
    expect(timelinePoint(run, 33)).toEqual({ kind: 'future', index: 33, j: 12, window: 1 });
    expect(timelinePoint(run, 80)).toEqual({ kind: 'future', index: 80, j: 59, window: 4 });
    expect(() => timelinePoint(run, 81)).toThrow(/past the end/);
    expect(timelinePoint(null, 5)).toEqual({ kind: 'history', index: 5, frame: 5, isNow: false });
  });

  it('marks chained windows (5 windows of 12)', () => {
    expect(windowsFor(60, 12)).toBe(5);
    expect(windowsFor(13, 12)).toBe(2);
    expect(windowStarts(run)).toEqual([21, 33, 45, 57, 69]);
  });

  it('source frame ids are secondary: history only', () => {
    const scene = walkers();
    const r = { now: 5, horizon: 4, modelFuture: 4 };
    expect(sourceFrameOf(scene, r, 5)).toBe(50);
    expect(sourceFrameOf(scene, r, 7)).toBeNull();
    expect(frameLabelStep(scene, 5)).toBe(10);
    expect(indexTime(7, { value: 0.4, unit: 's' })).toBeCloseTo(2.8);
    expect(indexTime(7, { value: 1, unit: 'frame' })).toBe(7);
  });
});
