/**
 * Pedestrian demo scene: two groups crossing a square plaza at right angles, simulated with a small
 * social-force model (driving force towards a goal + exponential repulsion from other agents).
 * Writes public/scenes/crossing-crowd.txt (ETH/UCY: frame id x y, tab separated) and .csv.
 *
 * Run: npx tsx scripts/make_crowd.ts  — deterministic (seeded), no dependencies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/core/rng';

const SEED = 7;
const AGENTS_PER_GROUP = 8;
const FRAME_DT = 0.4; // seconds between recorded frames, as in ETH/UCY
const FRAME_STEP = 10; // ETH/UCY numbers its 0.4 s frames in steps of 10 (annotated every 10th video frame)
const FRAMES = 60;
const SUBSTEPS = 8; // integrate at 0.05 s: stable for these force constants
const TAU = 0.5; // relaxation time towards the desired velocity, s
const A = 2.0; // repulsion strength, m/s^2
const B = 0.35; // repulsion range, m
const RADIUS = 0.25; // body radius, m
const MAX_SPEED = 1.8;

interface Agent {
  id: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  gx: number;
  gy: number;
  speed: number;
}

function makeAgents(rng: () => number): Agent[] {
  const agents: Agent[] = [];
  let id = 1;
  // Group 1 walks west -> east, group 2 south -> north; both start staggered so they meet mid-plaza.
  for (let g = 0; g < 2; g++) {
    for (let k = 0; k < AGENTS_PER_GROUP; k++) {
      const lane = (k % 4) * 0.9 - 1.35 + (rng() - 0.5) * 0.3;
      const depth = -9 - Math.floor(k / 4) * 1.2 - rng() * 0.8;
      const speed = 1.15 + rng() * 0.35;
      const [x, y, gx, gy] = g === 0 ? [depth, lane, 12, lane] : [lane, depth, lane, 12];
      agents.push({ id: id++, x, y, vx: g === 0 ? speed : 0, vy: g === 0 ? 0 : speed, gx, gy, speed });
    }
  }
  return agents;
}

function step(agents: Agent[], dt: number): void {
  const ax = new Float64Array(agents.length);
  const ay = new Float64Array(agents.length);
  agents.forEach((a, i) => {
    const dx = a.gx - a.x;
    const dy = a.gy - a.y;
    const d = Math.hypot(dx, dy) || 1;
    ax[i] += (a.speed * (dx / d) - a.vx) / TAU;
    ay[i] += (a.speed * (dy / d) - a.vy) / TAU;
    agents.forEach((b, j) => {
      if (i === j) return;
      const rx = a.x - b.x;
      const ry = a.y - b.y;
      const r = Math.hypot(rx, ry) || 1e-6;
      const f = A * Math.exp((2 * RADIUS - r) / B);
      ax[i] += (f * rx) / r;
      ay[i] += (f * ry) / r;
    });
  });
  agents.forEach((a, i) => {
    a.vx += ax[i] * dt;
    a.vy += ay[i] * dt;
    const s = Math.hypot(a.vx, a.vy);
    if (s > MAX_SPEED) {
      a.vx *= MAX_SPEED / s;
      a.vy *= MAX_SPEED / s;
    }
    a.x += a.vx * dt;
    a.y += a.vy * dt;
  });
}

function simulate(): { frame: number; id: number; x: number; y: number }[] {
  // Seeded so that regenerating gives byte-identical files.
  const rng = mulberry32(SEED);
  const agents = makeAgents(rng);
  const rows: { frame: number; id: number; x: number; y: number }[] = [];
  for (let f = 0; f < FRAMES; f++) {
    for (const a of agents) rows.push({ frame: f * FRAME_STEP, id: a.id, x: a.x, y: a.y });
    for (let s = 0; s < SUBSTEPS; s++) step(agents, FRAME_DT / SUBSTEPS);
  }
  return rows;
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = join(here, '..', 'public', 'scenes');
  mkdirSync(outDir, { recursive: true });
  const rows = simulate();
  // Plaza coordinates are offset so that, like the real datasets, they are positive metres.
  const ox = 12;
  const oy = 12;
  const eth = rows.map((r) => `${r.frame.toFixed(1)}\t${r.id.toFixed(1)}\t${(r.x + ox).toFixed(2)}\t${(r.y + oy).toFixed(2)}`);
  writeFileSync(join(outDir, 'crossing-crowd.txt'), eth.join('\n') + '\n');
  // The comment carries what CSV columns cannot: the reader takes kind, units and interval from it.
  const meta = `# lamslide kind=pedestrian length_unit=m frame_interval=${FRAME_DT} frame_interval_unit=s name=crossing-crowd`;
  const csv = [meta, 'frame,id,x,y', ...rows.map((r) => `${r.frame},${r.id},${(r.x + ox).toFixed(3)},${(r.y + oy).toFixed(3)}`)];
  writeFileSync(join(outDir, 'crossing-crowd.csv'), csv.join('\n') + '\n');
  console.log(`crossing-crowd: ${AGENTS_PER_GROUP * 2} agents, ${FRAMES} frames at ${FRAME_DT} s`);
}

main();
