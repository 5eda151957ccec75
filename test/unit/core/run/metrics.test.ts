import { describe, expect, it } from 'vitest';
import { bestSample, bondDeviations, entityMetrics, errorVsHorizon, runSummary, sampleSpread, spreadOf } from '../../../../src/core/run/metrics';
import { straightRun, walkers, water, waterRun } from './helpers';

describe('run metrics', () => {
  it('per-entity minADE / minFDE pick the best sample and count the truth frames', () => {
    const run = straightRun(walkers(), 5);
    const m = entityMetrics(run);
    expect(m.map((e) => [e.n, e.ade, e.fde, e.adeSample, e.frames, e.full])).toEqual([
      [0, 0, 0, 0, 4, true],
      [1, 0, 0, 0, 4, true],
      [2, 0, 0, 0, 1, false],
    ]);
    expect(runSummary(run)).toEqual({ ade: 0, fde: 0, entities: 2, partial: false });
    expect(bestSample(run)).toBe(0);
  });

  it('error against the horizon uses each entity’s minADE sample; NaN without truth', () => {
    const scene = walkers();
    const run = straightRun(scene, 5);
    // make sample 1 the better one for entity 0 at frames 0..1 only: entity 0's minADE sample stays 0
    expect(errorVsHorizon(run)).toEqual([0, 0, 0, 0]);
    const late = straightRun(scene, 9);
    expect(errorVsHorizon(late).every(Number.isNaN)).toBe(true);
    expect(runSummary(late)).toBeNull();
    expect(bestSample(late)).toBeNull();
  });

  it('an entity whose samples are all off gets the smaller error', () => {
    const run = straightRun(walkers(), 5);
    // sample 0 of entity 1 moved 3 m away in y: now sample 1 (1 m off) is its best
    for (let j = 0; j < run.horizon; j++) run.future[((0 * run.horizon + j) * run.N + 1) * 2 + 1] += 3;
    const m = entityMetrics(run).find((e) => e.n === 1)!;
    expect(m.ade).toBeCloseTo(1, 6);
    expect(m.adeSample).toBe(1);
    expect(runSummary(run)!.ade).toBeCloseTo(0.5, 6);
    expect(errorVsHorizon(run)[3]).toBeCloseTo(0.5, 6);
  });

  it('spread is the RMS distance of the samples from their mean', () => {
    const run = straightRun(walkers(), 5);
    // two samples 1 m apart: each 0.5 m from the mean
    for (const s of sampleSpread(run)) expect(s).toBeCloseTo(0.5, 6);
  });

  it('spreadOf summarises re-roll results', () => {
    expect(spreadOf([1, 2, 3])).toEqual({ mean: 2, sd: 1, min: 1, max: 3, n: 3 });
  });
});

describe('bond-length deviations', () => {
  it('finds the O-H bonds of the known frames and measures the sampled lengths against them', () => {
    const scene = water();
    const b = bondDeviations(waterRun(scene, 0.2), scene)!;
    expect(b.bonds).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(b.reference[0]).toBeCloseTo(0.96, 5);
    // sample 0 unchanged, sample 1 first bond +0.2: deviations [0,0, 0,0, 0.2,0, 0.2,0]
    expect(Array.from(b.deviations).map((v) => Math.round(v * 1e4) / 1e4 + 0)).toEqual([0, 0, 0, 0, 0.2, 0, 0.2, 0]);
    expect(b.meanAbs).toBeCloseTo(0.05, 5);
  });

  it('is null for agents without chemistry', () => {
    const scene = walkers();
    expect(bondDeviations(straightRun(scene, 5), scene)).toBeNull();
  });
});
