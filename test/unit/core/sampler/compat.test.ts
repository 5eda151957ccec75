import { describe, expect, it } from 'vitest';
import {
  applyConversions,
  canonicalLengthUnit,
  checkScene,
  chooseModel,
  hillFormula,
  lengthFactor,
  parseFormula,
  sceneFeatures,
  sceneFormula,
  tilingFor,
  windowEntityRange,
  withModelUnits,
} from '../../../../src/core/sampler/compat';
import { parseManifest, type ModelManifest } from '../../../../src/core/sampler/manifest';
import type { Entity, FrameInterval, Scene } from '../../../../src/core/scene';

const sha = 'a'.repeat(64);
const files = { encoder: { path: 'e.onnx', sha256: sha }, approximator: { path: 'a.onnx', sha256: sha }, decoder: { path: 'd.onnx', sha256: sha } };

function v2(over: Record<string, unknown> = {}): ModelManifest {
  return parseManifest({
    format: 'lamslide-model/2',
    name: 'md',
    domain: 'molecule',
    dims: 3,
    id_pool: 8,
    latent: { L: 4, C: 16 },
    first_stage: { kind: 'learned', layout: 'shared' },
    frames: { observed: 3, future: 4, window: 7, min_observed: 1 },
    frame_interval: { value: 5, unit: 'fs' },
    length_unit: 'Å',
    normalization: { center: 'last_observed_centroid', scale: 2 },
    features: { key: 'element', vocab: ['H', 'C', 'N', 'O'] },
    interpolant: { path: 'gvp', prediction: 'data', t0: 0.001, t1: 0.999 },
    sampler: { default_nfe: 4, default_solver: 'ddim', solvers: ['euler', 'heun', 'ddim'] },
    files,
    ...over,
  });
}

const pedestrianModel = () =>
  v2({ domain: 'pedestrian', dims: 2, id_pool: 4, latent: { L: 2, C: 4 }, frame_interval: { value: 0.4, unit: 's' }, length_unit: 'm', features: { vocab: [] } });

function molecule(elements: string[], over: Partial<Scene> = {}, F = 5): Scene {
  const N = elements.length;
  const entities: Entity[] = elements.map((e, i) => ({ sourceId: String(i), label: `${e}${i}`, element: e }));
  return {
    name: 'mol.xyz',
    kind: 'molecule',
    dim: 3,
    entities,
    frameCount: F,
    positions: Float32Array.from({ length: F * N * 3 }, (_, i) => i * 0.1),
    mask: new Uint8Array(F * N).fill(1),
    frameInterval: { value: 5, unit: 'fs' },
    frameLabels: Array.from({ length: F }, (_, f) => f),
    lengthUnit: 'Å',
    ...over,
  };
}

function crowd(presence: number[][], F: number, over: Partial<Scene> = {}): Scene {
  const N = presence.length;
  const mask = new Uint8Array(F * N);
  presence.forEach((fs, i) => fs.forEach((f) => (mask[f * N + i] = 1)));
  return {
    name: 'crowd.txt',
    kind: 'pedestrian',
    dim: 2,
    entities: presence.map((_, i) => ({ sourceId: String(i + 1), label: `ped ${i + 1}` })),
    frameCount: F,
    positions: new Float32Array(F * N * 2).map((_, i) => i),
    mask,
    frameInterval: { value: 0.4, unit: 's' },
    frameLabels: Array.from({ length: F }, (_, f) => f * 10),
    lengthUnit: 'm',
    ...over,
  };
}

const water = () => molecule(['O', 'H', 'H']);

