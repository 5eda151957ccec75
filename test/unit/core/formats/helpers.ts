import { expect } from 'vitest';
import fc from 'fast-check';
import { isSceneParseError } from '../../../../src/core/errors';
import { sceneProblems } from '../../../../src/core/formats/common';
import type { Dim, Entity, Scene, SceneKind } from '../../../../src/core/scene';

/** A scene from plain arrays: frames[f][i] = coordinates or null when absent. */
export function makeScene(opts: {
  dim: Dim;
  entities: Entity[];
  frames: Array<Array<number[] | null>>;
  kind?: SceneKind;
  frameLabels?: number[];
  name?: string;
  lengthUnit?: string;
  frameInterval?: Scene['frameInterval'];
}): Scene {
  const n = opts.entities.length;
  const f = opts.frames.length;
  const d = opts.dim;
  const positions = new Float32Array(f * n * d);
  const mask = new Uint8Array(f * n);
  opts.frames.forEach((row, fi) =>
    row.forEach((p, i) => {
      if (!p) return;
      mask[fi * n + i] = 1;
      for (let k = 0; k < d; k++) positions[(fi * n + i) * d + k] = p[k];
    }),
  );
  return {
    name: opts.name ?? 'test',
    kind: opts.kind ?? 'generic',
    dim: d,
    entities: opts.entities,
    frameCount: f,
    positions,
    mask,
    frameInterval: opts.frameInterval ?? { value: 1, unit: 'frame' },
    frameLabels: opts.frameLabels ?? Array.from({ length: f }, (_, k) => k),
    lengthUnit: opts.lengthUnit ?? 'm',
  };
}

/** Compares scenes entity by entity (matched by sourceId, so readers may order entities differently). */
export function expectSameScene(
  actual: Scene,
  expected: Scene,
  opts: { tol?: number; labels?: boolean; frameLabels?: boolean; elements?: boolean; entityLabels?: boolean } = {},
): void {
  const tol = opts.tol ?? 1e-6;
  expect(sceneProblems(actual)).toEqual([]);
  expect(actual.dim).toBe(expected.dim);
  expect(actual.frameCount).toBe(expected.frameCount);
  expect(actual.entities.map((e) => e.sourceId).sort()).toEqual(expected.entities.map((e) => e.sourceId).sort());
  if (opts.frameLabels !== false) expect(actual.frameLabels).toEqual(expected.frameLabels);
  const n = expected.entities.length;
  const d = expected.dim;
  const where = new Map(actual.entities.map((e, i) => [e.sourceId, i]));
  expected.entities.forEach((e, i) => {
    const j = where.get(e.sourceId)!;
    const a = actual.entities[j];
    if (opts.elements !== false) expect(a.element).toBe(e.element);
    expect(a.charge, `charge of ${e.sourceId}`).toBe(e.charge);
    expect(a.group, `group of ${e.sourceId}`).toBe(e.group);
    if (opts.entityLabels) expect(a.label).toBe(e.label);
    for (let f = 0; f < expected.frameCount; f++) {
      // Plain comparisons: expect() per value is far too slow for real files with 10^5 entries.
      if (actual.mask[f * n + j] !== expected.mask[f * n + i]) {
        throw new Error(`mask of ${e.sourceId} in frame ${f}: ${actual.mask[f * n + j]} vs ${expected.mask[f * n + i]}`);
      }
      for (let k = 0; k < d; k++) {
        const av = actual.positions[(f * n + j) * d + k];
        const ev = expected.positions[(f * n + i) * d + k];
        if (!(Math.abs(av - ev) <= tol)) {
          throw new Error(`position ${e.sourceId} frame ${f} axis ${k}: ${av} vs ${ev}`);
        }
      }
    }
  });
}

/** Runs a reader and accepts exactly two outcomes: a consistent Scene or a SceneParseError. */
export function readOrParseError(read: () => Scene): 'scene' | 'error' {
  let scene: Scene;
  try {
    scene = read();
  } catch (e) {
    if (isSceneParseError(e)) {
      expect(e.line).toBeGreaterThanOrEqual(0);
      expect(e.message).toContain(e.file);
      return 'error';
    }
    throw e;
  }
  const problems = sceneProblems(scene);
  if (problems.length > 0) throw new Error(`reader returned an inconsistent scene: ${problems.join('; ')}`);
  return 'scene';
}

/** Expects a SceneParseError at `line` whose message matches `pattern`. */
export function expectParseError(read: () => unknown, line: number, pattern?: RegExp): void {
  let caught: unknown;
  try {
    read();
  } catch (e) {
    caught = e;
  }
  if (!isSceneParseError(caught)) throw new Error(`expected a SceneParseError, got ${String(caught)}`);
  expect(caught.line, caught.message).toBe(line);
  if (pattern) expect(caught.message).toMatch(pattern);
}

/** Edits of a valid file text: drop, duplicate, swap or alter lines and characters. */
export type Mutation =
  | { op: 'dropLine'; at: number }
  | { op: 'dupLine'; at: number }
  | { op: 'swapLines'; at: number; to: number }
  | { op: 'replaceLine'; at: number; text: string }
  | { op: 'dropChar'; at: number }
  | { op: 'insertChar'; at: number; ch: string }
  | { op: 'replaceChar'; at: number; ch: string };

