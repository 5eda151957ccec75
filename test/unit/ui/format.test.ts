import { describe, expect, it } from 'vitest';
import type { Scene } from '../../../src/core/scene';
import { baseFps, decimalsFor, formatInterval, formatTime, presentCount, sceneBounds } from '../../../src/ui/format';

function scene2d(): Scene {
  // 2 entities, 3 frames; entity 1 absent in frame 1.
  return {
    name: 't',
    kind: 'pedestrian',
    dim: 2,
    entities: [
      { sourceId: '1', label: 'a' },
      { sourceId: '2', label: 'b' },
    ],
    frameCount: 3,
    positions: new Float32Array([0, 0, 5, 5, 1, 1, 99, 99, 2, -3, 4, 4]),
    mask: new Uint8Array([1, 1, 1, 0, 1, 1]),
    frameInterval: { value: 0.4, unit: 's' },
    frameLabels: [0, 10, 20],
    lengthUnit: 'm',
  };
}

describe('time readout', () => {
  it('is interval × index with the unit, without float noise', () => {
    expect(formatTime(3, { value: 0.4, unit: 's' })).toBe('1.2 s');
    expect(formatTime(7, { value: 0.5, unit: 'ps' })).toBe('3.5 ps');
    expect(formatTime(2, { value: 2, unit: 'fs' })).toBe('4 fs');
    expect(formatTime(5, { value: 1, unit: 'frame' })).toBe('5 frames');
  });

  it('picks decimals from the interval', () => {
    expect(decimalsFor(0.4)).toBe(1);
    expect(decimalsFor(0.002)).toBe(3);
    expect(decimalsFor(10)).toBe(0);
    expect(formatInterval({ value: 0.4, unit: 's' })).toBe('0.4 s');
  });
});

describe('playback rate', () => {
  it('plays seconds in real time, clamped, and other units at 10 frames/s', () => {
    expect(baseFps({ value: 0.4, unit: 's' })).toBeCloseTo(2.5);
    expect(baseFps({ value: 1, unit: 'ms' })).toBe(60);
    expect(baseFps({ value: 0.5, unit: 'ps' })).toBe(10);
    expect(baseFps({ value: 1, unit: 'frame' })).toBe(10);
  });
});

describe('scene helpers', () => {
  it('counts present entities per frame', () => {
    const s = scene2d();
    expect([0, 1, 2].map((f) => presentCount(s, f))).toEqual([2, 1, 2]);
  });

  it('bounds ignore masked-out positions', () => {
    expect(sceneBounds(scene2d())).toEqual({ min: [0, -3], max: [5, 5] });
  });
});
