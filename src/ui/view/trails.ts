/**
 * Fading trails: each present entity's path over the last TRAIL_FRAMES frames as fat line segments whose colour
 * fades from the entity's towards the background with age, so direction and pace read at a glance. Used by the
 * ground-plane layers (agents, court) and by 3-D particles; positions go through the view's one mapping.
 */
import type { Color, InterleavedBufferAttribute } from 'three';
import { LineMaterial } from 'three/examples/jsm/lines/LineMaterial.js';
import { LineSegments2 } from 'three/examples/jsm/lines/LineSegments2.js';
import { LineSegmentsGeometry } from 'three/examples/jsm/lines/LineSegmentsGeometry.js';
import type { Scene } from '../../core/scene';
import type { WorldMapping } from './mapping';

/** Frames of history drawn behind each entity. */
export const TRAIL_FRAMES = 12;

export class Trails {
  // Fat lines: WebGL draws plain lines one pixel wide, too thin to follow a path.
  readonly object: LineSegments2;
  private readonly material: LineMaterial;
  private readonly pos: Float32Array;
  private readonly col: Float32Array;
  private segments = 0;

  /**
   * `colors`: sRGB-linear entity colours [N * 3] as the layer draws them; `lift`: height above the ground plane
   * (planar scenes); `skip`: entities that get no trail.
   */
  constructor(
    private readonly scene: Scene,
    private readonly mapping: WorldMapping,
    private readonly colors: Float32Array,
    private readonly background: Color,
    private readonly lift = 0,
    private readonly skip: ReadonlySet<number> = new Set(),
  ) {
    const segs = scene.entities.length * TRAIL_FRAMES;
    this.pos = new Float32Array(segs * 2 * 3);
    this.col = new Float32Array(segs * 2 * 3);
    const g = new LineSegmentsGeometry();
    // The geometry keeps these arrays (no copy), so per-frame writes only need a needsUpdate flag.
    g.setPositions(this.pos);
    g.setColors(this.col);
    g.instanceCount = 0;
    this.material = new LineMaterial({ vertexColors: true, linewidth: 3, worldUnits: false });
    this.object = new LineSegments2(g, this.material);
    this.object.frustumCulled = false;
    this.object.name = 'trails';
  }

  update(frame: number): void {
    const { scene, pos, col, background: bg } = this;
    const n = scene.entities.length;
    const D = scene.dim;
    const first = Math.max(0, frame - TRAIL_FRAMES);
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (this.skip.has(i) || !scene.mask[frame * n + i]) continue;
      for (let f = first; f < frame; f++) {
        const ka = f * n + i;
        const kb = (f + 1) * n + i;
        if (!scene.mask[ka] || !scene.mask[kb]) continue;
        const wa = 1 - (frame - f) / (TRAIL_FRAMES + 1);
        const wb = 1 - (frame - f - 1) / (TRAIL_FRAMES + 1);
        for (const [k, w] of [
          [ka, wa],
          [kb, wb],
        ] as const) {
          this.mapping.put(scene.positions, k * D, pos, v * 3, this.lift);
          for (let c = 0; c < 3; c++) {
            const base = c === 0 ? bg.r : c === 1 ? bg.g : bg.b;
            col[v * 3 + c] = base + (this.colors[i * 3 + c] - base) * w;
          }
          v++;
        }
      }
    }
    this.segments = v / 2;
    const g = this.object.geometry;
    g.instanceCount = this.segments;
    (g.getAttribute('instanceStart') as InterleavedBufferAttribute).data.needsUpdate = true;
    (g.getAttribute('instanceColorStart') as InterleavedBufferAttribute).data.needsUpdate = true;
  }

  /** Segments drawn at the current frame. */
  count(): number {
    return this.segments;
  }

  setViewportSize(width: number, height: number): void {
    this.material.resolution.set(width, height);
  }

  dispose(): void {
    this.object.geometry.dispose();
    this.material.dispose();
  }
}