const NASTY_CHARS = ['0', '1', '9', '-', '+', '.', 'e', 'E', ' ', '\t', '\n', '\r', ',', '"', '{', '}', '[', ']', ':', 'x', 'N', 'a', '#', '\u00a0', 'é', '\u0000'];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('dropLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('replaceLine' as const), at: fc.nat(), text: fc.string({ maxLength: 30 }) }),
  fc.record({ op: fc.constant('dropChar' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insertChar' as const), at: fc.nat(), ch: fc.constantFrom(...NASTY_CHARS) }),
  fc.record({ op: fc.constant('replaceChar' as const), at: fc.nat(), ch: fc.constantFrom(...NASTY_CHARS) }),
);

export function applyMutations(text: string, muts: Mutation[]): string {
  let t = text;
  for (const m of muts) {
    if (m.op === 'dropChar' || m.op === 'insertChar' || m.op === 'replaceChar') {
      if (t.length === 0) continue;
      const at = m.at % t.length;
      if (m.op === 'dropChar') t = t.slice(0, at) + t.slice(at + 1);
      else if (m.op === 'insertChar') t = t.slice(0, at) + m.ch + t.slice(at);
      else t = t.slice(0, at) + m.ch + t.slice(at + 1);
      continue;
    }
    const lines = t.split('\n');
    const at = m.at % lines.length;
    if (m.op === 'dropLine') lines.splice(at, 1);
    else if (m.op === 'dupLine') lines.splice(at, 0, lines[at]);
    else if (m.op === 'swapLines') {
      const to = m.to % lines.length;
      [lines[at], lines[to]] = [lines[to], lines[at]];
    } else lines[at] = m.text;
    t = lines.join('\n');
  }
  return t;
}

/** Random scenes for round trips; coordinates are float32 values so text formats can be exact. */
export function sceneArb(
  opts: {
    dim?: Dim;
    molecule?: boolean;
    allPresent?: boolean;
    nonEmptyFrames?: boolean;
    maxN?: number;
    maxF?: number;
    /** every entity gets a charge (integers -2..2, or any finite float32 when 'real') */
    charges?: boolean | 'real';
    /** every entity gets a group (PLAYER/BALL or another token without blanks) */
    groups?: boolean;
    kind?: SceneKind;
  } = {},
): fc.Arbitrary<Scene> {
  const dimArb: fc.Arbitrary<Dim> = opts.dim ? fc.constant(opts.dim) : fc.constantFrom<Dim>(2, 3);
  const coord = fc.float({ min: -500, max: 500, noNaN: true, noDefaultInfinity: true });
  const elements = ['H', 'C', 'N', 'O', 'S', 'Cl', 'Fe', 'Br'];
  return dimArb.chain((dim) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: opts.maxN ?? 6 }),
        f: fc.integer({ min: 1, max: opts.maxF ?? 5 }),
        idBase: fc.integer({ min: -5, max: 1000 }),
        labelStep: fc.integer({ min: 1, max: 20 }),
        labelStart: fc.integer({ min: 0, max: 1000 }),
      })
      .chain(({ n, f, idBase, labelStep, labelStart }) =>
        fc
          .record({
            els: fc.array(fc.constantFrom(...elements), { minLength: n, maxLength: n }),
            charges: fc.array(
              opts.charges === 'real' ? fc.float({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)) : fc.integer({ min: -2, max: 2 }),
              { minLength: n, maxLength: n },
            ),
            groups: fc.array(fc.constantFrom('PLAYER', 'BALL', 'team-a', 'Referee', '7'), { minLength: n, maxLength: n }),
            frames: fc.array(
              fc.array(
                fc.tuple(fc.array(coord, { minLength: dim, maxLength: dim }), opts.allPresent ? fc.constant(true) : fc.boolean()),
                { minLength: n, maxLength: n },
              ),
              { minLength: f, maxLength: f },
            ),
          })
          .map(({ els, charges, groups, frames }) => {
            // Keep at least one observation of every entity: a reader of track files cannot know of
            // entities that never appear.
            const rows = frames.map((row) => row.map(([p, present]) => (present ? p : null)));
            for (let i = 0; i < n; i++) if (rows.every((r) => r[i] === null)) rows[0][i] = frames[0][i][0];
            // Track files (ETH/UCY, CSV) cannot hold a frame with nobody in it: their readers would not know it.
            if (opts.nonEmptyFrames) rows.forEach((r, k) => (r[k % n] ??= frames[k][k % n][0]));
            return makeScene({
              dim,
              kind: opts.kind ?? (opts.molecule ? 'molecule' : 'generic'),
              entities: Array.from({ length: n }, (_, i) => {
                const e: Entity = opts.molecule
                  ? { sourceId: String(i), label: `${els[i]}${i}`, element: els[i] }
                  : { sourceId: String(idBase + i), label: `agent ${idBase + i}` };
                if (opts.charges) e.charge = charges[i];
                if (opts.groups) e.group = groups[i];
                return e;
              }),
              frames: rows,
              frameLabels: Array.from({ length: f }, (_, k) => labelStart + k * labelStep),
            });
          }),
      ),
  );
}

/** Moderate run counts: the test machine is shared with model training. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
