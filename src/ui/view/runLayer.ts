/**
 * A run drawn over the scene layer, through the same scene-to-world mapping: the fan of sampled futures (all K
 * thin translucent lines per entity, or the line of the one sample on screen), the K positions of each entity at
 * the current future frame as translucent ghosts (fan only), and the ground truth after "now" as a white line
 * with a white marker at the current frame.
 */
import {
  BufferGeometry,
  Color,
  CylinderGeometry,
  DynamicDrawUsage,
  Float32BufferAttribute,
  Group,
  IcosahedronGeometry,
  InstancedMesh,
  LineBasicMaterial,
  LineSegments,
  MeshBasicMaterial,
  MeshStandardMaterial,
  type Object3D,
  RingGeometry,
} from 'three';
import type { Run } from '../../core/run/run';
import type { WorldMapping } from './mapping';
import { writeHidden, writeScaleTranslate } from './layer';

/** How the scene layer draws entity i: the run layer's ghosts and markers match it. */
export interface EntityStyle {
  entityRadius(i: number): number;
  entityColor(i: number, out: Color): Color;
}

export interface RunLayerStats {
  /** sampled line segments drawn */
  lines: number;
  truthLines: number;
  /** ghosts / ground-truth markers visible at the current frame */
  ghosts: number;
  truthMarkers: number;
}

export class RunLayer {
  readonly object = new Group();
  private readonly ghosts: InstancedMesh | null;
  private readonly markers: InstancedMesh;
  private readonly lift: number;
  private lines = 0;
  private truthLines = 0;
  private ghostsShown = 0;
  private markersShown = 0;
  private readonly tmp = [0, 0, 0];

