/**
 * Everything a run needs before the sampler sees it: the window at "now" (CONTRACT.md preprocessing, cut by
 * core/sampler/scene-sample.ts), the entities of that window as the IDs panel lists them, and their IDs in
 * the chosen mode. Pure; the UI calls it for the panel and for the request alike, so both show the same IDs.
 */
import type { ModelManifest } from '../sampler/manifest';
import type { ModelDims } from '../sampler/model';
import { sceneSampleWindow, type SceneSampleWindow } from '../sampler/scene-sample';
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
  /** assigned IDs per window entity, or null with `idError` when the assignment is refused */
  ids: number[] | null;
  idError: string | null;
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
  try {
    return { window, entities, ids: assignWindowIds(spec.mode, entities, dims.P, spec), idError: null };
  } catch (e) {
    return { window, entities, ids: null, idError: e instanceof Error ? e.message : String(e) };
  }
}
