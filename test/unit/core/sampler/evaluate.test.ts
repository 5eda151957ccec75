import { describe, expect, it } from 'vitest';
import { evaluateScenes, protocolFor } from '../../../../src/core/sampler/evaluate';
import { adeFde } from '../../../../src/core/sampler/metrics';
import { deriveSeed, rollout } from '../../../../src/core/sampler/rollout';
import { extractWindow } from '../../../../src/core/sampler/windows';
import type { Entity, Scene } from '../../../../src/core/scene';
import { toyDims, toyModel } from './toy-model';

const T = toyDims.observed + toyDims.future;

/** N entities moving on straight lines (entity i: start (i, 0), velocity (0.1 i, 0.2)), all frames present. */
function lines(N: number, F: number, over: Partial<Scene> = {}, entities?: Entity[]): Scene {
  const positions = new Float32Array(F * N * 2);
  for (let f = 0; f < F; f++) for (let i = 0; i < N; i++) positions.set([i + 0.1 * i * f, 0.2 * f], (f * N + i) * 2);
  return {
    name: 'lines',
    kind: 'pedestrian',
    dim: 2,
    entities: entities ?? Array.from({ length: N }, (_, i) => ({ sourceId: String(i), label: String(i) })),
    frameCount: F,
    positions,
    mask: new Uint8Array(F * N).fill(1),
    frameInterval: { value: 0.4, unit: 's' },
    frameLabels: Array.from({ length: F }, (_, f) => f),
    lengthUnit: 'm',
    ...over,
  };
}

const opts = { K: 3, nfe: 2, solver: 'euler' as const, seed: 5 };

describe('evaluation protocols', () => {
  it('names the rule per domain', () => {
    expect(protocolFor('pedestrian')).toMatchObject({ reduction: 'min', k: 20 });
    expect(protocolFor('basketball')).toMatchObject({ reduction: 'min', k: 20 });
    expect(protocolFor('molecule')).toMatchObject({ reduction: 'mean', k: 5 });
    expect(protocolFor('nbody')).toMatchObject({ reduction: 'mean', k: 5 });
    expect(protocolFor('pedestrian').scores).toBeUndefined();
  });

  it('min (default) and mean score the same rollouts; mean >= min; baselines on the same entities', async () => {
    const s = lines(2, T + 2);
    const min = await evaluateScenes(toyModel().model, toyDims, [s], opts);
    const mean = await evaluateScenes(toyModel().model, toyDims, [s], { ...opts, protocol: protocolFor('molecule') });
    expect(min.windows).toBe(3);
    expect(min.agents).toBe(6);
    expect(mean.agents).toBe(6);
    expect(mean.ade).toBeGreaterThanOrEqual(min.ade);
    expect(mean.fde).toBeGreaterThanOrEqual(min.fde);
    // constant velocity is exact on straight lines; frozen is not
    expect(min.baseline.ade).toBeCloseTo(0, 6);
    expect(min.baselines.constant_velocity).toEqual(min.baseline);
    expect(min.baselines.frozen.ade).toBeGreaterThan(0.1);
    expect(mean.baselines).toEqual(min.baselines);
    // the numbers are the rollout's, reduced over samples then averaged over entities (one window here)
    const one = lines(2, T);
    const got = await evaluateScenes(toyModel().model, toyDims, [one], { ...opts, protocol: protocolFor('molecule') });
    const w = extractWindow(one, 0, T);
    const r = await rollout(toyModel().model, toyDims, w, { ...opts, seed: deriveSeed(opts.seed, 0, 0), decode: 'future' });
    const e = [0, 1].map((a) => adeFde('mean', r.future, opts.K, toyDims.future, w.pos, toyDims.observed, 0, toyDims.future, w.N, 2, a));
    expect(got.ade).toBeCloseTo((e[0].ade + e[1].ade) / 2, 10);
    expect(got.fde).toBeCloseTo((e[0].fde + e[1].fde) / 2, 10);
  });

  it('basketball scores only the players; the ball is context', async () => {
    const entities: Entity[] = [
      { sourceId: 'ball', label: 'ball', group: 'BALL' },
      { sourceId: '7', label: 'p7', group: 'PLAYER' },
      { sourceId: '9', label: 'p9', group: 'PLAYER' },
    ];
    const s = lines(3, T, { kind: 'basketball', lengthUnit: 'ft' }, entities);
    const { model, log } = toyModel();
    const r = await evaluateScenes(model, toyDims, [s], { ...opts, protocol: protocolFor('basketball') });
    expect(r.agents).toBe(2);
    expect(log.encode[0].N).toBe(3); // the ball is encoded with them
    const onlyBall = lines(1, T, { kind: 'basketball' }, [entities[0]]);
    const none = await evaluateScenes(toyModel().model, toyDims, [onlyBall], { ...opts, protocol: protocolFor('basketball') });
    expect([none.windows, none.agents]).toEqual([0, 0]);
  });

  it('passes each window\'s features and skips windows beyond the pool', async () => {
    const vocab = { ...toyDims, F: 2, P: 3 };
    const { model, log } = toyModel(vocab);
    const s = lines(2, T + 1);
    const asked: number[][] = [];
    await evaluateScenes(model, vocab, [s], { ...opts, feats: (_s, ents) => (asked.push(ents), Int32Array.from(ents, (e) => e % 2)) });
    expect(asked).toEqual([[0, 1], [0, 1]]);
    expect(Array.from(log.encode[0].feats!)).toEqual([0, 1, 0, 1, 0, 1]);
    const crowded = await evaluateScenes(toyModel().model, { ...toyDims, P: 1 }, [s], opts);
    expect([crowded.windows, crowded.skipped]).toEqual([0, 2]);
  });
});
