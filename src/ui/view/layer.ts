import { Color, type Mesh, type Object3D } from 'three';
import type { Scene } from '../../core/scene';
import type { WorldMapping } from './mapping';

/** What a layer draws, as the e2e tests and the legend read it (colours as sRGB hex, radii in world units). */
export interface LayerInfo {
  kind: 'plane' | 'court' | 'molecule' | 'particles';
  colors: string[];
  radii: number[];
  /** height of each entity's marker above the ground plane (planar layers; 0 for those standing on it) */
  lifts?: number[];
  /** trail segments drawn at the current frame */
  trails: number;
  court?: { lines: number; perFoot: number; hoops: number };
  /** basketball: the ball entities, and the teams (null where the scene does not tell them apart, with why) */
  ball?: number[];
  teams?: { name: string; color: string; members: number[] }[] | null;
  noTeams?: string | null;
  /** particles coloured by charge: the largest |charge| of the scale */
  chargeScale?: number | null;
  bonds?: number;
}

/** What the renderer needs from a scene drawing (ball-and-stick, agents on a plane, ...). */
export interface SceneLayer {
  readonly object: Object3D;
  /** World-space radius of the region the camera should frame, around the layer's origin. */
  readonly radius: number;
  /** True for ground-plane scenes: the camera looks down at an angle instead of from the side. */
  readonly planar: boolean;
  setFrame(frame: number): void;
  /** Entities actually drawn for the current frame (present and given a visible instance). */
  drawnCount(): number;
  /** The scene-to-world mapping the layer draws with (shared with the run layer). */
  readonly mapping: WorldMapping;
  /** Meshes whose instance i is entity i (hover picking). */
  pickTargets(): Object3D[];
  /** World-space radius of entity i's marker, and its colour (ghosts and highlights match the entity). */
  entityRadius(i: number): number;
  entityColor(i: number, out: Color): Color;
  /** Drawing-buffer size in pixels, for materials with screen-space widths. */
  setViewportSize?(width: number, height: number): void;
  info(): LayerInfo;
  dispose(): void;
}

/** The fields every layer reports the same way: colours and radii of its entities. */
export function layerInfo(layer: Pick<SceneLayer, 'entityColor' | 'entityRadius'>, scene: Scene, kind: LayerInfo['kind'], trails: number): LayerInfo {
  const c = new Color();
  return {
    kind,
    colors: scene.entities.map((_, i) => `#${layer.entityColor(i, c).getHexString()}`),
    radii: scene.entities.map((_, i) => layer.entityRadius(i)),
    trails,
  };
}

/** Disposes the geometry and materials of every object below `o`. */
export function disposeTree(o: Object3D): void {
  o.traverse((x) => {
    const m = x as Partial<Mesh>;
    m.geometry?.dispose();
    const mat = m.material;
    if (Array.isArray(mat)) mat.forEach((y) => y.dispose());
    else mat?.dispose();
  });
}

/** Writes a uniform-scale + translation matrix (column-major, as three.js stores it) at `offset`. */
export function writeScaleTranslate(out: Float32Array, offset: number, s: number, x: number, y: number, z: number): void {
  out[offset] = s;
  out[offset + 1] = 0;
  out[offset + 2] = 0;
  out[offset + 3] = 0;
  out[offset + 4] = 0;
  out[offset + 5] = s;
  out[offset + 6] = 0;
  out[offset + 7] = 0;
  out[offset + 8] = 0;
  out[offset + 9] = 0;
  out[offset + 10] = s;
  out[offset + 11] = 0;
  out[offset + 12] = x;
  out[offset + 13] = y;
  out[offset + 14] = z;
  out[offset + 15] = 1;
}

/** A zero matrix collapses an instance to nothing: how absent entities are hidden without reallocating. */
export function writeHidden(out: Float32Array, offset: number): void {
  out.fill(0, offset, offset + 16);
}
