/**
 * Everything a run needs before the sampler sees it: the window at "now" (CONTRACT.md preprocessing, cut by
 * core/sampler/scene-sample.ts), the entities of that window as the IDs panel lists them, and their IDs in
 * the chosen mode. Pure; the UI calls it for the panel and for the request alike, so both show the same IDs.
 */
import { tilingFor } from '../sampler/compat';
import type { ModelManifest } from '../sampler/manifest';
import type { ModelDims } from '../sampler/model';
import { sceneSampleWindow, type SceneSampleWindow } from '../sampler/scene-sample';
import { planTiles, tilePositions } from '../sampler/tiles';
import type { Scene } from '../scene';
import { assignWindowIds, type IdEntity, type IdMode } from './ids';

export interface IdSpec {
  mode: IdMode;
  seed: number;
  manual: Readonly<Record<string, number>>;
}

export interface PreparedWindow {
  window: SceneSampleWindow;
  entities: IdEntity[];
  /** assigned IDs per window entity, or null with `idError` when the assignment is refused (or with `tiled`) */
  ids: number[] | null;
  idError: string | null;
  /**
   * more entities than the ID pool, sampled in spatial tiles (pedestrian models): how many tiles, and the sentence
   * the IDs panel shows; IDs are then assigned per tile by the sampler (ids null)
   */
  tiled: { tiles: number; message: string } | null;
}

/**
 * Cuts the window at scene frame `now` and assigns its IDs; with the manifest of a model that has a vocabulary
 * the window carries the entities' feature indices. Throws when no window can be cut there.
 */
export function prepareWindow(scene: Scene, dims: ModelDims, now: number, spec: IdSpec, manifest?: ModelManifest): PreparedWindow {
  const window = sceneSampleWindow(scene, dims, Math.min(Math.max(0, now), scene.frameCount - 1), manifest);
  const entities = window.window.entities.map((i) => {
    const e = scene.entities[i];
    return { sourceId: e.sourceId, label: e.label, ...(e.element ? { element: e.element } : {}) };
  });
  const tiling = manifest ? tilingFor(manifest) : null;
  const w = window.window;
  if (tiling && w.N > dims.P) {
    // The same plan the sampler will make (it depends on the window only), so the panel can say how many tiles.
    const plan = planTiles(tilePositions(w, dims.observed, window.known), w.N, w.D, dims.P, tiling.margin);
    const ids = spec.mode === 'sequential' ? 'IDs 0..n-1 within each tile' : 'IDs seeded random within each tile (from the ID seed)';
    const message = `${w.N} entities, more than the ID pool (${dims.P}): sampled in ${plan.tiles.length} overlapping spatial tiles of at most ${dims.P} (${Number(tiling.margin.toPrecision(6))} ${manifest!.length_unit} overlap); each entity's futures come from the tile where it is farthest from the border, ${ids}.`;
    return { window, entities, ids: null, idError: null, tiled: { tiles: plan.tiles.length, message } };
  }
  try {
    return { window, entities, ids: assignWindowIds(spec.mode, entities, dims.P, spec), idError: null, tiled: null };
  } catch (e) {
    return { window, entities, ids: null, idError: e instanceof Error ? e.message : String(e), tiled: null };
  }
}
