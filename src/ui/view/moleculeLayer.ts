/**
 * 3-D scenes: ball-and-stick. Atoms are one InstancedMesh (element colour, size from covalent radius);
 * bonds are two half-cylinders per bond, each in its atom's colour, as a second InstancedMesh. Two draw calls
 * whatever N is, so a few thousand atoms stay interactive. An atom of unknown element is drawn magenta without
 * bonds; scenes without any element are particles (particleLayer.ts).
 */
import {
  Color,
  CylinderGeometry,
  DynamicDrawUsage,
  Group,
  IcosahedronGeometry,
  InstancedMesh,
  Matrix4,
  MeshStandardMaterial,
  type Object3D,
  Quaternion,
  Vector3,
} from 'three';
import { ELEMENTS, inferBonds, normalizeElement, UNKNOWN_ELEMENT_COLOR } from '../../core/elements';
import type { Scene } from '../../core/scene';
import { presentCount } from '../format';
import { WorldMapping } from './mapping';
import { layerInfo, type LayerInfo, type SceneLayer, writeHidden, writeScaleTranslate } from './layer';

const BOND_RADIUS_A = 0.13;
/** Ball radius = BALL_BASE + BALL_SCALE * covalent radius (Å): H stays visible, heavy atoms dominate. */
const BALL_BASE_A = 0.16;
const BALL_SCALE = 0.34;

/** Coordinates in nm need the Å-based radii scaled down. */
function angstromIn(unit: string): number {
  return unit === 'nm' ? 0.1 : unit === 'pm' ? 100 : 1;
}

export class MoleculeLayer implements SceneLayer {
  readonly object = new Group();
  readonly radius: number;
  readonly planar = false;
  readonly bondCount: number;
  private readonly atoms: InstancedMesh;
  private readonly bondMesh: InstancedMesh | null;
  private readonly bonds: Int32Array;
  private readonly ballRadius: Float32Array;
  private readonly bondRadius: number;
  private readonly colors: Color[];
  private drawn = 0;

  /** `mapping`: the view's scene-to-world mapping (default: made from this scene). */
  constructor(
    private readonly scene: Scene,
    readonly mapping: WorldMapping = WorldMapping.forScene(scene),
  ) {
    const n = scene.entities.length;
    const diag = mapping.diag;
    const a = angstromIn(scene.lengthUnit);
    this.ballRadius = new Float32Array(n);
    const colors: Color[] = [];
    this.colors = colors;
    for (let i = 0; i < n; i++) {
      const sym = scene.entities[i].element;
      const info = sym ? ELEMENTS.get(normalizeElement(sym) ?? '') : undefined;
      this.ballRadius[i] = (BALL_BASE_A + BALL_SCALE * (info?.covalentRadius ?? 0.8)) * a;
      colors.push(new Color(info?.color ?? UNKNOWN_ELEMENT_COLOR));
    }
    this.bondRadius = BOND_RADIUS_A * a;
    let maxBall = 0;
    for (const r of this.ballRadius) maxBall = Math.max(maxBall, r);
    this.radius = diag / 2 + maxBall;

    const detail = n > 2000 ? 1 : n > 500 ? 2 : 3;
    this.atoms = new InstancedMesh(
      new IcosahedronGeometry(1, detail),
      new MeshStandardMaterial({ roughness: 0.35, metalness: 0.05 }),
      Math.max(n, 1),
    );
    this.atoms.instanceMatrix.setUsage(DynamicDrawUsage);
    this.atoms.frustumCulled = false;
    colors.forEach((c, i) => this.atoms.setColorAt(i, c));
    this.object.add(this.atoms);

    // Topology is taken once, from the first frame with the most atoms present, and kept: MD does not break bonds,
    // and re-inferring per frame would make bonds flicker as distances cross the cutoff.
    const pairs = inferBonds(scene, bestTopologyFrame(scene));
    this.bondCount = pairs.length;
    this.bonds = new Int32Array(pairs.length * 2);
    pairs.forEach(([p, q], k) => {
      this.bonds[2 * k] = p;
      this.bonds[2 * k + 1] = q;
    });
    if (pairs.length > 0) {
      this.bondMesh = new InstancedMesh(
        new CylinderGeometry(1, 1, 1, 10, 1, true),
        new MeshStandardMaterial({ roughness: 0.45, metalness: 0.05 }),
        pairs.length * 2,
      );
      this.bondMesh.instanceMatrix.setUsage(DynamicDrawUsage);
      this.bondMesh.frustumCulled = false;
      pairs.forEach(([p, q], k) => {
        this.bondMesh!.setColorAt(2 * k, colors[p]);
        this.bondMesh!.setColorAt(2 * k + 1, colors[q]);
      });
      this.object.add(this.bondMesh);
    } else {
      this.bondMesh = null;
    }
  }

