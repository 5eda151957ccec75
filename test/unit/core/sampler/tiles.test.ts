import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/rng';
import { rollout } from '../../../../src/core/sampler/rollout';
import { borderDistance, planTiles, sampleWindow, tilePositions, tileSeed, type TilePlan } from '../../../../src/core/sampler/tiles';
import type { ModelDims } from '../../../../src/core/sampler/model';
import { toyDims, toyModel } from './toy-model';

/** n points spread uniformly over a w x h area (seeded). */
function crowd(n: number, w: number, h: number, seed = 3): Float64Array {
  const rand = mulberry32(seed);
  const p = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    p[i * 2] = rand() * w;
    p[i * 2 + 1] = rand() * h;
  }
  return p;
}

/** The invariants every plan must keep: tiles within the pool, each entity owned once, by the farthest-from-border rule. */
function checkPlan(plan: TilePlan, points: Float64Array, N: number, pool: number): void {
  const owners = new Array<number>(N).fill(0);
  plan.tiles.forEach((t, ti) => {
    expect(t.members.length).toBeLessThanOrEqual(pool);
    for (const n of t.owned) {
      owners[n]++;
      expect(plan.owner[n]).toBe(ti);
      expect(t.members).toContain(n);
    }
  });
  expect(owners.every((c) => c === 1)).toBe(true);
  for (let n = 0; n < N; n++) {
    const mine = borderDistance(points, n, 2, plan.tiles[plan.owner[n]]);
    plan.tiles.forEach((t) => {
      if (t.members.includes(n)) expect(mine).toBeGreaterThanOrEqual(borderDistance(points, n, 2, t));
    });
  }
}

describe('planTiles', () => {
  it('cuts 150 people over 60 x 20 m into tiles of at most 96, each person owned once, by the farthest-from-border rule', () => {
    const points = crowd(150, 60, 20);
    const plan = planTiles(points, 150, 2, 96, 4);
    expect(plan.tiles.length).toBe(2);
    checkPlan(plan, points, 150, 96);
    // The overlap holds context: some members of each tile are owned by the other one.
    for (const t of plan.tiles) expect(t.members.length).toBeGreaterThan(t.owned.length);
    // People near the cut are in both tiles; those beyond the margin in one.
    const both = plan.tiles[0].members.filter((n) => plan.tiles[1].members.includes(n));
    expect(both.length).toBeGreaterThan(0);
  });

  it('keeps the rules in a dense crowd, where a cell sees more than the pool within its margin', () => {
    const points = crowd(400, 12, 12, 5);
    const plan = planTiles(points, 400, 2, 96, 4);
    expect(plan.tiles.length).toBeGreaterThan(4);
    checkPlan(plan, points, 400, 96);
    // Identical positions cannot be separated in space; they still split into tiles within the pool.
    const same = new Float64Array(2 * 200).fill(1);
    checkPlan(planTiles(same, 200, 2, 96, 4), same, 200, 96);
  });

  it('gives exactly one tile holding everyone when the pool holds them all', () => {
    const points = crowd(96, 60, 20);
    const plan = planTiles(points, 96, 2, 96, 4);
    expect(plan.tiles.length).toBe(1);
    expect(plan.tiles[0].members).toEqual(Array.from({ length: 96 }, (_, i) => i));
    expect(Array.from(plan.owner)).toEqual(new Array(96).fill(0));
  });
});

/** A window of N walkers on straight lines (toy model: observed 3, future 4), spread over a wide strip. */
function walkers(N: number, w = 60): { T: number; N: number; D: number; pos: Float32Array; mask: Float32Array } {
  const T = toyDims.observed + toyDims.future;
  const start = crowd(N, w, 10, 9);
  const pos = new Float32Array(T * N * 2);
  const mask = new Float32Array(T * N);
  for (let f = 0; f < T; f++) {
    for (let n = 0; n < N; n++) {
      // Entity 0 arrives at "now": its tile position is its "now" position.
      if (n === 0 && f < toyDims.observed - 1) continue;
      mask[f * N + n] = 1;
      pos[(f * N + n) * 2] = start[n * 2] + 0.4 * f;
      pos[(f * N + n) * 2 + 1] = start[n * 2 + 1];
    }
  }
  return { T, N, D: 2, pos, mask };
}

