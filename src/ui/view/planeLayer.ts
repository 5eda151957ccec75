/**
 * 2-D scenes on a ground plane: agents as short cylinders standing on it, one colour per entity, with a fading
 * trail over the last frames. Scene (x, y) maps to world (x, 0, -y), a proper rotation, so the crowd is not
 * mirrored.
 *
 * Basketball scenes (court.ts: kind basketball, or a scene in feet that fits a court) stand on an NBA court
 * instead of a grid: its markings in feet (scaled when the scene was converted to metres), backboards and rims
 * at their heights, players in their team's colour where the scene tells the teams apart (one colour per player
 * where it does not), and the ball as a smaller orange sphere raised above the floor.
 */
import {
  BoxGeometry,
  Color,
  CylinderGeometry,
  DynamicDrawUsage,
  GridHelper,
  Group,
  IcosahedronGeometry,
  InstancedMesh,
  Mesh,
  MeshStandardMaterial,
  type Object3D,
  PlaneGeometry,
  TorusGeometry,
} from 'three';
import { LineMaterial } from 'three/examples/jsm/lines/LineMaterial.js';
import { LineSegments2 } from 'three/examples/jsm/lines/LineSegments2.js';
import { LineSegmentsGeometry } from 'three/examples/jsm/lines/LineSegmentsGeometry.js';
import type { Scene } from '../../core/scene';
import { entityHsl } from '../format';
import { COURT, courtMarkings, courtScale } from './court';
import { disposeTree, layerInfo, type LayerInfo, type SceneLayer, writeHidden, writeScaleTranslate } from './layer';
import { WorldMapping } from './mapping';
import { BALL_COLOR, basketballRoles, hex, playerHsl, type BasketballRoles } from './palette';
import { Trails } from './trails';

export { TRAIL_FRAMES } from './trails';

/** Drawn sizes on a court, in feet: a player's footprint radius, the ball (about 1.4 × its real 0.39 ft) and its height. */
const PLAYER_RADIUS_FT = 1;
const BALL_RADIUS_FT = 0.55;
const BALL_HEIGHT_FT = 4;

export class PlaneLayer implements SceneLayer {
  readonly object = new Group();
  readonly radius: number;
  readonly planar = true;
  private readonly agents: InstancedMesh;
  /** the ball(s) of a basketball scene: spheres, instance i = entity i (hidden for the others) */
  private readonly balls: InstancedMesh | null;
  private readonly trails: Trails;
  private readonly courtLines: LineSegments2 | null = null;
  private readonly colors: Float32Array;
  private readonly radii: Float32Array;
  private readonly agentRadius: number;
  private readonly perFoot: number | null;
  private readonly roles: BasketballRoles | null;
  private readonly ballLift: number;
  private drawn = 0;

