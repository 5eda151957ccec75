/**
 * What one viewport shows: the scene layer of the displayed trajectory (the file, or a run's history + sample),
 * the run layer on top, and a highlight halo, all through the mapping of the loaded file. The main view has one
 * cell; the NFE comparison grid has one per run, sharing a camera.
 */
import { Color, Group, IcosahedronGeometry, Mesh, MeshBasicMaterial, type Raycaster, RingGeometry } from 'three';
import type { Run } from '../../core/run/run';
import type { Scene } from '../../core/scene';
import { presentCount } from '../format';
import { ELEMENTS, normalizeElement } from '../../core/elements';
import type { LayerInfo, SceneLayer } from './layer';
import { WorldMapping } from './mapping';
import { MoleculeLayer } from './moleculeLayer';
import { ParticleLayer } from './particleLayer';
import { PlaneLayer } from './planeLayer';
import { RunLayer, type RunLayerStats } from './runLayer';

/** The view's state, as the e2e tests and the hover readout read it. */
export interface ViewState {
  frame: number;
  /** entities of the displayed trajectory drawn at this frame */
  drawn: number;
  /** scene coordinates of every drawn entity at this frame */
  positions: { entity: number; p: number[] }[];
  run: (RunLayerStats & { id: number; sample: number | null }) | null;
  highlight: number | null;
  /** how the scene layer draws its entities (kind, colours, sizes, court, ball, trails) */
  layer: LayerInfo | null;
}

export interface CellView {
  /** the loaded file: fixes the mapping */
  base: Scene | null;
  /** the trajectory drawn by the scene layer (the file, or a run scene) */
  display: Scene | null;
  run: Run | null;
  /** the run's sample drawn as a line (null: the whole fan with ghosts) */
  sample: number | null;
}

/** Ground plane (or court) for 2-D scenes; ball-and-stick when a 3-D scene has chemistry; particles otherwise. */
export function createLayer(scene: Scene, background: Color, mapping?: WorldMapping): SceneLayer {
  if (scene.dim === 2) return new PlaneLayer(scene, background, mapping);
  const chemistry = scene.entities.some((e) => e.element !== undefined && ELEMENTS.has(normalizeElement(e.element) ?? ''));
  return chemistry ? new MoleculeLayer(scene, mapping) : new ParticleLayer(scene, background, mapping);
}

export class ViewCell {
  readonly group = new Group();
  private view: CellView = { base: null, display: null, run: null, sample: null };
  private mapping: WorldMapping | null = null;
  private layer: SceneLayer | null = null;
  private runLayer: RunLayer | null = null;
  private halo: Mesh | null = null;
  private frame = 0;
  private highlight: number | null = null;
  private size: [number, number] = [1, 1];

  constructor(private readonly background: Color) {}

  get radius(): number {
    return this.layer?.radius ?? 10;
  }

  get planar(): boolean {
    return this.layer?.planar ?? false;
  }

  /** Rebuilds only what changed; returns true when the file (and so the mapping) changed. */
  setView(v: CellView): boolean {
    const old = this.view;
    this.view = v;
    const baseChanged = v.base !== old.base;
    if (baseChanged) this.mapping = v.base ? WorldMapping.forScene(v.base) : null;
    if (baseChanged || v.display !== old.display) {
      this.disposeLayer();
      if (v.display && this.mapping) {
        this.layer = createLayer(v.display, this.background, this.mapping);
        this.layer.setViewportSize?.(this.size[0], this.size[1]);
        this.group.add(this.layer.object);
      }
    }
    if (baseChanged || v.display !== old.display || v.run !== old.run || v.sample !== old.sample) {
      this.disposeRunLayer();
      if (v.run && this.mapping && this.layer) {
        this.runLayer = new RunLayer(v.run, v.sample, this.mapping, this.layer);
        this.group.add(this.runLayer.object);
      }
      this.placeHalo();
    }
    this.setFrame(this.frame);
    return baseChanged;
  }

