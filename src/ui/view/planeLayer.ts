/**
 * 2-D scenes (pedestrians, generic planar systems): agents as short cylinders standing on a ground plane,
 * one colour per entity, with a fading trail over the last frames. Scene (x, y) maps to world (x, 0, -y),
 * a proper rotation, so the crowd is not mirrored.
 */
import {
  Color,
  CylinderGeometry,
  DynamicDrawUsage,
  GridHelper,
  Group,
  InstancedMesh,
  type InterleavedBufferAttribute,
  Mesh,
  MeshStandardMaterial,
  type Object3D,
  PlaneGeometry,
} from 'three';
import { LineMaterial } from 'three/examples/jsm/lines/LineMaterial.js';
import { LineSegments2 } from 'three/examples/jsm/lines/LineSegments2.js';
import { LineSegmentsGeometry } from 'three/examples/jsm/lines/LineSegmentsGeometry.js';
import type { Scene } from '../../core/scene';
import { entityHsl } from '../format';
import { WorldMapping } from './mapping';
import type { SceneLayer } from './layer';
import { writeHidden, writeScaleTranslate } from './layer';

/** Frames of history drawn behind each agent. */
export const TRAIL_FRAMES = 12;

export class PlaneLayer implements SceneLayer {
  readonly object = new Group();
  readonly radius: number;
  readonly planar = true;
  private readonly agents: InstancedMesh;
  // Fat lines: WebGL draws plain lines one pixel wide, too thin to follow a person's path.
  private readonly trails: LineSegments2;
  private readonly trailMaterial: LineMaterial;
  private readonly trailPos: Float32Array;
  private readonly trailCol: Float32Array;
  private readonly colors: Float32Array;
  private readonly background: Color;
  private readonly agentRadius: number;
  private drawn = 0;

  /** `mapping`: the view's scene-to-world mapping (default: made from this scene). */
  constructor(
    private readonly scene: Scene,
    background: Color,
    readonly mapping: WorldMapping = WorldMapping.forScene(scene),
  ) {
    this.background = background.clone();
    const w = Math.max(mapping.size[0], 1e-6);
    const h = Math.max(mapping.size[1], 1e-6);
    const extent = mapping.extent;
    // People are ~0.6 m across, but on a large plaza that is a speck: never below 1/70 of the scene.
    this.agentRadius = scene.lengthUnit === 'm' ? Math.max(0.3, extent / 70) : extent / 70;
    // Frame the plaza's larger side, not its diagonal: the corners may leave the view, the people do not.
    this.radius = extent / 2 + this.agentRadius * 2;

    const n = scene.entities.length;
    this.colors = new Float32Array(n * 3);
    const c = new Color();
    for (let i = 0; i < n; i++) {
      const [hh, s, l] = entityHsl(i);
      c.setHSL(hh, s, l);
      this.colors.set([c.r, c.g, c.b], i * 3);
    }

    const ground = new Mesh(
      new PlaneGeometry(w + extent * 0.15, h + extent * 0.15),
      new MeshStandardMaterial({ color: background.clone().offsetHSL(0, 0, 0.025), roughness: 1 }),
    );
    ground.rotation.x = -Math.PI / 2;
    ground.position.y = -0.001 * extent;
    this.object.add(ground);
    const cell = niceCell(extent / 12);
    const divisions = Math.max(2, Math.ceil((extent * 1.15) / cell));
    const grid = new GridHelper(divisions * cell, divisions, 0x323b4a, 0x252c38);
    grid.position.y = 0;
    this.object.add(grid);

    const body = new CylinderGeometry(1, 1, 1, 24);
    body.translate(0, 0.5, 0);
    this.agents = new InstancedMesh(body, new MeshStandardMaterial({ roughness: 0.5, metalness: 0.05 }), n);
    this.agents.instanceMatrix.setUsage(DynamicDrawUsage);
    for (let i = 0; i < n; i++) this.agents.setColorAt(i, c.fromArray(this.colors, i * 3));
    this.agents.frustumCulled = false;
    this.object.add(this.agents);

    const segs = n * TRAIL_FRAMES;
    this.trailPos = new Float32Array(segs * 2 * 3);
    this.trailCol = new Float32Array(segs * 2 * 3);
    const tg = new LineSegmentsGeometry();
    // The geometry keeps these arrays (no copy), so per-frame writes only need a needsUpdate flag.
    tg.setPositions(this.trailPos);
    tg.setColors(this.trailCol);
    tg.instanceCount = 0;
    this.trailMaterial = new LineMaterial({ vertexColors: true, linewidth: 3, worldUnits: false });
    this.trails = new LineSegments2(tg, this.trailMaterial);
    this.trails.frustumCulled = false;
    this.object.add(this.trails);
  }