  /** `mapping`: the view's scene-to-world mapping (default: made from this scene). */
  constructor(
    private readonly scene: Scene,
    background: Color,
    readonly mapping: WorldMapping = WorldMapping.forScene(scene),
  ) {
    const w = Math.max(mapping.size[0], 1e-6);
    const h = Math.max(mapping.size[1], 1e-6);
    const extent = mapping.extent;
    this.perFoot = courtScale(scene);
    this.roles = scene.kind === 'basketball' || this.perFoot !== null ? basketballRoles(scene) : null;
    // People are ~0.6 m across, but on a large plaza that is a speck: never below 1/70 of the scene.
    this.agentRadius = this.perFoot !== null ? PLAYER_RADIUS_FT * this.perFoot : scene.lengthUnit === 'm' ? Math.max(0.3, extent / 70) : extent / 70;
    const ballRadius = this.perFoot !== null ? BALL_RADIUS_FT * this.perFoot : this.agentRadius * 0.55;
    this.ballLift = this.perFoot !== null ? BALL_HEIGHT_FT * this.perFoot : this.agentRadius * 3;
    // Frame the plaza's larger side, not its diagonal: the corners may leave the view, the people do not.
    this.radius = extent / 2 + this.agentRadius * 2;

    const n = scene.entities.length;
    this.colors = new Float32Array(n * 3);
    this.radii = new Float32Array(n).fill(this.agentRadius);
    const c = new Color();
    const team = new Map<number, string>();
    for (const t of this.roles?.teams ?? []) for (const i of t.members) team.set(i, hex(t.color));
    for (let i = 0; i < n; i++) {
      if (this.roles?.ball.has(i)) {
        c.set(hex(BALL_COLOR));
        this.radii[i] = ballRadius;
      } else if (team.has(i)) c.set(team.get(i)!);
      else {
        const [hh, s, l] = this.roles ? playerHsl(i) : entityHsl(i);
        c.setHSL(hh, s, l);
      }
      this.colors.set([c.r, c.g, c.b], i * 3);
    }

    if (this.perFoot !== null) this.courtLines = this.addCourt(this.perFoot, background);
    else this.addGrid(background, w, h, extent);

    const body = new CylinderGeometry(1, 1, 1, 24);
    body.translate(0, 0.5, 0);
    this.agents = new InstancedMesh(body, new MeshStandardMaterial({ roughness: 0.5, metalness: 0.05 }), Math.max(1, n));
    this.agents.instanceMatrix.setUsage(DynamicDrawUsage);
    for (let i = 0; i < n; i++) this.agents.setColorAt(i, c.fromArray(this.colors, i * 3));
    this.agents.frustumCulled = false;
    this.object.add(this.agents);

    if (this.roles && this.roles.ball.size > 0) {
      this.balls = new InstancedMesh(new IcosahedronGeometry(1, 3), new MeshStandardMaterial({ roughness: 0.6, metalness: 0 }), Math.max(1, n));
      this.balls.name = 'ball';
      this.balls.instanceMatrix.setUsage(DynamicDrawUsage);
      for (let i = 0; i < n; i++) this.balls.setColorAt(i, c.fromArray(this.colors, i * 3));
      this.balls.frustumCulled = false;
      this.object.add(this.balls);
    } else {
      this.balls = null;
    }

    this.trails = new Trails(scene, mapping, this.colors, background, this.agentRadius * 0.05);
    this.object.add(this.trails.object);
  }

  private addGrid(background: Color, w: number, h: number, extent: number): void {
    const ground = new Mesh(new PlaneGeometry(w + extent * 0.15, h + extent * 0.15), new MeshStandardMaterial({ color: background.clone().offsetHSL(0, 0, 0.025), roughness: 1 }));
    ground.rotation.x = -Math.PI / 2;
    ground.position.y = -0.001 * extent;
    this.object.add(ground);
    const cell = niceCell(extent / 12);
    const divisions = Math.max(2, Math.ceil((extent * 1.15) / cell));
    this.object.add(new GridHelper(divisions * cell, divisions, 0x323b4a, 0x252c38));
  }

  /** Floor, markings, backboards and rims, in scene units (`perFoot` of them per foot). */
  private addCourt(perFoot: number, background: Color): LineSegments2 {
    const m = this.mapping;
    const at = [0, 0, 0];
    const court = courtMarkings();
    const margin = 4;
    const floor = new Mesh(
      new PlaneGeometry((COURT.length + 2 * margin) * perFoot, (COURT.width + 2 * margin) * perFoot),
      new MeshStandardMaterial({ color: new Color(0x5a4330).lerp(background, 0.35), roughness: 0.9 }),
    );
    floor.rotation.x = -Math.PI / 2;
    m.put([(COURT.length / 2) * perFoot, (COURT.width / 2) * perFoot], 0, at, 0, -0.02 * perFoot);
    floor.position.set(at[0], at[1], at[2]);
    floor.name = 'court-floor';
    this.object.add(floor);

    const pos = new Float32Array(court.lines.length * 6);
    court.lines.forEach((s, k) => {
      m.put([s[0] * perFoot, s[1] * perFoot], 0, pos, k * 6, 0.01 * perFoot);
      m.put([s[2] * perFoot, s[3] * perFoot], 0, pos, k * 6 + 3, 0.01 * perFoot);
    });
    const g = new LineSegmentsGeometry();
    g.setPositions(pos);
    const lines = new LineSegments2(g, new LineMaterial({ color: 0xf1ece2, linewidth: 2, worldUnits: false }));
    lines.name = 'court-lines';
    lines.frustumCulled = false;
    this.object.add(lines);

    const boardMat = new MeshStandardMaterial({ color: 0xf4f7fb, transparent: true, opacity: 0.55, roughness: 0.3, depthWrite: false });
    const rimMat = new MeshStandardMaterial({ color: 0xd0401c, roughness: 0.4, metalness: 0.3 });
    for (const hp of court.hoops) {
      const b = hp.backboard;
      const board = new Mesh(new BoxGeometry(0.15 * perFoot, (b.top - b.bottom) * perFoot, (b.y1 - b.y0) * perFoot), boardMat);
      m.put([b.x * perFoot, ((b.y0 + b.y1) / 2) * perFoot], 0, at, 0, ((b.bottom + b.top) / 2) * perFoot);
      board.position.set(at[0], at[1], at[2]);
      board.name = 'backboard';
      this.object.add(board);
      const rim = new Mesh(new TorusGeometry(hp.rimRadius * perFoot, 0.06 * perFoot, 8, 32), rimMat);
      rim.rotation.x = -Math.PI / 2;
      m.put([hp.rim[0] * perFoot, hp.rim[1] * perFoot], 0, at, 0, hp.rimHeight * perFoot);
      rim.position.set(at[0], at[1], at[2]);
      rim.name = 'rim';
      this.object.add(rim);
    }
    return lines;
  }

