/**
 * Spatial tiles: a window with more entities than the model's ID pool cannot get an injective ID assignment, so
 * it is sampled in overlapping spatial tiles of at most `pool` entities each, and the tiles' futures are merged.
 *
 * A tile is a box of the plane: its core (a cell of a k-d split of the entities' last known positions) grown
 * by a margin, so that entities near the core's border are conditioned on their neighbours across it. Every
 * entity's K futures are taken from exactly one tile, its owner: of the tiles holding it, the one where it is
 * farthest from the tile's border. In the other tiles that hold it, it is context only. Sample k of an entity
 * is sample k of its owner tile as a whole (never frames of different tiles stitched together).
 *
 * Cost: one full rollout per tile (the pedestrian models' approximator runs over every slot of the pool, so a
 * tile of 90 entities costs about what a window of 90 does).
 */
import type { LatentModel, ModelDims } from './model';
import { deriveSeed, rollout, type RolloutOptions, type RolloutResult } from './rollout';
import type { SceneWindow } from './windows';

import type { TilingOptions } from './compat';

export interface Tile {
  /** window entity indices the tile holds (core and context), ascending */
  members: number[];
  /** window entity indices the tile owns (their futures come from this tile), ascending */
  owned: number[];
  /** the tile's box: its core cell grown by its reach, [D] each */
  lo: number[];
  hi: number[];
}

export interface TilePlan {
  tiles: Tile[];
  /** owner tile of each window entity, [N] */
  owner: Int32Array;
}

/** Distance from a point to an axis-aligned box (0 inside it). */
function boxDistance(points: ArrayLike<number>, n: number, D: number, lo: readonly number[], hi: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < D; d++) {
    const v = points[n * D + d];
    const out = v < lo[d] ? lo[d] - v : v > hi[d] ? v - hi[d] : 0;
    s += out * out;
  }
  return Math.sqrt(s);
}

/** How far inside a tile's box a point is: the distance to its nearest side (negative outside). */
export function borderDistance(points: ArrayLike<number>, n: number, D: number, tile: Pick<Tile, 'lo' | 'hi'>): number {
  let m = Infinity;
  for (let d = 0; d < D; d++) {
    const v = points[n * D + d];
    m = Math.min(m, v - tile.lo[d], tile.hi[d] - v);
  }
  return m;
}

/**
 * Splits N entities at `points` ([N, D], their last known positions) into tiles of at most `pool` members.
 * N <= pool gives one tile holding everyone. Otherwise the entities are split k-d style (across the longer
 * side of the cell's entities) until every cell grown by `margin` holds at most `pool` entities; each split
 * keeps the better of two cuts (fewer tiles): at the median, or where the tiles the cell needs divide evenly (a
 * crowd of 2.1 pools then takes 3 tiles, not 4). A cell of at most pool / 2 entities that still sees too many
 * within its margin (a very dense crowd) is not split further: it keeps its nearest neighbours up to the pool,
 * and its reach shrinks to the farthest one kept.
 */
