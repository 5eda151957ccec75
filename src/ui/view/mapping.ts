/**
 * The one scene-to-world mapping of the view: every layer (agents on a plane, ball-and-stick, the run's fan,
 * ghosts and ground truth) places scene coordinates through it, so they line up exactly. It is made once per
 * loaded file and kept when the view switches to a run's trajectory, so the camera does not jump.
 * 2-D scenes lie on the ground plane: scene (x, y) is world (x, lift, -y), a proper rotation (not mirrored).
 * 3-D scenes keep their axes. Both are centred on the middle of the file's bounding box (for a scene drawn on
 * a basketball court, of the box that holds the court too, so the court is framed whole).
 */
import type { Scene } from '../../core/scene';
import { sceneBounds, type Bounds } from '../format';
import { COURT, courtScale } from './court';

export class WorldMapping {
  readonly planar: boolean;
  readonly center: [number, number, number];
  /** side lengths of the bounding box (scene units, 0 beyond dim) */
  readonly size: [number, number, number];
  /** the larger horizontal side (2-D) / the diagonal (3-D) */
  readonly extent: number;
  readonly diag: number;

  constructor(
    readonly dim: number,
    readonly bounds: Bounds,
  ) {
    this.planar = dim === 2;
    this.center = [0, 1, 2].map((c) => (c < dim ? (bounds.min[c] + bounds.max[c]) / 2 : 0)) as [number, number, number];
    this.size = [0, 1, 2].map((c) => (c < dim ? bounds.max[c] - bounds.min[c] : 0)) as [number, number, number];
    this.diag = Math.hypot(...this.size);
    this.extent = this.planar ? Math.max(this.size[0], this.size[1], 1e-6) : Math.max(this.diag, 1e-6);
  }

  static forScene(scene: Scene): WorldMapping {
    const b = sceneBounds(scene);
    const perFoot = courtScale(scene);
    if (perFoot !== null) {
      const court = [COURT.length * perFoot, COURT.width * perFoot];
      for (let c = 0; c < 2; c++) {
        b.min[c] = Math.min(b.min[c], 0);
        b.max[c] = Math.max(b.max[c], court[c]);
      }
    }
    return new WorldMapping(scene.dim, b);
  }

  /** Writes the world position of the point at src[so..so+dim) to out[oo..oo+3); `lift` raises planar points. */
  put(src: ArrayLike<number>, so: number, out: { [i: number]: number }, oo: number, lift = 0): void {
    const [cx, cy, cz] = this.center;
    if (this.planar) {
      out[oo] = src[so] - cx;
      out[oo + 1] = lift;
      out[oo + 2] = -(src[so + 1] - cy);
    } else {
      out[oo] = src[so] - cx;
      out[oo + 1] = (this.dim > 1 ? src[so + 1] : 0) - cy;
      out[oo + 2] = (this.dim > 2 ? src[so + 2] : 0) - cz;
    }
  }

  toWorld(src: ArrayLike<number>, so = 0, lift = 0): [number, number, number] {
    const out: [number, number, number] = [0, 0, 0];
    this.put(src, so, out, 0, lift);
    return out;
  }

  /** Inverse of put for the ground plane / space: world -> scene coordinates (dim values). */
  toScene(x: number, y: number, z: number): number[] {
    const [cx, cy, cz] = this.center;
    if (this.planar) return [x + cx, -z + cy];
    return [x + cx, y + cy, z + cz].slice(0, this.dim);
  }
}
