import { describe, expect, it } from 'vitest';
import { intervalNanoseconds, MAX_HORIZON_FRAMES, MAX_RUN_VALUES, parseHorizon, runBudget } from '../../../../src/core/run/horizon';

const ps1 = { value: 1, unit: 'ps' } as const;
const ps05 = { value: 0.5, unit: 'ps' } as const;

describe('the horizon a user types', () => {
  it('turns durations into frames and chained windows at the frame interval', () => {
    expect(parseHorizon('2 ns', ps1, 12)).toEqual({ ok: true, frames: 2000, windows: 167, time: 2000 });
    expect(parseHorizon('2ns', ps05, 6)).toEqual({ ok: true, frames: 4000, windows: 667, time: 2000 });
    expect(parseHorizon('500 ps', ps05, 6)).toMatchObject({ frames: 1000, windows: 167 });
    expect(parseHorizon('1500 fs', ps05, 6)).toMatchObject({ frames: 3 });
    expect(parseHorizon('4.8 s', { value: 0.4, unit: 's' }, 12)).toMatchObject({ frames: 12, windows: 1 });
    expect(parseHorizon('2 sim', { value: 0.1, unit: 'sim' }, 20)).toMatchObject({ frames: 20, windows: 1, time: 2 });
    expect(parseHorizon('0.3 µs', { value: 0.1, unit: 'ns' }, 10)).toMatchObject({ frames: 3000 });
  });

  it('rounds a duration up to whole frames', () => {
    expect(parseHorizon('2.2 ps', ps1, 12)).toMatchObject({ frames: 3 });
    expect(parseHorizon('1.25 ps', ps05, 6)).toMatchObject({ frames: 3, time: 1.5 });
  });

  it('takes frames and windows as they are', () => {
    expect(parseHorizon('2000 frames', ps1, 12)).toMatchObject({ frames: 2000, windows: 167 });
    expect(parseHorizon('5 windows', ps1, 12)).toMatchObject({ frames: 60, windows: 5 });
    expect(parseHorizon('7 frames', { value: 1, unit: 'frame' }, 4)).toEqual({ ok: true, frames: 7, windows: 2, time: null });
  });

  it('refuses what it cannot read, naming why', () => {
    const err = (t: string, iv: Parameters<typeof parseHorizon>[1] = ps1) => {
      const r = parseHorizon(t, iv, 12);
      return r.ok ? null : r.error;
    };
    expect(err('2000')).toMatch(/give a number and a unit/);
    expect(err('2 parsecs')).toMatch(/unknown unit "parsecs"/);
    expect(err('2 ns', { value: 1, unit: 'frame' })).toMatch(/states no frame interval, so give frames or windows/);
    expect(err('2 ns', { value: 0.1, unit: 'sim' })).toMatch(/timed in simulation time/);
    expect(err('2 sim')).toMatch(/timed in ps, not in sim/);
    expect(err('2.5 frames')).toMatch(/whole number/);
    expect(err('0.1 fs')).toMatch(/shorter than one frame/);
    expect(err('21 ns', ps1)).toMatch(new RegExp(`21000 frames; the page samples at most ${MAX_HORIZON_FRAMES}`));
    expect(err('0 frames')).toMatch(/shorter than one frame/);
  });
});

describe('the memory budget of a run', () => {
  it('caps K for long horizons: 10 000 frames of 22 atoms allow K = 25', () => {
    expect(runBudget(25, 10_000, 22, 3)).toEqual({ values: 25 * 660_000, maxK: 25, ok: true });
    expect(runBudget(26, 10_000, 22, 3)).toMatchObject({ maxK: 25, ok: false });
    expect(runBudget(20, 12, 16, 2).ok).toBe(true);
  });

  it('counts kept latents as well', () => {
    const lat = { windows: 1000, T: 10, L: 22, C: 8 };
    // 1 760 000 latent values per sample: at most 9 samples
    expect(runBudget(9, 10_000, 22, 3, lat)).toMatchObject({ maxK: Math.floor(MAX_RUN_VALUES / 1_760_000), ok: true });
    expect(runBudget(10, 10_000, 22, 3, lat).ok).toBe(false);
  });
});

describe('intervalNanoseconds', () => {
  it('converts molecular frame intervals to ns and has none for other units', () => {
    expect(intervalNanoseconds({ value: 5, unit: 'fs' })).toBeCloseTo(5e-6, 18);
    expect(intervalNanoseconds({ value: 1, unit: 'ps' })).toBeCloseTo(1e-3, 15);
    expect(intervalNanoseconds({ value: 2, unit: 'ns' })).toBeCloseTo(2, 12);
    for (const unit of ['s', 'ms', 'sim', 'frame']) expect(intervalNanoseconds({ value: 1, unit })).toBeUndefined();
  });
});