describe('checkScene, rules 1-7', () => {
  it('accepts a scene that matches the model', () => {
    expect(checkScene(water(), v2())).toEqual({ ok: true, problems: [], conversions: [], notices: [] });
  });

  it('1. domain: refuses another kind, naming both; a generic scene is treated as the model\'s domain', () => {
    const r = checkScene(crowd([[0, 1, 2]], 3), v2());
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.field === 'domain')).toMatchObject({ scene: 'pedestrian', model: 'molecule', message: 'the scene is a pedestrian scene, model md is a molecule model' });
    const g = checkScene(water().kind === 'molecule' ? { ...water(), kind: 'generic' } : water(), v2());
    expect(g.ok).toBe(true);
    expect(g.notices).toEqual([{ field: 'domain', message: 'the scene states no domain; it is treated as molecule (model md)' }]);
  });

  it('2. dims must be equal', () => {
    const flat = { ...water(), dim: 2 as const, positions: new Float32Array(5 * 3 * 2) };
    expect(checkScene(flat, v2()).problems).toContainEqual({ field: 'dims', scene: '2-D', model: '3-D', message: 'the scene is 2-D, model md is 3-D' });
  });

  it('3. length unit: equal (any spelling), converted m <-> ft and Å <-> nm <-> pm, refused otherwise; none takes the model\'s', () => {
    expect(checkScene(molecule(['O'], { lengthUnit: 'angstrom' }), v2()).conversions).toEqual([]);
    expect(checkScene(molecule(['O'], { lengthUnit: '\u212B' }), v2()).conversions).toEqual([]);
    const nm = checkScene(molecule(['O'], { lengthUnit: 'nm' }), v2());
    expect(nm.ok).toBe(true);
    expect(nm.conversions).toHaveLength(1);
    expect(nm.conversions[0]).toMatchObject({ kind: 'length', from: 'nm', to: 'Å' });
    expect((nm.conversions[0] as { factor: number }).factor).toBeCloseTo(10, 12);
    expect((checkScene(molecule(['O'], { lengthUnit: 'pm' }), v2()).conversions[0] as { factor: number }).factor).toBeCloseTo(0.01, 12);
    const ft = checkScene(crowd([[0, 1, 2]], 3, { lengthUnit: 'ft' }), pedestrianModel());
    expect(ft.conversions).toEqual([{ kind: 'length', from: 'ft', to: 'm', factor: 0.3048 }]);
    const m = checkScene(molecule(['O'], { lengthUnit: 'm' }), v2());
    expect(m.problems).toEqual([{ field: 'length_unit', scene: 'm', model: 'Å', message: "the scene's lengths are in m, model md takes Å, and there is no conversion between them" }]);
    expect(checkScene(molecule(['O'], { lengthUnit: 'sim' }), v2()).problems[0].field).toBe('length_unit');
    const none = checkScene(molecule(['O'], { lengthUnit: '' }), v2());
    expect(none.ok).toBe(true);
    expect(none.notices).toEqual([{ field: 'length_unit', message: "the scene states no length unit; Å (the model's) is used" }]);
  });

  it('4. frame interval: equal within 1e-6 after conversion, every n-th frame when the model steps n times further, else refused', () => {
    const iv = (value: number, unit: FrameInterval['unit']) => checkScene(molecule(['O'], { frameInterval: { value, unit } }), v2());
    expect(iv(0.005, 'ps').conversions).toEqual([]);
    expect(iv(0.005 * (1 + 5e-7), 'ps').ok && iv(0.005 * (1 + 5e-7), 'ps').conversions.length).toBe(0);
    expect(iv(0.5, 'fs').conversions).toEqual([{ kind: 'subsample', every: 10, from: { value: 0.5, unit: 'fs' }, to: { value: 5, unit: 'fs' } }]);
    expect(iv(2.5, 'fs').conversions).toEqual([{ kind: 'subsample', every: 2, from: { value: 2.5, unit: 'fs' }, to: { value: 5, unit: 'fs' } }]);
    expect(iv(2, 'fs').problems).toEqual([{ field: 'interval', scene: '2 fs', model: '5 fs', message: "the scene's frames are 2 fs apart, model md steps 5 fs (ratio 2.5, not a whole number)" }]);
    expect(iv(10, 'fs').problems[0]).toMatchObject({ field: 'interval', scene: '10 fs', model: '5 fs' });
    expect(iv(5, 'sim').problems[0].message).toMatch(/cannot be compared/);
    const none = iv(1, 'frame');
    expect(none.ok).toBe(true);
    expect(none.notices).toEqual([{ field: 'interval', message: "the scene states no frame interval; 5 fs (the model's) is used" }]);
    const ped = checkScene(crowd([[0, 1, 2]], 3, { frameInterval: { value: 100, unit: 'ms' } }), pedestrianModel());
    expect(ped.conversions).toEqual([{ kind: 'subsample', every: 4, from: { value: 100, unit: 'ms' }, to: { value: 0.4, unit: 's' } }]);
    const sim = v2({ domain: 'nbody', frame_interval: { value: 0.01, unit: 'sim' }, length_unit: 'sim', features: { vocab: [] } });
    const nb = { ...molecule(['H', 'H'], { kind: 'nbody', frameInterval: { value: 0.01, unit: 'sim' }, lengthUnit: 'sim' }) };
    expect(checkScene(nb, sim).ok).toBe(true);
  });

  it('5. features: every entity has a token in the vocabulary (naming entity, value, vocabulary)', () => {
    const r = checkScene(molecule(['O', 'Cl', 'H', 'Xx']), v2());
    expect(r.ok).toBe(false);
    const p = r.problems.find((q) => q.field === 'features')!;
    expect(p.model).toBe('element vocabulary H, C, N, O');
    expect(p.message).toBe(`2 entities have an element outside model md's vocabulary (H, C, N, O): entity 1 ("1", Cl1): "Cl"; entity 3 ("3", Xx3): no element`);
  });

  it('6. entities: a molecule above the pool is refused (a notice when only some windows are); a crowd is tiled', () => {
    const big = checkScene(molecule(['C', 'C', 'C', 'C', 'C', 'H', 'H', 'H', 'H']), v2());
    expect(big.problems).toContainEqual({ field: 'entities', scene: '9 entities in every window', model: 'ID pool 8', message: "every window of the scene holds at least 9 entities, but model md's ID pool holds 8" });
    // five walkers, but the first two leave before the others arrive: windows of 3 frames hold 2..5
    const s = crowd([[0, 1], [0, 1], [1, 2, 3, 4, 5], [3, 4, 5], [3, 4, 5]], 6);
    expect(windowEntityRange(s, 3)).toEqual({ min: 2, max: 5 });
    const r = checkScene(s, pedestrianModel());
    expect(r.ok).toBe(true);
    expect(r.notices).toEqual([
      {
        field: 'entities',
        message:
          'some windows hold up to 5 entities, more than the ID pool (4): such windows are sampled in overlapping spatial tiles of at most 4 entities (4 m overlap), each entity\'s futures taken from the tile where it is farthest from the border',
      },
    ]);
    // Above the pool in every window: still sampled (in tiles), not refused.
    const all = checkScene(crowd(Array.from({ length: 5 }, () => [0, 1, 2, 3, 4, 5]), 6), pedestrianModel());
    expect(all.ok).toBe(true);
    expect(all.notices[0].message).toMatch(/^every window holds at least 5 entities, more than the ID pool \(4\): such windows are sampled in overlapping spatial tiles/);
    // A model without tiling (here a basketball model) keeps the notice that such frames are refused.
    const team = checkScene({ ...s, kind: 'basketball', lengthUnit: 'ft' }, v2({ domain: 'basketball', dims: 2, id_pool: 4, latent: { L: 2, C: 4 }, frame_interval: { value: 0.4, unit: 's' }, length_unit: 'ft', features: { vocab: [] } }));
    expect(team.notices).toEqual([{ field: 'entities', message: 'some windows hold up to 5 entities, more than the ID pool (4): sampling at such a frame is refused' }]);
  });

  it('tiles pedestrian models only, with a 4 m margin in the model\'s length unit', () => {
    expect(tilingFor(pedestrianModel())).toEqual({ margin: 4 });
    expect(tilingFor({ domain: 'pedestrian', length_unit: 'ft' })!.margin).toBeCloseTo(4 / 0.3048, 9);
    expect(tilingFor(v2())).toBeNull();
    expect(tilingFor({ domain: 'basketball', length_unit: 'ft' })).toBeNull();
  });

  it('7. scope: a model made for one formula takes only that formula (Hill order)', () => {
    const ala = v2({ scope: { formula: 'H2O' }, id_pool: 8 });
    expect(checkScene(water(), ala).ok).toBe(true);
    const r = checkScene(molecule(['C', 'O', 'O']), ala);
    expect(r.problems).toEqual([{ field: 'scope', scene: 'CO2', model: 'H2O', message: 'model md is made for H2O only; the scene is CO2' }]);
    expect(checkScene(molecule(['O', 'H', 'C', 'H', 'H', 'H']), v2({ scope: { formula: 'H4CO' } })).ok).toBe(true);
  });
});

