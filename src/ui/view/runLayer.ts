/**
 * A run drawn over the scene layer, through the same scene-to-world mapping: the fan of sampled futures (all K
 * thin translucent lines per entity, or the line of the one sample on screen), the K positions of each entity at
 * the current future frame as translucent ghosts (fan only), and the ground truth after "now" as a white line
 * with a white marker at the current frame. A run too long to draw whole (FAN_SEGMENT_BUDGET) draws its lines
 * over a span of frames around the current one.
 */
import {
  BufferAttribute,
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
import { disposeTree, writeHidden, writeScaleTranslate } from './layer';

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
  /** future frames [from, to) whose lines are drawn, when the run is too long to draw whole (null: all of them) */
  span: { from: number; to: number } | null;
}

/**
 * Most fan segments (samples drawn × entities × future frames) drawn at once. A longer run draws its lines over a
 * span of FAN_SPAN future frames around the current frame, which moves with it; ghosts are per frame anyway.
 */
export const FAN_SEGMENT_BUDGET = 100_000;
export const FAN_SPAN = 48;

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
  /** future frames whose lines are drawn: the whole horizon, or a span around the current frame (long runs) */
  private span = 0;
  private spanStart = 0;
  private fan!: LineSegments;
  private fanPos!: Float32Array;
  private truth: LineSegments | null = null;
  private truthPos: Float32Array | null = null;
  private truthEnd: number[] = [];

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
    const { run, sample } = this;
    const { K, horizon } = run;
    const ks = sample === null ? K : 1;
    const A = run.active.length;
    const perFrame = Math.max(1, ks * A);
    this.span = perFrame * horizon <= FAN_SEGMENT_BUDGET ? horizon : Math.min(horizon, Math.max(2, Math.min(FAN_SPAN, Math.floor(FAN_SEGMENT_BUDGET / perFrame))));
    const windowed = this.span < horizon;
    this.fanPos = new Float32Array(ks * A * this.span * 6);
    const col = new Float32Array(this.fanPos.length);
    const c = new Color();
    // Colours do not depend on the span: segment s of entity a, sample k keeps its place in the buffer.
    run.active.forEach((n, a) => {
      this.style.entityColor(run.entities[n], c);
      if (sample === null) c.offsetHSL(0, 0, 0.1);
      for (let v = a * ks * this.span * 2; v < (a + 1) * ks * this.span * 2; v++) col.set([c.r, c.g, c.b], v * 3);
    });
    const g = new BufferGeometry();
    // BufferAttribute keeps the array (Float32BufferAttribute would copy it), so fillSpan writes reach the GPU.
    const pa = new BufferAttribute(this.fanPos, 3);
    if (windowed) pa.setUsage(DynamicDrawUsage);
    g.setAttribute('position', pa);
    g.setAttribute('color', new Float32BufferAttribute(col, 3));
    const opacity = sample === null ? Math.max(0.25, Math.min(0.8, 6 / K)) : 1;
    this.fan = new LineSegments(g, new LineBasicMaterial({ vertexColors: true, transparent: opacity < 1, opacity, depthWrite: false }));
    this.fan.name = 'fan';
    this.fan.renderOrder = 2;
    this.fan.frustumCulled = false;
    this.object.add(this.fan);

    // Ground truth is drawn up to each entity's first future frame without it.
    this.truthEnd = run.active.map((n) => {
      let j = 0;
      while (j < horizon && run.truthMask[j * run.N + n]) j++;
      return j;
    });
    if (this.truthEnd.some((e) => e > 0)) {
      this.truthPos = new Float32Array(A * this.span * 6);
      const tg = new BufferGeometry();
      const ta = new BufferAttribute(this.truthPos, 3);
      if (windowed) ta.setUsage(DynamicDrawUsage);
      tg.setAttribute('position', ta);
      this.truth = new LineSegments(tg, new LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.95, depthWrite: false }));
      this.truth.name = 'truth';
      this.truth.renderOrder = 3;
      this.truth.frustumCulled = false;
      this.object.add(this.truth);
    }
    this.fillSpan(0);
  }

  /** Writes the fan and truth segments of future frames j0 .. j0 + span - 1 (the whole horizon when it fits). */
  private fillSpan(j0: number): void {
    const { run, sample, mapping } = this;
    const { K, horizon, N, D } = run;
    const ks = sample === null ? K : 1;
    const span = this.span;
    const j1 = Math.min(horizon, j0 + span);
    let v = 0;
    run.active.forEach((n, a) => {
      for (let kk = 0; kk < ks; kk++) {
        const k = sample === null ? kk : sample;
        v = (a * ks + kk) * span * 2;
        for (let j = j0; j < j1; j++) {
          if (j === 0) mapping.put(run.start, n * D, this.fanPos, v * 3, this.lift);
          else mapping.put(run.future, ((k * horizon + j - 1) * N + n) * D, this.fanPos, v * 3, this.lift);
          mapping.put(run.future, ((k * horizon + j) * N + n) * D, this.fanPos, (v + 1) * 3, this.lift);
          v += 2;
        }
        // Unused slots of a short last span collapse to nothing.
        this.fanPos.fill(0, v * 3, (a * ks + kk + 1) * span * 6);
      }
    });
    this.lines = run.active.length * ks * (j1 - j0);
    this.fan.geometry.getAttribute('position').needsUpdate = true;
    if (this.truth && this.truthPos) {
      let t = 0;
      run.active.forEach((n, a) => {
        const end = Math.min(j1, this.truthEnd[a]);
        for (let j = j0; j < end; j++) {
          if (j === 0) mapping.put(run.start, n * D, this.truthPos!, t * 3, this.lift);
          else mapping.put(run.truth, ((j - 1) * N + n) * D, this.truthPos!, t * 3, this.lift);
          mapping.put(run.truth, (j * N + n) * D, this.truthPos!, (t + 1) * 3, this.lift);
          t += 2;
        }
      });
      this.truthPos.fill(0, t * 3);
      this.truthLines = t / 2;
      this.truth.geometry.setDrawRange(0, t);
      this.truth.geometry.getAttribute('position').needsUpdate = true;
    }
    this.spanStart = j0;
  }

  /** Moves ghosts and truth markers to timeline index `index` (hidden at history frames). */
  setFrame(index: number): void {
    const { run } = this;
    const j = index - run.now - 1;
    if (this.span < run.horizon) {
      const j0 = Math.min(run.horizon - this.span, Math.max(0, j - Math.floor(this.span / 2)));
      if (j0 !== this.spanStart) this.fillSpan(j0);
    }
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
    const span = this.span < this.run.horizon ? { from: this.spanStart, to: this.spanStart + this.span } : null;
    return { lines: this.lines, truthLines: this.truthLines, ghosts: this.ghostsShown, truthMarkers: this.markersShown, span };
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
    disposeTree(this.object);
    this.ghosts?.dispose();
    this.markers.dispose();
  }
}

