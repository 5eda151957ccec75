/**
 * 3-D scenes without chemistry (charged N-body systems, generic particles): spheres with a fading trail over the
 * last frames. Particles are coloured by charge on a diverging scale (red positive, blue negative, grey neutral;
 * palette.ts) when every particle carries one, else one colour per entity. In simulation units ('sim') a particle's
 * radius is 0.15 units, about a seventh of the spread of the charged system's starting positions (σ = 1), kept
 * between 1/200 and 1/20 of the scene's diagonal so a system that spreads out stays visible; in other units it
 * is 1/60 of the diagonal.
 */
import { Color, DynamicDrawUsage, Group, IcosahedronGeometry, InstancedMesh, MeshStandardMaterial, type Object3D } from 'three';
import type { Scene } from '../../core/scene';
import { entityHsl, presentCount } from '../format';
import { disposeTree, layerInfo, type LayerInfo, type SceneLayer, writeHidden, writeScaleTranslate } from './layer';
import { WorldMapping } from './mapping';
import { chargeColor, chargeScale, hex } from './palette';
import { Trails } from './trails';

const SIM_RADIUS = 0.15;

export function particleRadius(unit: string, diag: number): number {
  const d = Math.max(diag, 1e-6);
  return unit === 'sim' ? Math.min(d / 20, Math.max(d / 200, SIM_RADIUS)) : d / 60;
}

export class ParticleLayer implements SceneLayer {
  readonly object = new Group();
  readonly radius: number;
  readonly planar = false;
  private readonly spheres: InstancedMesh;
  private readonly trails: Trails;
  private readonly colors: Float32Array;
  private readonly r: number;
  private readonly qmax: number | null;
  private drawn = 0;

  constructor(
    private readonly scene: Scene,
    background: Color,
    readonly mapping: WorldMapping = WorldMapping.forScene(scene),
  ) {
    const n = scene.entities.length;
    this.r = particleRadius(scene.lengthUnit, mapping.diag);
    this.radius = mapping.diag / 2 + this.r;
    this.qmax = chargeScale(scene);
    this.colors = new Float32Array(n * 3);
    const c = new Color();
    for (let i = 0; i < n; i++) {
      if (this.qmax !== null) c.set(hex(chargeColor(scene.entities[i].charge!, this.qmax)));
      else {
        const [h, s, l] = entityHsl(i);
        c.setHSL(h, s, l);
      }
      this.colors.set([c.r, c.g, c.b], i * 3);
    }
    this.spheres = new InstancedMesh(new IcosahedronGeometry(1, n > 500 ? 2 : 3), new MeshStandardMaterial({ roughness: 0.35, metalness: 0.05 }), Math.max(1, n));
    this.spheres.instanceMatrix.setUsage(DynamicDrawUsage);
    this.spheres.frustumCulled = false;
    for (let i = 0; i < n; i++) this.spheres.setColorAt(i, c.fromArray(this.colors, i * 3));
    this.object.add(this.spheres);
    this.trails = new Trails(scene, mapping, this.colors, background);
    this.object.add(this.trails.object);
  }

  setFrame(frame: number): void {
    const { scene } = this;
    const n = scene.entities.length;
    const m = this.spheres.instanceMatrix.array as Float32Array;
    const at = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const k = frame * n + i;
      if (!scene.mask[k]) {
        writeHidden(m, i * 16);
        continue;
      }
      this.mapping.put(scene.positions, k * 3, at, 0);
      writeScaleTranslate(m, i * 16, this.r, at[0], at[1], at[2]);
    }
    this.spheres.instanceMatrix.needsUpdate = true;
    this.drawn = presentCount(scene, frame);
    this.trails.update(frame);
  }

  setViewportSize(width: number, height: number): void {
    this.trails.setViewportSize(width, height);
  }

  drawnCount(): number {
    return this.drawn;
  }

  pickTargets(): Object3D[] {
    return [this.spheres];
  }

  entityRadius(): number {
    return this.r;
  }

  entityColor(i: number, out: Color): Color {
    return out.fromArray(this.colors, i * 3);
  }

  info(): LayerInfo {
    return { ...layerInfo(this, this.scene, 'particles', this.trails.count()), chargeScale: this.qmax };
  }

  dispose(): void {
    this.trails.dispose();
    disposeTree(this.object);
    this.spheres.dispose();
  }
}