describe('formulas', () => {
  it('writes Hill order and reads any order', () => {
    expect(hillFormula(new Map([['O', 1], ['H', 2]]))).toBe('H2O');
    expect(hillFormula(new Map([['O', 2], ['N', 2], ['H', 12], ['C', 6]]))).toBe('C6H12N2O2');
    expect(hillFormula(new Map([['Na', 1], ['Cl', 1]]))).toBe('ClNa');
    expect(parseFormula('H12C6O2N2')).toEqual(new Map([['H', 12], ['C', 6], ['O', 2], ['N', 2]]));
    expect(parseFormula('CH3CH2OH')).toEqual(new Map([['C', 2], ['H', 6], ['O', 1]]));
    expect(parseFormula('C6h')).toBeUndefined();
    expect(parseFormula('Qq2')).toBeUndefined();
    expect(sceneFormula(molecule(['C', 'H', 'H', 'O', 'H', 'H']))).toBe('CH4O');
    expect(sceneFormula(crowd([[0]], 1))).toBeUndefined();
  });

  it('canonical length units and factors', () => {
    expect(['m', 'metres', 'Meter'].map(canonicalLengthUnit)).toEqual(['m', 'm', 'm']);
    expect(['Å', '\u212B', 'A', 'Angstrom', ' nm '].map(canonicalLengthUnit)).toEqual(['Å', 'Å', 'Å', 'Å', 'nm']);
    expect(lengthFactor('ft', 'm')).toBe(0.3048);
    expect(lengthFactor('m', 'ft')).toBeCloseTo(1 / 0.3048, 12);
    expect(lengthFactor('nm', 'pm')).toBeCloseTo(1000, 9);
    expect(lengthFactor('m', 'nm')).toBeUndefined();
  });
});