  setFrame(frame: number): void {
    const { scene } = this;
    const n = scene.entities.length;
    const m = this.agents.instanceMatrix.array as Float32Array;
    const r = this.agentRadius;
    const height = r * 2.2;
    const at = [0, 0, 0];
    let drawn = 0;
    for (let i = 0; i < n; i++) {
      const k = frame * n + i;
      if (!scene.mask[k]) {
        writeHidden(m, i * 16);
        continue;
      }
      this.mapping.put(scene.positions, k * 2, at, 0);
      writeScaleTranslate(m, i * 16, r, at[0], at[1], at[2]);
      // Non-uniform: the cylinder is r wide and `height` tall.
      m[i * 16 + 5] = height;
      drawn++;
    }
    this.agents.instanceMatrix.needsUpdate = true;
    this.drawn = drawn;
    this.updateTrails(frame);
  }

  private updateTrails(frame: number): void {
    const { scene, trailPos: pos, trailCol: col, background: bg } = this;
    const n = scene.entities.length;
    const first = Math.max(0, frame - TRAIL_FRAMES);
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (!scene.mask[frame * n + i]) continue;
      for (let f = first; f < frame; f++) {
        const ka = f * n + i;
        const kb = (f + 1) * n + i;
        if (!scene.mask[ka] || !scene.mask[kb]) continue;
        // Older segments fade into the background colour: shows direction and pace at a glance.
        const wa = 1 - (frame - f) / (TRAIL_FRAMES + 1);
        const wb = 1 - (frame - f - 1) / (TRAIL_FRAMES + 1);
        for (const [k, w] of [
          [ka, wa],
          [kb, wb],
        ] as const) {
          this.mapping.put(scene.positions, k * 2, pos, v * 3, this.agentRadius * 0.05);
          for (let c = 0; c < 3; c++) {
            const base = c === 0 ? bg.r : c === 1 ? bg.g : bg.b;
            col[v * 3 + c] = base + (this.colors[i * 3 + c] - base) * w;
          }
          v++;
        }
      }
    }
    const g = this.trails.geometry;
    g.instanceCount = v / 2;
    (g.getAttribute('instanceStart') as InterleavedBufferAttribute).data.needsUpdate = true;
    (g.getAttribute('instanceColorStart') as InterleavedBufferAttribute).data.needsUpdate = true;
  }

  setViewportSize(width: number, height: number): void {
    this.trailMaterial.resolution.set(width, height);
  }

  drawnCount(): number {
    return this.drawn;
  }

  pickTargets(): Object3D[] {
    return [this.agents];
  }

  entityRadius(): number {
    return this.agentRadius;
  }

  entityColor(i: number, out: Color): Color {
    return out.fromArray(this.colors, i * 3);
  }

  dispose(): void {
    this.object.traverse((o) => {
      const mesh = o as Partial<Mesh>;
      mesh.geometry?.dispose();
      const mat = mesh.material;
      if (Array.isArray(mat)) mat.forEach((x) => x.dispose());
      else mat?.dispose();
    });
    this.agents.dispose();
  }
}

/** Grid spacing of 1, 2 or 5 times a power of ten near `raw`. */
function niceCell(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const r = raw / p;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : 5) * p;
}
