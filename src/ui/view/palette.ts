/**
 * Colours that carry meaning (pure, no three.js): charges on a diverging red / blue scale, basketball teams and the
 * ball, and the legends the page shows for them. Colours are sRGB hex strings; the layers hand them to three.js.
 */
import type { Scene } from '../../core/scene';

/** sRGB, each 0..1 */
export type Rgb = [number, number, number];

export const POSITIVE: Rgb = [0.91, 0.28, 0.24];
export const NEGATIVE: Rgb = [0.23, 0.51, 0.94];
export const NEUTRAL: Rgb = [0.62, 0.65, 0.7];

export function hex(c: Rgb): string {
  return `#${c.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Colour of charge `q` on a diverging scale: neutral grey at 0, red at +qmax, blue at -qmax, linear between
 * (clipped beyond ±qmax); NaN is neutral.
 */
export function chargeColor(q: number, qmax = 1): Rgb {
  if (!Number.isFinite(q) || !(qmax > 0)) return [...NEUTRAL];
  const t = Math.max(-1, Math.min(1, q / qmax));
  const end = t >= 0 ? POSITIVE : NEGATIVE;
  const a = Math.abs(t);
  return [0, 1, 2].map((c) => NEUTRAL[c] + (end[c] - NEUTRAL[c]) * a) as Rgb;
}

/** The largest |charge| of a scene whose every entity carries a finite charge (1 when all are 0); null otherwise. */
export function chargeScale(scene: Scene): number | null {
  if (!scene.entities.length) return null;
  let m = 0;
  for (const e of scene.entities) {
    if (e.charge === undefined || !Number.isFinite(e.charge)) return null;
    m = Math.max(m, Math.abs(e.charge));
  }
  return m > 0 ? m : 1;
}

export interface LegendItem {
  label: string;
  color: string;
  count: number;
}

/** "+1", "−1", "0", "+0.5" */
export function chargeLabel(q: number): string {
  const v = Number(q.toPrecision(4));
  return v > 0 ? `+${v}` : v < 0 ? `−${-v}` : '0';
}

/** One legend row per distinct charge, largest first; null when the scene does not colour by charge. */
export function chargeLegend(scene: Scene): LegendItem[] | null {
  const qmax = chargeScale(scene);
  if (qmax === null) return null;
  const counts = new Map<number, number>();
  for (const e of scene.entities) counts.set(e.charge!, (counts.get(e.charge!) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[0] - a[0]).map(([q, count]) => ({ label: chargeLabel(q), color: hex(chargeColor(q, qmax)), count }));
}

export const BALL_COLOR: Rgb = [1, 0.55, 0.1];

/** Hues (0..1) kept free around the ball's orange, so no player looks like the ball. */
export const BALL_HUES: readonly [number, number] = [0.02, 0.17];

/**
 * One colour per player where the teams are not known: golden-angle hues as for other entities, spread over the
 * hue circle without the ball's orange ([h, s, l], 0..1).
 */
export function playerHsl(index: number): [number, number, number] {
  const [lo, hi] = BALL_HUES;
  const h = (hi + ((index * 0.618033988749895) % 1) * (1 - (hi - lo))) % 1;
  return [h, 0.7, index % 2 === 0 ? 0.55 : 0.68];
}
export const TEAM_COLORS: readonly Rgb[] = [
  [0.27, 0.64, 1],
  [1, 0.36, 0.48],
];

export interface BasketballRoles {
  /** entities that are the ball */
  ball: Set<number>;
  /** the two teams when the scene tells them apart, else null */
  teams: { name: string; color: Rgb; members: number[] }[] | null;
  /** why there are no team colours (null when there are) */
  noTeams: string | null;
}

const isBallGroup = (g: string | undefined) => g !== undefined && g.toUpperCase() === 'BALL';

/**
 * Ball and teams of a basketball scene. The ball is the entity in group BALL. Teams need a group per player
 * with exactly two values other than BALL (e.g. HOME / AWAY in a CSV or JSON scene); SportVU text only gives
 * PLAYER / BALL, so it has none.
 */
export function basketballRoles(scene: Scene): BasketballRoles {
  const ball = new Set<number>();
  const byGroup = new Map<string, number[]>();
  let ungrouped = 0;
  scene.entities.forEach((e, i) => {
    if (isBallGroup(e.group)) ball.add(i);
    else if (e.group === undefined) ungrouped++;
    else byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), i]);
  });
  const groups = [...byGroup.keys()].sort();
  if (ungrouped === 0 && groups.length === 2) {
    return { ball, teams: groups.map((name, t) => ({ name, color: TEAM_COLORS[t], members: byGroup.get(name)! })), noTeams: null };
  }
  const why =
    groups.length === 1 && groups[0].toUpperCase() === 'PLAYER'
      ? 'the file does not tell the teams apart (every player is in group PLAYER)'
      : ungrouped > 0
        ? `${ungrouped} ${ungrouped === 1 ? 'entity has' : 'entities have'} no group, so the teams are not known`
        : `the players are in ${groups.length} groups (${groups.join(', ')}), not two teams`;
  return { ball, teams: null, noTeams: why };
}