describe('sceneFeatures', () => {
  it('maps each entity\'s token to its vocabulary index, in the order asked for', () => {
    expect(Array.from(sceneFeatures(molecule(['O', 'H', 'c']), [2, 0, 1], v2()))).toEqual([1, 3, 0]);
    expect(sceneFeatures(crowd([[0]], 1), [0], pedestrianModel())).toEqual(new Int32Array(0));
  });

  it('reads groups and charges', () => {
    const bb = { ...crowd([[0], [0]], 1), kind: 'basketball' as const, entities: [{ sourceId: 'b', label: 'ball', group: 'BALL' }, { sourceId: '7', label: 'p7', group: 'PLAYER' }] };
    expect(Array.from(sceneFeatures(bb, [0, 1], v2({ domain: 'basketball', dims: 2, features: { key: 'group', vocab: ['PLAYER', 'BALL'] } })))).toEqual([1, 0]);
    const nb = { ...molecule(['H', 'H']), entities: [{ sourceId: '0', label: 'p0', charge: -1 }, { sourceId: '1', label: 'p1', charge: 1 }] };
    expect(Array.from(sceneFeatures(nb, [0, 1], v2({ domain: 'nbody', features: { key: 'charge', vocab: ['-1', '1'] } })))).toEqual([0, 1]);
  });

  it('throws naming the entity, its value and the vocabulary', () => {
    expect(() => sceneFeatures(molecule(['O', 'S']), [0, 1], v2())).toThrow('mol.xyz: entity 1 ("1", S1) has element "S", which is not in the vocabulary of model md (H, C, N, O)');
    const noEl = { ...water(), entities: [{ sourceId: 'x', label: 'x' }, ...water().entities.slice(1)] };
    expect(() => sceneFeatures(noEl, [0], v2())).toThrow('mol.xyz: entity 0 ("x") has no element, which is not in the vocabulary of model md (H, C, N, O)');
  });
});

