/**
 * The Sample panel's fan of futures, drawn in the same world coordinates as the scene layers: thin translucent
 * lines per sample in the entity's colour, ground truth in white.
 */
import { BufferGeometry, Color, Float32BufferAttribute, Group, LineBasicMaterial, LineSegments, type Object3D } from 'three';
import type { Scene } from '../../core/scene';
import { entityHsl, sceneBounds } from '../format';

export interface SampleFan {
  /** scene frame index of "now" */
  nowFrame: number;
  K: number;
  /** scene entity index per window entity */
  entities: number[];
  /** window entities sampled and drawn (seen in a known frame) */
  active: number[];
  horizon: number;
  D: number;
  /** [K, horizon, N, D] */
  future: Float32Array;
  /** ground truth after "now" per window entity: [horizon, N, D] with presence [horizon, N] */
  truth: Float32Array;
  truthMask: Float32Array;
  /** where each entity's fan starts: its position at "now", or its last known position before [N, D] */
  now: Float32Array;
  backend: string;
  latentsOnGpu: boolean;
  ms: number;
}

/** Builds the fan: thin translucent lines per sample in the entity's colour, ground truth in white. */
export function buildFanObject(scene: Scene, fan: SampleFan): { object: Group; lines: number; truthLines: number } {
  const b = sceneBounds(scene);
  const cx = (b.min[0] + b.max[0]) / 2;
  const cy = (b.min[1] + b.max[1]) / 2;
  const extent = Math.max(b.max[0] - b.min[0], b.max[1] - b.min[1], 1e-6);
  const lift = extent * 0.002;
  const N = fan.entities.length;
  const { K, horizon, D } = fan;
  const at = (x: number, y: number, out: number[]) => out.push(x - cx, lift, -(y - cy));
  const pos: number[] = [];
  const col: number[] = [];
  const c = new Color();
  for (const n of fan.active) {
    const [h, s, l] = entityHsl(fan.entities[n]);
    c.setHSL(h, s, Math.min(0.85, l + 0.1));
    for (let k = 0; k < K; k++) {
      let px = fan.now[n * D];
      let py = fan.now[n * D + 1];
      for (let j = 0; j < horizon; j++) {
        const o = ((k * horizon + j) * N + n) * D;
        at(px, py, pos);
        at(fan.future[o], fan.future[o + 1], pos);
        col.push(c.r, c.g, c.b, c.r, c.g, c.b);
        px = fan.future[o];
        py = fan.future[o + 1];
      }
    }
  }
  const group = new Group();
  group.name = 'sample-fan';
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(pos, 3));
  g.setAttribute('color', new Float32BufferAttribute(col, 3));
  group.add(new LineSegments(g, new LineBasicMaterial({ vertexColors: true, transparent: true, opacity: Math.max(0.25, Math.min(0.8, 6 / K)), depthWrite: false })));
  const tpos: number[] = [];
  for (const n of fan.active) {
    let px = fan.now[n * D];
    let py = fan.now[n * D + 1];
    for (let j = 0; j < horizon; j++) {
      if (!fan.truthMask[j * N + n]) break;
      const o = (j * N + n) * D;
      at(px, py, tpos);
      at(fan.truth[o], fan.truth[o + 1], tpos);
      px = fan.truth[o];
      py = fan.truth[o + 1];
    }
  }
  if (tpos.length) {
    const tg = new BufferGeometry();
    tg.setAttribute('position', new Float32BufferAttribute(tpos, 3));
    const tl = new LineSegments(tg, new LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.95, depthWrite: false }));
    tl.renderOrder = 2;
    group.add(tl);
  }
  return { object: group, lines: pos.length / 6, truthLines: tpos.length / 6 };
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

