import { describe, expect, it } from 'vitest';
import { intOpt, resolveSettings, runOptions } from '../../../src/cli/args';

describe('CLI option helpers', () => {
  it('reads integers strictly, within their range', () => {
    expect(intOpt(undefined, 'k', 20)).toBe(20);
    expect(intOpt(' 7 ', 'k', 20, 1, 10)).toBe(7);
    for (const bad of ['', '1e3', '0x10', '2.5', 'abc', '11']) expect(() => intOpt(bad, 'k', 1, 1, 10), bad).toThrow(`--k must be an integer in 1..10, got "${bad}"`);
    expect(() => intOpt('0', 'threads', 1)).toThrow('--threads must be an integer >= 1, got "0"');
  });

  it('checks the sampling options before a model is known, and fills in its defaults after', () => {
    expect(runOptions({})).toEqual({ K: undefined, seed: 0, nfe: undefined, solver: undefined });
    expect(runOptions({ k: '1000', nfe: '1000', seed: '4294967295', solver: 'heun' })).toEqual({ K: 1000, seed: 4294967295, nfe: 1000, solver: 'heun' });
    expect(() => runOptions({ solver: 'rk4' })).toThrow('--solver must be euler, heun or ddim, got "rk4"');
    expect(() => runOptions({ solver: 'heun', nfe: '1' })).toThrow('--nfe 1 with --solver heun: the heun solver needs NFE >= 2');
    // heun from the options, NFE 1 from the manifest: refused once the manifest is read
    expect(() => resolveSettings(runOptions({ solver: 'heun' }), { default_nfe: 1, default_solver: 'ddim' })).toThrow(/--nfe 1 with --solver heun/);
    expect(resolveSettings(runOptions({ nfe: '3' }), { default_nfe: 10, default_solver: 'ddim' })).toEqual({ nfe: 3, solver: 'ddim' });
  });
});