  /** `sample` null draws the whole fan with ghosts; a number draws that sample's line only. */
  constructor(
    readonly run: Run,
    readonly sample: number | null,
    private readonly mapping: WorldMapping,
    private readonly style: EntityStyle,
  ) {
    this.object.name = 'run-layer';
    this.lift = mapping.planar ? mapping.extent * 0.002 : 0;
    this.buildLines();
    const planar = mapping.planar;
    const A = run.active.length;
    if (sample === null && A > 0) {
      const geo = planar ? new CylinderGeometry(1, 1, 1, 16).translate(0, 0.5, 0) : new IcosahedronGeometry(1, 2);
      this.ghosts = new InstancedMesh(geo, new MeshStandardMaterial({ transparent: true, opacity: Math.max(0.18, Math.min(0.45, 4 / run.K)), depthWrite: false, roughness: 0.6 }), run.K * A);
      this.ghosts.name = 'ghosts';
      this.ghosts.instanceMatrix.setUsage(DynamicDrawUsage);
      this.ghosts.frustumCulled = false;
      const c = new Color();
      for (let k = 0; k < run.K; k++) run.active.forEach((n, a) => this.ghosts!.setColorAt(k * A + a, style.entityColor(run.entities[n], c)));
      this.ghosts.renderOrder = 1;
      this.object.add(this.ghosts);
    } else {
      this.ghosts = null;
    }
    const mgeo = planar ? new RingGeometry(0.75, 1, 32).rotateX(-Math.PI / 2) : new IcosahedronGeometry(1, 1);
    const mmat = planar ? new MeshBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.95, depthWrite: false }) : new MeshBasicMaterial({ color: 0xffffff, wireframe: true, transparent: true, opacity: 0.7 });
    this.markers = new InstancedMesh(mgeo, mmat, Math.max(1, A));
    this.markers.name = 'truth-markers';
    this.markers.instanceMatrix.setUsage(DynamicDrawUsage);
    this.markers.frustumCulled = false;
    this.markers.renderOrder = 3;
    this.object.add(this.markers);
    this.setFrame(0);
  }

  private buildLines(): void {
    const { run, sample, mapping } = this;
    const { K, horizon, N, D } = run;
    const put = (to: number[], src: ArrayLike<number>, o: number) => {
      mapping.put(src, o, this.tmp, 0, this.lift);
      to.push(this.tmp[0], this.tmp[1], this.tmp[2]);
    };
    const pos: number[] = [];
    const col: number[] = [];
    const c = new Color();
    const ks = sample === null ? Array.from({ length: K }, (_, k) => k) : [sample];
    for (const n of run.active) {
      this.style.entityColor(run.entities[n], c);
      if (sample === null) c.offsetHSL(0, 0, 0.1);
      for (const k of ks) {
        let prevSrc: ArrayLike<number> = run.start;
        let prevOff = n * D;
        for (let j = 0; j < horizon; j++) {
          const o = ((k * horizon + j) * N + n) * D;
          put(pos, prevSrc, prevOff);
          put(pos, run.future, o);
          col.push(c.r, c.g, c.b, c.r, c.g, c.b);
          prevSrc = run.future;
          prevOff = o;
        }
      }
    }
    const g = new BufferGeometry();
    g.setAttribute('position', new Float32BufferAttribute(pos, 3));
    g.setAttribute('color', new Float32BufferAttribute(col, 3));
    const opacity = sample === null ? Math.max(0.25, Math.min(0.8, 6 / K)) : 1;
    const fan = new LineSegments(g, new LineBasicMaterial({ vertexColors: true, transparent: opacity < 1, opacity, depthWrite: false }));
    fan.name = 'fan';
    fan.renderOrder = 2;
    this.object.add(fan);
    this.lines = pos.length / 6;

    const tpos: number[] = [];
    for (const n of run.active) {
      let prevSrc: ArrayLike<number> = run.start;
      let prevOff = n * D;
      for (let j = 0; j < horizon; j++) {
        if (!run.truthMask[j * N + n]) break;
        const o = (j * N + n) * D;
        put(tpos, prevSrc, prevOff);
        put(tpos, run.truth, o);
        prevSrc = run.truth;
        prevOff = o;
      }
    }
    this.truthLines = tpos.length / 6;
    if (tpos.length) {
      const tg = new BufferGeometry();
      tg.setAttribute('position', new Float32BufferAttribute(tpos, 3));
      const tl = new LineSegments(tg, new LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.95, depthWrite: false }));
      tl.name = 'truth';
      tl.renderOrder = 3;
      this.object.add(tl);
    }
  }

  /** Moves ghosts and truth markers to timeline index `index` (hidden at history frames). */
  setFrame(index: number): void {
    const { run } = this;
    const j = index - run.now - 1;
    const future = j >= 0 && j < run.horizon;
    const A = run.active.length;
    const { N, D, horizon } = run;
    let shown = 0;
    if (this.ghosts) {
      const m = this.ghosts.instanceMatrix.array as Float32Array;
      for (let k = 0; k < run.K; k++) {
        for (let a = 0; a < A; a++) {
          const slot = (k * A + a) * 16;
          if (!future) {
            writeHidden(m, slot);
            continue;
          }
          const n = run.active[a];
          const r = this.style.entityRadius(run.entities[n]) * (this.mapping.planar ? 0.9 : 0.8);
          this.mapping.put(run.future, ((k * horizon + j) * N + n) * D, this.tmp, 0);
          writeScaleTranslate(m, slot, r, this.tmp[0], this.tmp[1], this.tmp[2]);
          if (this.mapping.planar) m[slot + 5] = r * 2.2;
          shown++;
        }
      }
      this.ghosts.instanceMatrix.needsUpdate = true;
      // Hidden objects are not drawn, so their shaders compile only when first needed (seconds on software GL).
      this.ghosts.visible = shown > 0;
    }
    this.ghostsShown = shown;
    let marks = 0;
    const mm = this.markers.instanceMatrix.array as Float32Array;
    for (let a = 0; a < A; a++) {
      const n = run.active[a];
      if (!future || !run.truthMask[j * N + n]) {
        writeHidden(mm, a * 16);
        continue;
      }
      const r = this.style.entityRadius(run.entities[n]) * (this.mapping.planar ? 1.6 : 1.1);
      this.mapping.put(run.truth, (j * N + n) * D, this.tmp, 0, this.lift * 2);
      writeScaleTranslate(mm, a * 16, r, this.tmp[0], this.tmp[1], this.tmp[2]);
      marks++;
    }
    this.markers.instanceMatrix.needsUpdate = true;
    this.markers.visible = marks > 0;
    this.markersShown = marks;
  }

  stats(): RunLayerStats {
    return { lines: this.lines, truthLines: this.truthLines, ghosts: this.ghostsShown, truthMarkers: this.markersShown };
  }

  /** Ghost meshes for hover picking, with the scene entity of an instance. */
  pickTargets(): { object: Object3D; entityOf(instance: number): number }[] {
    if (!this.ghosts) return [];
    const A = this.run.active.length;
    return [{ object: this.ghosts, entityOf: (i) => this.run.entities[this.run.active[i % A]] }];
  }

  /** Mean position over the K samples of scene entity `entity` at timeline index `index` (world), or null. */
  meanAt(entity: number, index: number): [number, number, number] | null {
    const { run } = this;
    const j = index - run.now - 1;
    const n = run.entities.indexOf(entity);
    if (j < 0 || j >= run.horizon || n < 0 || !run.active.includes(n)) return null;
    const mean = new Float64Array(run.D);
    const ks = this.sample === null ? Array.from({ length: run.K }, (_, k) => k) : [this.sample];
    for (const k of ks) for (let d = 0; d < run.D; d++) mean[d] += run.future[((k * run.horizon + j) * run.N + n) * run.D + d] / ks.length;
    return this.mapping.toWorld(mean);
  }

  dispose(): void {
    disposeObject(this.object);
    this.ghosts?.dispose();
    this.markers.dispose();
  }
}

export function disposeObject(o: Object3D): void {
  o.traverse((x) => {
    const m = x as Partial<LineSegments>;
    m.geometry?.dispose();
    const mat = m.material;
    if (Array.isArray(mat)) mat.forEach((y) => y.dispose());
    else mat?.dispose();
  });
}