describe('sampleWindow', () => {
  const opts = { K: 3, nfe: 2, solver: 'ddim' as const, seed: 11 };

  it('is exactly the plain rollout for a window within the pool', async () => {
    const dims: ModelDims = { ...toyDims, P: 12 };
    const win = walkers(12);
    const a = await rollout(toyModel(dims).model, dims, win, opts);
    const b = await sampleWindow(toyModel(dims).model, dims, win, opts, { margin: 4 });
    expect(b.tiles.tiles.length).toBe(1);
    expect(b.future).toEqual(a.future);
    expect(b.firstWindow).toEqual(a.firstWindow);
    expect(b.ids).toEqual(a.ids);
    const given = await sampleWindow(toyModel(dims).model, dims, win, { ...opts, ids: Array.from({ length: 12 }, (_, i) => 11 - i) }, { margin: 4 });
    expect(Array.from(given.ids)).toEqual(Array.from({ length: 12 }, (_, i) => 11 - i));
  });

  it('samples more entities than the pool in tiles, each entity\'s every sample copied whole from its owner tile', async () => {
    const dims: ModelDims = { ...toyDims, P: 20 };
    const N = 50;
    const win = walkers(N);
    const horizon = 6; // two chained windows per tile
    const { model, log } = toyModel(dims);
    const r = await sampleWindow(model, dims, win, { ...opts, horizon }, { margin: 4 });
    const { tiles } = r.tiles;
    expect(tiles.length).toBeGreaterThan(2);
    checkPlan(r.tiles, tilePositions(win, dims.observed, dims.observed), N, 20);
    // One encode of window 0 per tile (N = its members), then one per sample of the chained window.
    expect(log.encode.filter((e, i) => i % (1 + opts.K) === 0).map((e) => e.N)).toEqual(tiles.map((t) => t.members.length));
    expect(r.future.length).toBe(opts.K * horizon * N * 2);
    for (let t = 0; t < tiles.length; t++) {
      const { members, owned } = tiles[t];
      const Nt = members.length;
      const sub = { T: win.T, N: Nt, D: 2, pos: new Float32Array(win.T * Nt * 2), mask: new Float32Array(win.T * Nt) };
      for (let f = 0; f < win.T; f++) {
        members.forEach((n, j) => {
          sub.mask[f * Nt + j] = win.mask[f * N + n];
          sub.pos.set(win.pos.subarray((f * N + n) * 2, (f * N + n + 1) * 2), (f * Nt + j) * 2);
        });
      }
      const alone = await rollout(toyModel(dims).model, dims, sub, { ...opts, horizon, seed: tileSeed(opts.seed, t) });
      for (const n of owned) {
        const j = members.indexOf(n);
        expect(r.ids[n]).toBe(alone.ids[j]);
        for (let k = 0; k < opts.K; k++) {
          for (let f = 0; f < horizon; f++) {
            const o = ((k * horizon + f) * N + n) * 2;
            const oa = ((k * horizon + f) * Nt + j) * 2;
            expect([r.future[o], r.future[o + 1]]).toEqual([alone.future[oa], alone.future[oa + 1]]);
          }
        }
      }
    }
    expect(r.future.every(Number.isFinite)).toBe(true);
  });

  it('reports progress over every tile\'s windows, and refuses a whole-window ID table for a tiled window', async () => {
    const dims: ModelDims = { ...toyDims, P: 20 };
    const win = walkers(50);
    const seen: string[] = [];
    const r = await sampleWindow(toyModel(dims).model, dims, win, { ...opts, onProgress: (p) => seen.push(`${p.window}/${p.windows}`) }, { margin: 4 });
    const n = r.tiles.tiles.length;
    expect(seen.at(-1)).toBe(`${n - 1}/${n}`);
    await expect(sampleWindow(toyModel(dims).model, dims, win, { ...opts, ids: Array.from({ length: 50 }, (_, i) => i) }, { margin: 4 })).rejects.toThrow(/sampled in tiles/);
    // Without tiling the capacity refusal of the rollout stands.
    await expect(sampleWindow(toyModel(dims).model, dims, win, opts, null)).rejects.toThrow(/ID pool holds 20/);
  });

  it('assigns IDs 0..n-1 within each tile when asked, and from an ID seed otherwise', async () => {
    const dims: ModelDims = { ...toyDims, P: 20 };
    const win = walkers(50);
    const seq = await sampleWindow(toyModel(dims).model, dims, win, opts, { margin: 4, ids: 'sequential' });
    for (const t of seq.tiles.tiles) for (const n of t.owned) expect(seq.ids[n]).toBe(t.members.indexOf(n));
    const a = await sampleWindow(toyModel(dims).model, dims, win, opts, { margin: 4, idSeed: 1 });
    const b = await sampleWindow(toyModel(dims).model, dims, win, opts, { margin: 4, idSeed: 2 });
    expect(a.ids).not.toEqual(b.ids);
  });
});
