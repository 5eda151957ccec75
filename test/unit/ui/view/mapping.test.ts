import { describe, expect, it } from 'vitest';
import { WorldMapping } from '../../../../src/ui/view/mapping';
import { walkers, water } from '../../core/run/helpers';

describe('the one scene-to-world mapping', () => {
  it('puts 2-D scenes on the ground plane, centred, not mirrored', () => {
    const m = WorldMapping.forScene(walkers());
    expect(m.planar).toBe(true);
    // bounds x 0..9, y 0..4: centre (4.5, 2)
    expect(m.center).toEqual([4.5, 2, 0]);
    expect(m.toWorld([9, 4], 0, 0.1)).toEqual([4.5, 0.1, -2]);
    expect(m.toScene(4.5, 0, -2)).toEqual([9, 4]);
    expect(m.extent).toBe(9);
  });

  it('keeps the axes of 3-D scenes', () => {
    const m = WorldMapping.forScene(water());
    expect(m.planar).toBe(false);
    const w = m.toWorld([1, 2, 3]);
    expect(m.toScene(...w).map((v) => +v.toFixed(6))).toEqual([1, 2, 3]);
    const out = [0, 0, 0, 0];
    m.put([1, 2, 3], 0, out, 1);
    expect(out.slice(1)).toEqual(w);
  });
});