  setFrame(frame: number): void {
    this.frame = frame;
    const d = this.view.display;
    if (this.layer && d) this.layer.setFrame(Math.min(Math.max(0, frame), d.frameCount - 1));
    this.runLayer?.setFrame(frame);
    this.placeHalo();
  }

  setHighlight(entity: number | null): void {
    this.highlight = entity;
    this.placeHalo();
  }

  setViewportSize(w: number, h: number): void {
    this.size = [w, h];
    this.layer?.setViewportSize?.(w, h);
  }

  private placeHalo(): void {
    if (this.halo) {
      this.group.remove(this.halo);
      this.halo.geometry.dispose();
      (this.halo.material as MeshBasicMaterial).dispose();
      this.halo = null;
    }
    const e = this.highlight;
    const d = this.view.display;
    if (e === null || !d || !this.mapping || !this.layer || e >= d.entities.length) return;
    const at = this.worldOf(e);
    if (!at) return;
    const r = this.layer.entityRadius(e);
    const planar = this.mapping.planar;
    const geo = planar ? new RingGeometry(1.9, 2.4, 40).rotateX(-Math.PI / 2) : new IcosahedronGeometry(1.9, 1);
    const mat = new MeshBasicMaterial({ color: 0xffd54a, transparent: true, opacity: 0.95, depthWrite: false, wireframe: !planar });
    this.halo = new Mesh(geo, mat);
    this.halo.name = 'highlight';
    this.halo.renderOrder = 4;
    this.halo.scale.setScalar(r);
    this.halo.position.set(at[0], at[1] + (planar ? this.mapping.extent * 0.004 : 0), at[2]);
    this.group.add(this.halo);
  }

  /** World position of scene entity `e` at the current frame: drawn, or the mean of its samples; null if neither. */
  worldOf(e: number): [number, number, number] | null {
    const d = this.view.display;
    if (!d || !this.mapping) return null;
    const N = d.entities.length;
    if (this.frame < d.frameCount && e < N && d.mask[this.frame * N + e]) return this.mapping.toWorld(d.positions, (this.frame * N + e) * d.dim);
    return this.runLayer?.meanAt(e, this.frame) ?? null;
  }

  /** Scene entity under the ray: solid entities first, then ghosts. */
  pick(ray: Raycaster): number | null {
    const solid = this.layer?.pickTargets() ?? [];
    const hit = ray.intersectObjects(solid, false).find((h) => h.instanceId !== undefined);
    if (hit?.instanceId !== undefined) return hit.instanceId;
    for (const t of this.runLayer?.pickTargets() ?? []) {
      const g = ray.intersectObject(t.object, false).find((h) => h.instanceId !== undefined);
      if (g?.instanceId !== undefined) return t.entityOf(g.instanceId);
    }
    return null;
  }

  state(): ViewState {
    const d = this.view.display;
    const positions: ViewState['positions'] = [];
    let drawn = 0;
    if (d && this.frame < d.frameCount) {
      const N = d.entities.length;
      drawn = presentCount(d, this.frame);
      for (let i = 0; i < N; i++) {
        if (!d.mask[this.frame * N + i]) continue;
        positions.push({ entity: i, p: Array.from(d.positions.subarray((this.frame * N + i) * d.dim, (this.frame * N + i + 1) * d.dim)) });
      }
    }
    const run = this.runLayer ? { ...this.runLayer.stats(), id: this.runLayer.run.id, sample: this.runLayer.sample } : null;
    return { frame: this.frame, drawn, positions, run, highlight: this.highlight, layer: this.layer?.info() ?? null };
  }

  drawnCount(): number {
    return this.layer?.drawnCount() ?? 0;
  }

  private disposeLayer(): void {
    if (!this.layer) return;
    this.group.remove(this.layer.object);
    this.layer.dispose();
    this.layer = null;
  }

  private disposeRunLayer(): void {
    if (!this.runLayer) return;
    this.group.remove(this.runLayer.object);
    this.runLayer.dispose();
    this.runLayer = null;
  }

  dispose(): void {
    this.highlight = null;
    this.placeHalo();
    this.disposeRunLayer();
    this.disposeLayer();
  }
}
