/**
 * Cutting windows out of a Scene (CONTRACT.md "Preprocessing" step 1-2 and "Evaluation protocol").
 * A window's frames are consecutive entries of the scene's frame list; frames outside the scene are empty.
 */
import type { Scene } from '../scene';

export interface SceneWindow {
  /** Scene frame index of window frame 0 (negative when the scene has less history than the window). */
  start: number;
  /** Window length T. */
  T: number;
  /** Entities in the window. */
  N: number;
  D: number;
  /** [T, N, D] positions in scene units (0 where absent). */
  pos: Float32Array;
  /** [T, N] presence, 0 or 1. */
  mask: Float32Array;
  /** Scene entity index of each window entity. */
  entities: number[];
  /** [N] feature indices into the model's vocabulary (contract v2; set by sceneSampleWindow for such models) */
  feats?: Int32Array;
}

export type EntityRule =
  /** every entity present in at least one window frame (the evaluation protocol) */
  | 'window'
  /** only entities present in at least one of the given window frames (sampling: others cannot be predicted) */
  | { frames: number[] };

/** Extracts window frames start .. start+T-1 of the scene. */
export function extractWindow(scene: Scene, start: number, T: number, rule: EntityRule = 'window'): SceneWindow {
  const { dim: D, frameCount: F } = scene;
  const Ns = scene.entities.length;
  const pick = rule === 'window' ? Array.from({ length: T }, (_, f) => f) : rule.frames;
  const entities: number[] = [];
  for (let i = 0; i < Ns; i++) {
    for (const f of pick) {
      const sf = start + f;
      if (sf >= 0 && sf < F && scene.mask[sf * Ns + i]) {
        entities.push(i);
        break;
      }
    }
  }
  const N = entities.length;
  const pos = new Float32Array(T * N * D);
  const mask = new Float32Array(T * N);
  for (let f = 0; f < T; f++) {
    const sf = start + f;
    if (sf < 0 || sf >= F) continue;
    for (let n = 0; n < N; n++) {
      const i = entities[n];
      if (!scene.mask[sf * Ns + i]) continue;
      mask[f * N + n] = 1;
      for (let d = 0; d < D; d++) pos[(f * N + n) * D + d] = scene.positions[(sf * Ns + i) * D + d];
    }
  }
  return { start, T, N, D, pos, mask, entities };
}

/**
 * Window entities present in every one of the window's T frames (the scored agents of the protocol); `scored`
 * (by scene entity index) narrows them further, e.g. to the players of a basketball scene.
 */
export function fullyObserved(w: SceneWindow, scored?: (entity: number) => boolean): number[] {
  const out: number[] = [];
  for (let n = 0; n < w.N; n++) {
    if (scored && !scored(w.entities[n])) continue;
    let ok = true;
    for (let f = 0; f < w.T && ok; f++) ok = w.mask[f * w.N + n] === 1;
    if (ok) out.push(n);
  }
  return out;
}

export interface EvalWindow {
  window: SceneWindow;
  /** window entity indices that are scored */
  scored: number[];
}

/**
 * The evaluation windows of one file: every start s = 0 .. F - T (stride 1 by the protocol; larger strides only for
 * quick checks and the model card's subsampled numbers); windows without a scored agent (fully observed, and
 * accepted by `scoredEntity` when given) are skipped. Lazily generated so a large file never holds all windows at once.
 */
export function* evaluationWindows(scene: Scene, T: number, stride = 1, scoredEntity?: (entity: number) => boolean): Generator<EvalWindow> {
  for (let s = 0; s + T <= scene.frameCount; s += stride) {
    const window = extractWindow(scene, s, T, 'window');
    const scored = fullyObserved(window, scoredEntity);
    if (scored.length > 0) yield { window, scored };
  }
}

/** Counts evaluation windows and scored agents without keeping them (for progress bars). */
export function countEvaluationWindows(scene: Scene, T: number, stride = 1, scoredEntity?: (entity: number) => boolean): { windows: number; agents: number } {
  let windows = 0;
  let agents = 0;
  const F = scene.frameCount;
  const N = scene.entities.length;
  for (let s = 0; s + T <= F; s += stride) {
    let a = 0;
    for (let i = 0; i < N; i++) {
      if (scoredEntity && !scoredEntity(i)) continue;
      let ok = true;
      for (let f = s; f < s + T && ok; f++) ok = scene.mask[f * N + i] === 1;
      if (ok) a++;
    }
    if (a > 0) {
      windows++;
      agents += a;
    }
  }
  return { windows, agents };
}