export function planTiles(points: ArrayLike<number>, N: number, D: number, pool: number, margin: number): TilePlan {
  if (!Number.isInteger(pool) || pool < 1) throw new RangeError(`ID pool must be a positive integer, got ${pool}`);
  if (!(margin >= 0)) throw new RangeError(`tile margin must be >= 0, got ${margin}`);
  const lo0 = new Array<number>(D).fill(Infinity);
  const hi0 = new Array<number>(D).fill(-Infinity);
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const v = points[n * D + d];
      if (!Number.isFinite(v)) throw new Error(`tiles: entity ${n} has no finite position`);
      lo0[d] = Math.min(lo0[d], v);
      hi0[d] = Math.max(hi0[d], v);
    }
  }
  const all = Array.from({ length: N }, (_, n) => n);
  const grow = (lo: number[], hi: number[], r: number) => ({ lo: lo.map((v) => v - r), hi: hi.map((v) => v + r) });
  if (N <= pool) {
    const box = N > 0 ? grow(lo0, hi0, margin) : { lo: new Array<number>(D).fill(0), hi: new Array<number>(D).fill(0) };
    return { tiles: [{ members: all, owned: all.slice(), ...box }], owner: new Int32Array(N) };
  }
  type Box = { members: number[]; lo: number[]; hi: number[] };
  // Returns the cell's tiles; a split tries the cuts below and keeps the one giving the fewest tiles.
  const visit = (core: number[], lo: number[], hi: number[]): Box[] => {
    const dist = all.map((n) => boxDistance(points, n, D, lo, hi));
    const near = all.filter((n) => dist[n] <= margin);
    if (near.length <= pool) return [{ members: near, ...grow(lo, hi, margin) }];
    if (core.length <= pool / 2) {
      // Dense: the core and its nearest context (by distance to the cell, then index) up to the pool.
      const inCore = new Set(core);
      const context = near.filter((n) => !inCore.has(n)).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, pool - core.length);
      const reach = context.length ? dist[context[context.length - 1]] : 0;
      return [{ members: [...core, ...context].sort((a, b) => a - b), ...grow(lo, hi, reach) }];
    }
    // Split the cell across the longer extent of its own entities.
    let axis = 0;
    let ext = -1;
    for (let d = 0; d < D; d++) {
      let a = Infinity;
      let b = -Infinity;
      for (const n of core) {
        a = Math.min(a, points[n * D + d]);
        b = Math.max(b, points[n * D + d]);
      }
      if (b - a > ext) {
        ext = b - a;
        axis = d;
      }
    }
    const sorted = core.slice().sort((a, b) => points[a * D + axis] - points[b * D + axis] || a - b);
    // Candidate cuts: the median, and where the tiles the cell needs at least (near / pool) divide evenly
    // (3 -> one and two), which the median misses for odd counts. The second is tried only for moderate
    // crowds, so the search stays small (it doubles the work per level).
    const q = Math.max(2, Math.ceil(near.length / pool));
    const at = (m: number) => Math.min(sorted.length - 1, Math.max(1, m));
    const cuts = [at(Math.floor(sorted.length / 2))];
    const even = at(Math.round((sorted.length * Math.floor(q / 2)) / q));
    if (even !== cuts[0] && near.length <= 8 * pool) cuts.push(even);
    let best: Box[] | undefined;
    for (const m of cuts) {
      const cut = (points[sorted[m - 1] * D + axis] + points[sorted[m] * D + axis]) / 2;
      const hiL = hi.slice();
      hiL[axis] = cut;
      const loR = lo.slice();
      loR[axis] = cut;
      const got = [...visit(sorted.slice(0, m), lo, hiL), ...visit(sorted.slice(m), loR, hi)];
      if (!best || got.length < best.length) best = got;
    }
    return best!;
  };
  const boxes = visit(all, lo0, hi0);
  const owner = new Int32Array(N).fill(-1);
  const best = new Float64Array(N).fill(-Infinity);
  boxes.forEach((b, t) => {
    for (const n of b.members) {
      const e = borderDistance(points, n, D, b);
      // Ties (a point on a cut between equal tiles) go to the first tile.
      if (e > best[n]) {
        best[n] = e;
        owner[n] = t;
      }
    }
  });
  const tiles = boxes.map((b, t) => ({ members: b.members, owned: b.members.filter((n) => owner[n] === t), lo: b.lo, hi: b.hi }));
  return { tiles, owner };
}

/**
 * Where each window entity is for tiling, [N, D]: its position in the last known frame it is present in (the
 * "now" frame for those present then); an entity seen in no known frame (an evaluation window's late arrival)
 * at its first position in the window.
 */
export function tilePositions(win: Pick<SceneWindow, 'T' | 'N' | 'D' | 'pos' | 'mask'>, observed: number, known: number): Float64Array {
  const { T, N, D } = win;
  const out = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    let at = -1;
    for (let f = observed - 1; f >= observed - known && at < 0; f--) if (win.mask[f * N + n]) at = f;
    for (let f = 0; f < T && at < 0; f++) if (win.mask[f * N + n]) at = f;
    if (at < 0) continue;
    for (let d = 0; d < D; d++) out[n * D + d] = win.pos[(at * N + n) * D + d];
  }
  return out;
}

/** Salt of the tile seeds, so a tile's seed never equals a window seed of the evaluation. */
const TILE_SALT = 0x711e;


/** The noise seed of tile t: the run's own seed for tile 0 (so one tile is exactly today's rollout), derived for the rest. */
export function tileSeed(seed: number, t: number): number {
  return t === 0 ? seed : deriveSeed(seed, TILE_SALT, t);
}

export interface TiledOptions extends TilingOptions {
  /**
   * IDs within each tile: seeded random (default, as in training; from `idSeed` mixed with the tile index, else
   * from the tile's noise seed as a plain rollout does) or 0..n-1 per tile
   */
  ids?: 'random' | 'sequential';
  idSeed?: number;
}

export interface TiledRolloutResult extends RolloutResult {
  /** the tiles sampled (one for a window within the pool) */
  tiles: TilePlan;
}

/** Copies entity n of every [rows, Nt, D] block of `src` into entity `dst` of the [rows, N, D] blocks of `out`. */
function scatter(out: Float32Array, N: number, src: Float32Array, Nt: number, D: number, n: number, dst: number): void {
  const rows = src.length / (Nt * D);
  for (let r = 0; r < rows; r++) {
    const s = (r * Nt + n) * D;
    const o = (r * N + dst) * D;
    for (let d = 0; d < D; d++) out[o + d] = src[s + d];
  }
}

