import type { Color, Object3D } from 'three';
import type { WorldMapping } from './mapping';

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
  dispose(): void;
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