describe('applyConversions', () => {
  it('scales lengths and keeps every n-th frame, returning a new scene', () => {
    const s = crowd([[0, 1, 2, 3, 4, 5, 6]], 7, { lengthUnit: 'ft', frameInterval: { value: 0.2, unit: 's' } });
    const before = s.positions.slice();
    const r = checkScene(s, pedestrianModel());
    expect(r.conversions.map((c) => c.kind)).toEqual(['length', 'subsample']);
    const out = applyConversions(s, r.conversions);
    expect(s.positions).toEqual(before);
    expect(out.lengthUnit).toBe('m');
    expect(out.frameInterval).toEqual({ value: 0.4, unit: 's' });
    expect(out.frameCount).toBe(4);
    expect(out.frameLabels).toEqual([0, 20, 40, 60]);
    expect(out.positions[2]).toBeCloseTo(s.positions[4] * 0.3048, 5);
    expect(checkScene(out, pedestrianModel())).toMatchObject({ ok: true, conversions: [] });
    expect(() => applyConversions(out, r.conversions)).toThrow(/conversion from ft, but the scene's lengths are in m/);
  });

  it('withModelUnits fills in what the scene does not state', () => {
    const s = withModelUnits(molecule(['O'], { lengthUnit: '', frameInterval: { value: 1, unit: 'frame' } }), v2());
    expect([s.lengthUnit, s.frameInterval]).toEqual(['Å', { value: 5, unit: 'fs' }]);
  });
});

describe('chooseModel', () => {
  const entry = (name: string, def = false) => ({ name, path: name, domain: 'molecule', default: def });

  it('takes a model whose scope matches first, then the default, then the index order; null when none fits', () => {
    const general = { entry: entry('general'), manifest: v2({ name: 'general' }) };
    const def = { entry: entry('def', true), manifest: v2({ name: 'def' }) };
    const water3 = { entry: entry('water'), manifest: v2({ name: 'water', scope: { formula: 'H2O' } }) };
    const ped = { entry: { ...entry('ped', true), domain: 'pedestrian' }, manifest: pedestrianModel() };
    expect(chooseModel(water(), [general, def, water3, ped])?.entry.name).toBe('water');
    expect(chooseModel(molecule(['C', 'O']), [general, def, water3, ped])?.entry.name).toBe('def');
    expect(chooseModel(molecule(['C', 'O']), [general, water3])?.entry.name).toBe('general');
    // conversions count as acceptable
    const inNm = chooseModel(molecule(['C', 'O'], { lengthUnit: 'nm' }), [general]);
    expect(inNm?.report.conversions[0]).toMatchObject({ kind: 'length', from: 'nm', to: 'Å' });
    expect(chooseModel(crowd([[0, 1]], 2), [general, water3])).toBeNull();
    expect(chooseModel(crowd([[0, 1]], 2), [general, ped])?.entry.name).toBe('ped');
  });
});
