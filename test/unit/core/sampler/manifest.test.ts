import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NFE } from '../../../../src/core/sampler/limits';
import { parseManifest } from '../../../../src/core/sampler/manifest';

const sha = 'b'.repeat(64);
const files = { encoder: { path: 'encoder.onnx', sha256: sha }, approximator: { path: 'approximator.onnx', sha256: sha }, decoder: { path: 'decoder.onnx', sha256: sha } };
const common = {
  name: 'm',
  dims: 2,
  id_pool: 10,
  latent: { L: 2, C: 16 },
  frames: { observed: 8, future: 12, window: 20, min_observed: 1 },
  frame_interval: { value: 0.4, unit: 's' },
  length_unit: 'm',
  normalization: { center: 'last_observed_centroid', scale: 4 },
  interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
  sampler: { default_nfe: 10, default_solver: 'ddim', solvers: ['euler', 'heun', 'ddim'] },
  files,
};
const v1 = (over: Record<string, unknown> = {}) => ({ format: 'lamslide-model/1', domain: 'pedestrian', features: { vocab: [] }, ...common, ...over });
const v2 = (over: Record<string, unknown> = {}) => ({
  format: 'lamslide-model/2',
  ...common,
  domain: 'molecule',
  dims: 3,
  length_unit: 'Å',
  frame_interval: { value: 5, unit: 'fs' },
  first_stage: { kind: 'learned', layout: 'shared' },
  features: { key: 'element', vocab: ['H', 'C', 'O'] },
  ...over,
});
const err = (j: unknown) => {
  try {
    parseManifest(j, 'x/manifest.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected parseManifest to throw');
};

describe('parseManifest', () => {
  it('reads v1 as v2: pedestrian, no features, a binding code with slots', () => {
    const m = parseManifest(v1());
    expect(m).toMatchObject({ format: 'lamslide-model/1', version: 1, domain: 'pedestrian', features: { vocab: [] }, first_stage: { kind: 'binding', layout: 'slots' }, length_unit: 'm' });
    expect(m.scope).toBeUndefined();
    const noUnit = { ...v1() } as Record<string, unknown>;
    delete noUnit.length_unit;
    expect(parseManifest(noUnit).length_unit).toBe('m');
  });

  it('reads every shipped manifest', () => {
    const idx = JSON.parse(readFileSync(join('models', 'index.json'), 'utf8')) as { models: { path: string }[] };
    for (const e of idx.models) {
      const raw = JSON.parse(readFileSync(join('models', e.path, 'manifest.json'), 'utf8'));
      const m = parseManifest(raw);
      // every shipped model is v2 since eth_ucy-all's rebuild; v1 folders are still read (the tests above, and the
      // tiny v1 graphs of test/unit/engine run through the engine)
      expect([raw.format, m.version]).toEqual(['lamslide-model/2', 2]);
      // a slot of the binding code holds the positions and, with a vocabulary, the one-hot feature channels; a
      // shared latent (md-small) superposes the IDs
      if (m.first_stage.layout === 'slots') expect(m.id_pool * (m.dims + m.features.vocab.length)).toBeLessThanOrEqual(m.latent.L * m.latent.C);
      else expect(m.features.vocab.length).toBeGreaterThan(0);
    }
  });

  it('reads v2 fields', () => {
    const m = parseManifest(v2({ scope: { formula: 'C6H12N2O2' } }));
    expect(m).toMatchObject({ version: 2, domain: 'molecule', dims: 3, first_stage: { kind: 'learned', layout: 'shared' }, features: { key: 'element', vocab: ['H', 'C', 'O'] }, scope: { formula: 'C6H12N2O2' }, length_unit: 'Å', frame_interval: { value: 5, unit: 'fs' } });
    expect(parseManifest(v2({ features: { vocab: [] } })).features).toEqual({ vocab: [] });
  });

  it('refuses what the format cannot hold', () => {
    expect(err(v2({ format: 'lamslide-model/3' }))).toBe('x/manifest.json: "format" is "lamslide-model/3", expected lamslide-model/1 or lamslide-model/2');
    expect(err(v1({ features: { key: 'element', vocab: ['H'] } }))).toMatch(/"features.vocab" has 1 tokens, but a lamslide-model\/1 model has no features/);
    expect(err(v1({ domain: 'molecule' }))).toMatch(/"domain" is "molecule", but a lamslide-model\/1 model is a pedestrian model/);
    expect(err(v2({ domain: 'crowd' }))).toBe('x/manifest.json: "domain" is "crowd", expected one of pedestrian, molecule, nbody, basketball');
    expect(err(v2({ first_stage: undefined }))).toMatch(/"first_stage" must be an object/);
    expect(err(v2({ first_stage: { kind: 'learned', layout: 'grid' } }))).toMatch(/"first_stage.layout" is "grid", expected one of slots, shared/);
    expect(err(v2({ features: { vocab: ['H'] } }))).toMatch(/"features.key" must be a string/);
    expect(err(v2({ features: { key: 'colour', vocab: ['H'] } }))).toMatch(/"features.key" is "colour", expected one of element, group, charge/);
    expect(err(v2({ scope: { formula: 'c6h6' } }))).toMatch(/"scope.formula" is "c6h6", not a chemical formula/);
    expect(err(v2({ length_unit: 'furlong' }))).toBe('x/manifest.json: "length_unit" is "furlong", expected one of m, Å, nm, ft, sim');
    expect(err(v2({ frame_interval: { value: 5, unit: 'min' } }))).toMatch(/"frame_interval.unit" is "min", expected one of s, ms, fs, ps, ns, sim/);
  });

  it('range checks (#13.5) name the field, the value and the bound', () => {
    expect(err(v1({ normalization: { center: 'last_observed_centroid', scale: 1e-300 } }))).toBe(
      'x/manifest.json: "normalization.scale" is 1e-300, below the minimum 0.000001 (positions enter the graphs as (x - centre) / scale in float32)',
    );
    expect(err(v1({ normalization: { center: 'last_observed_centroid', scale: 1e9 } }))).toMatch(/"normalization.scale" is 1000000000, above the maximum 1000000/);
    expect(err(v1({ normalization: { center: 'last_observed_centroid', scale: -2 } }))).toMatch(/"normalization.scale" is -2, below the minimum/);
    expect(err(v1({ normalization: { center: 'last_observed_centroid', scale: null } }))).toMatch(/"normalization.scale" must be a finite number, got null/);
    expect(err(v1({ dims: 4 }))).toBe('x/manifest.json: "dims" is 4, expected 2 or 3');
    expect(err(v1({ dims: 2.5 }))).toMatch(/"dims" must be an integer, got 2.5/);
    expect(err(v1({ id_pool: 0 }))).toMatch(/"id_pool" is 0, below the minimum 1/);
    expect(err(v1({ id_pool: 1e7 }))).toMatch(/"id_pool" is 10000000, above the maximum 100000/);
    expect(err(v1({ latent: { L: 2048, C: 2048 } }))).toMatch(/"latent" L x C is 4194304, above the maximum 1048576/);
    expect(err(v1({ frames: { observed: 800, future: 800, window: 1600, min_observed: 1 } }))).toMatch(/"frames.window" is 1600, above the maximum 1024/);
    expect(err(v1({ frames: { observed: 8, future: 12, window: 20, min_observed: 9 } }))).toMatch(/"frames.min_observed" is 9, above the maximum 8 \(at most frames.observed\)/);
    expect(err(v1({ frames: { observed: 0, future: 12, window: 12, min_observed: 1 } }))).toMatch(/"frames.observed" is 0, below the minimum 1/);
    expect(err(v1({ sampler: { default_nfe: MAX_NFE + 1, default_solver: 'ddim', solvers: ['ddim'] } }))).toMatch(/"sampler.default_nfe" is 1001, above the maximum 1000 \(the NFE limit\)/);
    expect(err(v1({ sampler: { default_nfe: 1, default_solver: 'heun', solvers: ['heun'] } }))).toMatch(/"sampler.default_nfe" is 1, below the minimum 2 \(heun makes two network calls/);
    expect(err(v1({ sampler: { default_nfe: 4, default_solver: 'heun', solvers: ['ddim'] } }))).toMatch(/"sampler.default_solver" is "heun", not among sampler.solvers \(ddim\)/);
    expect(err(v1({ frame_interval: { value: 0, unit: 's' } }))).toMatch(/"frame_interval.value" is 0, expected > 0/);
    expect(err(v1({ interpolant: { path: 'gvp', prediction: 'data', t0: 0.5, t1: 0.4 } }))).toMatch(/t0 = 0.5, t1 = 0.4/);
  });

  it('vocabulary tokens are unique non-empty strings', () => {
    expect(err(v2({ features: { key: 'element', vocab: ['H', 'C', 'H'] } }))).toBe('x/manifest.json: "features.vocab[2]" is "H", the same as features.vocab[0]: tokens must be unique');
    expect(err(v2({ features: { key: 'element', vocab: ['H', ''] } }))).toMatch(/"features.vocab\[1\]" must be a non-empty string, got ""/);
    expect(err(v2({ features: { key: 'element', vocab: ['H', 6] } }))).toMatch(/"features.vocab\[1\]" must be a non-empty string, got 6/);
  });

  it('a v2 slot layout must hold the pool', () => {
    expect(err(v2({ first_stage: { kind: 'binding', layout: 'slots' }, id_pool: 11, dims: 3, latent: { L: 2, C: 16 } }))).toBe(
      'x/manifest.json: "id_pool" is 11, but the slot layout of latent 2 x 16 holds 10 IDs of 3 coordinates',
    );
    expect(parseManifest(v2({ first_stage: { kind: 'binding', layout: 'slots' }, id_pool: 10, latent: { L: 2, C: 16 } })).id_pool).toBe(10);
  });

  it('reads the optional slot graph of a slot layout and refuses it elsewhere', () => {
    const slot = { path: 'slot_approximator.onnx', sha256: sha };
    const m = parseManifest(v1({ files: { ...files, slot_approximator: slot } }));
    expect(m.files.slot_approximator).toEqual(slot);
    expect(parseManifest(v1()).files.slot_approximator).toBeUndefined();
    expect(err(v2({ files: { ...files, slot_approximator: slot } }))).toBe(
      'x/manifest.json: "files.slot_approximator" is given, but the first stage\'s layout is "shared"; the slot graph needs layout "slots"',
    );
    expect(err(v1({ files: { ...files, slot_approximator: { path: '../x.onnx', sha256: sha } } }))).toMatch(/"files.slot_approximator.path" is "..\/x.onnx", which leaves the model folder/);
  });
});
