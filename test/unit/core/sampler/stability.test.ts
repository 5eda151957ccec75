import { describe, expect, it } from 'vitest';
import { chainStability, chainWarning } from '../../../../src/core/sampler/stability';

const peptide = { long_rollout: { rollouts: 2, ns: 10, bonds: { kept_fraction: 0 } } };
const small = { stability: { rollouts: 38, windows: 50, stable_fraction: 0 } };

describe('chainStability', () => {
  it('reads the peptide and the small-molecule cards, and nothing from a card without rollouts', () => {
    expect(chainStability(peptide)).toEqual({ rollouts: 2, kept: 0, length: '10 ns' });
    expect(chainStability(small)).toEqual({ rollouts: 38, kept: 0, length: '50 windows' });
    expect(chainStability({ stability: { rollouts: 4, stable_fraction: 0.75 } })).toEqual({ rollouts: 4, kept: 3, length: 'many windows' });
    expect(chainStability({ 'ddim@5': { ade: 1 } })).toBeNull();
    expect(chainStability(undefined)).toBeNull();
    // a field of the wrong type is no number, never a guess
    expect(chainStability({ long_rollout: { rollouts: '2', bonds: { kept_fraction: 0 } } })).toBeNull();
    expect(chainStability({ stability: { rollouts: 3, stable_fraction: NaN } })).toBeNull();
  });
});

describe('chainWarning', () => {
  it('warns for chained windows when most of the card’s rollouts broke a bond', () => {
    expect(chainWarning('ala2', peptide, 125)).toBe("Model ala2's card: in 0 of 2 chained rollouts of 10 ns, every bond stayed within ±15 % of its length; beyond the first window the sampled molecule may come apart.");
    expect(chainWarning('md-small', small, 2)).toContain('in 0 of 38 chained rollouts of 50 windows');
  });

  it('says nothing for one window, a stable card or a card without rollouts', () => {
    expect(chainWarning('ala2', peptide, 1)).toBeNull();
    expect(chainWarning('x', { long_rollout: { rollouts: 2, ns: 10, bonds: { kept_fraction: 0.5 } } }, 10)).toBeNull();
    expect(chainWarning('eth_ucy-all', {}, 10)).toBeNull();
  });
});