/**
 * Samples a window like `rollout`, in tiles when it holds more entities than the pool and `tiling` is given (else
 * exactly `rollout`, whose capacity check refuses it). Each tile is one rollout of its members with seed
 * tileSeed(seed, t); every entity's futures (all K samples, every frame) are copied from its owner tile. In a
 * tiled result `ids` are the owner tiles' IDs (they repeat across tiles), `xFinal` and `firstConditioning` are
 * tile 0's, and latents are not kept (they live in different tiles' latent spaces).
 */
export async function sampleWindow(
  model: LatentModel,
  dims: ModelDims,
  win: Pick<SceneWindow, 'T' | 'N' | 'D' | 'pos' | 'mask' | 'feats'>,
  opts: RolloutOptions,
  tiling?: TiledOptions | null,
): Promise<TiledRolloutResult> {
  const { N, D, T } = win;
  const known = opts.known ?? dims.observed;
  if (!tiling || N <= dims.P) {
    const r = await rollout(model, dims, win, opts);
    // One tile holding and owning everyone (its box is not needed: nobody has to choose between tiles).
    const all = Array.from({ length: N }, (_, n) => n);
    return { ...r, tiles: { tiles: [{ members: all, owned: all.slice(), lo: new Array<number>(D).fill(-Infinity), hi: new Array<number>(D).fill(Infinity) }], owner: new Int32Array(N) } };
  }
  if (opts.ids) throw new Error(`${N} entities do not fit the ID pool (${dims.P}); they are sampled in tiles, whose IDs are assigned per tile, so a whole-window assignment cannot be used`);
  if (opts.noise) throw new Error('explicit noise is for one window; a tiled window draws each tile\'s noise from its seed');
  const plan = planTiles(tilePositions(win, dims.observed, known), N, D, dims.P, tiling.margin);
  const feats = opts.feats ?? win.feats;
  const hasFeats = feats !== undefined && feats.length > 0;
  const K = opts.K;
  let future: Float32Array | undefined;
  let firstWindow: Float32Array | undefined;
  let stepPos: Float32Array | undefined;
  let first: RolloutResult | undefined;
  const ids = new Int32Array(N);
  const timing = { encodeMs: 0, flowMs: 0, decodeMs: 0 };
  const nT = plan.tiles.length;
  for (let t = 0; t < nT; t++) {
    const { members, owned } = plan.tiles[t];
    const Nt = members.length;
    const pos = new Float32Array(T * Nt * D);
    const mask = new Float32Array(T * Nt);
    for (let f = 0; f < T; f++) {
      members.forEach((n, j) => {
        mask[f * Nt + j] = win.mask[f * N + n];
        pos.set(win.pos.subarray((f * N + n) * D, (f * N + n + 1) * D), (f * Nt + j) * D);
      });
    }
    const seed = tileSeed(opts.seed, t);
    const r = await rollout(
      model,
      dims,
      { T, N: Nt, D, pos, mask },
      {
        ...opts,
        seed,
        feats: hasFeats ? Int32Array.from(members, (n) => feats[n]) : undefined,
        ids: tiling.ids === 'sequential' ? Array.from({ length: Nt }, (_, j) => j) : undefined,
        idSeed: tiling.idSeed === undefined ? undefined : deriveSeed(tiling.idSeed, TILE_SALT, t),
        keepLatents: false,
        // Progress counts the windows of every tile in turn.
        onProgress: opts.onProgress ? (p) => opts.onProgress!({ ...p, window: t * p.windows + p.window, windows: nT * p.windows }) : undefined,
      },
    );
    first ??= r;
    future ??= new Float32Array(K * r.horizon * N * D);
    firstWindow ??= new Float32Array((r.firstWindow.length / Nt) * N);
    if (r.steps) stepPos ??= new Float32Array((r.steps.pos.length / Nt) * N);
    const local = new Map(members.map((n, j) => [n, j]));
    for (const n of owned) {
      const j = local.get(n)!;
      scatter(future, N, r.future, Nt, D, j, n);
      scatter(firstWindow, N, r.firstWindow, Nt, D, j, n);
      if (r.steps && stepPos) scatter(stepPos, N, r.steps.pos, Nt, D, j, n);
      ids[n] = r.ids[j];
    }
    timing.encodeMs += r.timing.encodeMs;
    timing.flowMs += r.timing.flowMs;
    timing.decodeMs += r.timing.decodeMs;
  }
  const r0 = first!;
  return {
    K,
    N,
    D,
    known: r0.known,
    horizon: r0.horizon,
    ids,
    future: future!,
    firstWindow: firstWindow!,
    xFinal: r0.xFinal,
    firstConditioning: r0.firstConditioning,
    windows: r0.windows,
    steps: r0.steps && stepPos ? { t: r0.steps.t, pos: stepPos } : undefined,
    timing,
    tiles: plan,
  };
}
