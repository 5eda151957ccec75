import { describe, expect, it } from 'vitest';
import type { Entity, Scene } from '../../../../src/core/scene';
import { BALL_HUES, basketballRoles, chargeColor, playerHsl, chargeLabel, chargeLegend, chargeScale, hex, NEGATIVE, NEUTRAL, POSITIVE, TEAM_COLORS } from '../../../../src/ui/view/palette';
import { water } from '../../core/run/helpers';

const withEntities = (entities: Entity[]): Scene => {
  const w = water(1);
  return { ...w, entities, positions: new Float32Array(entities.length * 3), mask: new Uint8Array(entities.length).fill(1) };
};

describe('charge colours', () => {
  it('runs from blue through grey to red, symmetric in the sign', () => {
    const same = (a: number[], b: number[]) => a.forEach((v, c) => expect(v).toBeCloseTo(b[c], 12));
    same(chargeColor(1), POSITIVE);
    same(chargeColor(-1), NEGATIVE);
    same(chargeColor(0), NEUTRAL);
    const [r, g, b] = chargeColor(1);
    expect(r).toBeGreaterThan(b + 0.5);
    const [r2, , b2] = chargeColor(-1);
    expect(b2).toBeGreaterThan(r2 + 0.5);
    // half-way is half-way from grey
    chargeColor(0.5).forEach((v, c) => expect(v).toBeCloseTo((NEUTRAL[c] + POSITIVE[c]) / 2, 12));
    chargeColor(-1, 2).forEach((v, c) => expect(v).toBeCloseTo((NEUTRAL[c] + NEGATIVE[c]) / 2, 12));
    // clipped beyond the scale, neutral when unknown
    same(chargeColor(5), POSITIVE);
    same(chargeColor(NaN), NEUTRAL);
    expect(g).toBeLessThan(0.5);
  });

  it('scales to the largest charge of a scene where every entity has one', () => {
    const s = withEntities([{ sourceId: 'a', label: 'a', charge: 1 }, { sourceId: 'b', label: 'b', charge: -1 }, { sourceId: 'c', label: 'c', charge: 1 }]);
    expect(chargeScale(s)).toBe(1);
    expect(chargeLegend(s)).toEqual([
      { label: '+1', color: hex(POSITIVE), count: 2 },
      { label: '−1', color: hex(NEGATIVE), count: 1 },
    ]);
    expect(chargeScale(withEntities([{ sourceId: 'a', label: 'a', charge: 0 }]))).toBe(1);
    expect(chargeScale(withEntities([{ sourceId: 'a', label: 'a', charge: 2 }, { sourceId: 'b', label: 'b' }]))).toBeNull();
    expect(chargeLegend(water())).toBeNull();
    expect(chargeLabel(0.5)).toBe('+0.5');
    expect(chargeLabel(-2)).toBe('−2');
    expect(hex([1, 0.5, 0])).toBe('#ff8000');
  });
});

describe('basketball roles', () => {
  const players = (groups: (string | undefined)[]) => withEntities(groups.map((g, i) => ({ sourceId: String(i), label: `p${i}`, ...(g ? { group: g } : {}) })));

  it('finds the ball, and no teams in SportVU groups (PLAYER / BALL only)', () => {
    const r = basketballRoles(players(['PLAYER', 'PLAYER', 'BALL', 'PLAYER']));
    expect([...r.ball]).toEqual([2]);
    expect(r.teams).toBeNull();
    expect(r.noTeams).toMatch(/does not tell the teams apart/);
  });

  it('gives players without teams hues away from the ball’s orange', () => {
    for (let i = 0; i < 200; i++) {
      const [h] = playerHsl(i);
      expect(h < BALL_HUES[0] || h >= BALL_HUES[1]).toBe(true);
    }
    expect(new Set(Array.from({ length: 10 }, (_, i) => playerHsl(i)[0].toFixed(3))).size).toBe(10);
  });

  it('colours two teams when the groups name them', () => {
    const r = basketballRoles(players(['HOME', 'AWAY', 'ball', 'HOME']));
    expect([...r.ball]).toEqual([2]);
    expect(r.teams).toEqual([
      { name: 'AWAY', color: TEAM_COLORS[0], members: [1] },
      { name: 'HOME', color: TEAM_COLORS[1], members: [0, 3] },
    ]);
    expect(basketballRoles(players(['HOME', undefined, 'BALL'])).noTeams).toMatch(/1 entity has no group/);
    expect(basketballRoles(players(['A', 'B', 'C'])).noTeams).toMatch(/3 groups \(A, B, C\), not two teams/);
  });
});