  setFrame(frame: number): void {
    const { scene } = this;
    const n = scene.entities.length;
    const m = this.agents.instanceMatrix.array as Float32Array;
    const bm = this.balls ? (this.balls.instanceMatrix.array as Float32Array) : null;
    const at = [0, 0, 0];
    let drawn = 0;
    for (let i = 0; i < n; i++) {
      const k = frame * n + i;
      const isBall = !!this.roles?.ball.has(i) && bm !== null;
      if (!scene.mask[k]) {
        writeHidden(m, i * 16);
        if (bm) writeHidden(bm, i * 16);
        continue;
      }
      const r = this.radii[i];
      if (isBall) {
        writeHidden(m, i * 16);
        this.mapping.put(scene.positions, k * 2, at, 0, this.ballLift);
        writeScaleTranslate(bm, i * 16, r, at[0], at[1], at[2]);
      } else {
        if (bm) writeHidden(bm, i * 16);
        this.mapping.put(scene.positions, k * 2, at, 0);
        writeScaleTranslate(m, i * 16, r, at[0], at[1], at[2]);
        // Non-uniform: the cylinder is r wide and 2.2 r tall.
        m[i * 16 + 5] = r * 2.2;
      }
      drawn++;
    }
    this.agents.instanceMatrix.needsUpdate = true;
    if (this.balls) this.balls.instanceMatrix.needsUpdate = true;
    this.drawn = drawn;
    this.trails.update(frame);
  }

  setViewportSize(width: number, height: number): void {
    this.trails.setViewportSize(width, height);
    (this.courtLines?.material as LineMaterial | undefined)?.resolution.set(width, height);
  }

  drawnCount(): number {
    return this.drawn;
  }

  pickTargets(): Object3D[] {
    return this.balls ? [this.agents, this.balls] : [this.agents];
  }

  entityRadius(i: number): number {
    return this.radii[i] ?? this.agentRadius;
  }

  entityColor(i: number, out: Color): Color {
    return out.fromArray(this.colors, i * 3);
  }

  info(): LayerInfo {
    const base = layerInfo(this, this.scene, this.perFoot !== null ? 'court' : 'plane', this.trails.count());
    const lifts = this.scene.entities.map((_, i) => (this.roles?.ball.has(i) && this.balls ? this.ballLift : 0));
    return {
      ...base,
      lifts,
      ...(this.perFoot !== null ? { court: { lines: courtMarkings().lines.length, perFoot: this.perFoot, hoops: 2 } } : {}),
      ...(this.roles ? { ball: [...this.roles.ball], teams: this.roles.teams?.map((t) => ({ name: t.name, color: hex(t.color), members: t.members })) ?? null, noTeams: this.roles.noTeams } : {}),
    };
  }

  dispose(): void {
    this.trails.dispose();
    disposeTree(this.object);
    this.agents.dispose();
    this.balls?.dispose();
  }
}

/** Grid spacing of 1, 2 or 5 times a power of ten near `raw`. */
function niceCell(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const r = raw / p;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : 5) * p;
}