  private readonly tmp = [0, 0, 0];

  private pos(frame: number, i: number, out: Vector3): Vector3 {
    const { scene } = this;
    this.mapping.put(scene.positions, (frame * scene.entities.length + i) * scene.dim, this.tmp, 0);
    return out.fromArray(this.tmp);
  }

  setFrame(frame: number): void {
    const { scene } = this;
    const n = scene.entities.length;
    const m = this.atoms.instanceMatrix.array as Float32Array;
    const p = new Vector3();
    for (let i = 0; i < n; i++) {
      if (!scene.mask[frame * n + i]) {
        writeHidden(m, i * 16);
        continue;
      }
      this.pos(frame, i, p);
      writeScaleTranslate(m, i * 16, this.ballRadius[i], p.x, p.y, p.z);
    }
    this.atoms.instanceMatrix.needsUpdate = true;
    this.drawn = presentCount(scene, frame);

    if (!this.bondMesh) return;
    const bm = this.bondMesh.instanceMatrix.array as Float32Array;
    const pa = new Vector3();
    const pb = new Vector3();
    const mid = new Vector3();
    const dir = new Vector3();
    const up = new Vector3(0, 1, 0);
    const q = new Quaternion();
    const s = new Vector3();
    const mat = new Matrix4();
    const centre = new Vector3();
    for (let k = 0; k < this.bonds.length / 2; k++) {
      const i = this.bonds[2 * k];
      const j = this.bonds[2 * k + 1];
      if (!scene.mask[frame * n + i] || !scene.mask[frame * n + j]) {
        writeHidden(bm, 2 * k * 16);
        writeHidden(bm, (2 * k + 1) * 16);
        continue;
      }
      this.pos(frame, i, pa);
      this.pos(frame, j, pb);
      mid.addVectors(pa, pb).multiplyScalar(0.5);
      dir.subVectors(pb, pa);
      const len = dir.length();
      if (len < 1e-9) {
        writeHidden(bm, 2 * k * 16);
        writeHidden(bm, (2 * k + 1) * 16);
        continue;
      }
      q.setFromUnitVectors(up, dir.multiplyScalar(1 / len));
      s.set(this.bondRadius, len / 2, this.bondRadius);
      centre.addVectors(pa, mid).multiplyScalar(0.5);
      mat.compose(centre, q, s).toArray(bm, 2 * k * 16);
      centre.addVectors(pb, mid).multiplyScalar(0.5);
      mat.compose(centre, q, s).toArray(bm, (2 * k + 1) * 16);
    }
    this.bondMesh.instanceMatrix.needsUpdate = true;
  }

  drawnCount(): number {
    return this.drawn;
  }

  pickTargets(): Object3D[] {
    return [this.atoms];
  }

  entityRadius(i: number): number {
    return this.ballRadius[i];
  }

  entityColor(i: number, out: Color): Color {
    return out.copy(this.colors[i]);
  }

  info(): LayerInfo {
    return { ...layerInfo(this, this.scene, 'molecule', 0), bonds: this.bondCount };
  }

  dispose(): void {
    for (const mesh of [this.atoms, this.bondMesh]) {
      if (!mesh) continue;
      mesh.geometry.dispose();
      (mesh.material as MeshStandardMaterial).dispose();
      mesh.dispose();
    }
  }
}

function bestTopologyFrame(scene: Scene): number {
  let best = 0;
  let bestCount = -1;
  const n = scene.entities.length;
  // Scanning every frame of a long trajectory is wasted work: all atoms are usually present in frame 0.
  for (let f = 0; f < Math.min(scene.frameCount, 50); f++) {
    const c = presentCount(scene, f);
    if (c > bestCount) {
      best = f;
      bestCount = c;
    }
    if (c === n) break;
  }
  return best;
}
