/**
 * Sampling futures of one scene at a chosen "now" frame: the window is cut from the scene (history up to now,
 * ground truth after it when the file has it), and the result is mapped back to scene entities.
 */
import type { Scene } from '../scene';
import { sceneFeatures, tilingFor } from './compat';
import { compactFrames, compactIndexAtOrBefore } from './frames';
import type { ModelManifest } from './manifest';
import type { ModelDims } from './model';
import { extractWindow, type SceneWindow } from './windows';

export interface SceneSampleWindow {
  window: SceneWindow;
  /** compact scene frame index of "now" and the original scene frame index */
  nowCompact: number;
  nowFrame: number;
  /** known frames: min(observed, history available) */
  known: number;
  /** original scene frame index of each window frame (-1 outside the scene) */
  frames: number[];
}

/**
 * Builds the sampling window for "now" = original scene frame `nowFrame` (an empty frame maps to the last
 * non-empty frame before it). Entities: those present in at least one known frame; more than the ID pool only for
 * a model whose windows are tiled (the manifest's, tilingFor), else refused. With the manifest of a model
 * that has a vocabulary, the window carries its entities' feature indices (throws naming an entity whose token is
 * missing or unknown).
 */
export function sceneSampleWindow(scene: Scene, dims: ModelDims, nowFrame: number, manifest?: ModelManifest): SceneSampleWindow {
  const { scene: cs, toOriginal } = compactFrames(scene);
  const nowCompact = compactIndexAtOrBefore(toOriginal, nowFrame);
  if (nowCompact < 0) throw new Error(`no entity is present at or before frame ${scene.frameLabels[nowFrame] ?? nowFrame}`);
  const T = dims.observed + dims.future;
  const start = nowCompact - (dims.observed - 1);
  const known = Math.min(dims.observed, nowCompact + 1);
  if (known < dims.minObserved) throw new Error(`the model needs at least ${dims.minObserved} observed frames before "now"`);
  const knownFrames = Array.from({ length: known }, (_, j) => dims.observed - known + j);
  const window = extractWindow(cs, start, T, { frames: knownFrames });
  // Above the pool a pedestrian window is sampled in spatial tiles (tiles.ts); other domains cannot be cut up.
  if (window.N > dims.P && !(manifest && tilingFor(manifest))) {
    throw new Error(`${scene.name}: ${window.N} entities are present in the observed frames, but the model's ID pool holds ${dims.P}`);
  }
  if (manifest && manifest.features.vocab.length > 0) window.feats = sceneFeatures(cs, window.entities, manifest);
  const frames = Array.from({ length: T }, (_, f) => {
    const c = start + f;
    return c >= 0 && c < toOriginal.length ? toOriginal[c] : -1;
  });
  return { window, nowCompact, nowFrame: toOriginal[nowCompact], known, frames };
}
