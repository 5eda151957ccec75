/**
 * A scene against a model (CONTRACT.md v2, "Scene against model", rules 1-7): what does not fit (problems, each
 * naming the scene's value and the model's), what fits after a conversion the user must accept (feet to metres,
 * every n-th frame), and what the app assumes and should say (notices). Pure: no I/O, scenes are not modified
 * except by applyConversions, which returns a new one.
 */
import { normalizeElement } from '../elements';
import type { FrameInterval, Scene } from '../scene';
import { compactFrames } from './frames';
import type { FeatureKey, ModelIndexEntry, ModelManifest } from './manifest';

export type Conversion =
  | { kind: 'length'; from: string; to: string; factor: number }
  | { kind: 'subsample'; every: number; from: FrameInterval; to: FrameInterval };

/** Something the app assumes and says, e.g. "interval: the scene states none; 5 fs (the model's) is used". */
export interface CompatNotice {
  field: string;
  message: string;
}

export interface CompatProblem {
  field: string;
  /** the scene's value, as text */
  scene: string;
  /** the model's value, as text */
  model: string;
  message: string;
}

export interface CompatReport {
  /** no problems (conversions, if any, still need the user's acceptance) */
  ok: boolean;
  problems: CompatProblem[];
  conversions: Conversion[];
  notices: CompatNotice[];
}

/** Relative tolerance for "equal" frame intervals (rule 4). */
export const INTERVAL_TOLERANCE = 1e-6;

/** Metres per unit, for the length units that convert into each other (rule 3): m <-> ft; Å <-> nm <-> pm. */
const LENGTH_FAMILIES: readonly Record<string, number>[] = [
  { m: 1, ft: 0.3048 },
  { Å: 1e-10, nm: 1e-9, pm: 1e-12 },
];

const LENGTH_ALIASES: Record<string, string> = {
  m: 'm',
  meter: 'm',
  meters: 'm',
  metre: 'm',
  metres: 'm',
  ft: 'ft',
  foot: 'ft',
  feet: 'ft',
  // U+00C5 and U+212B (ANGSTROM SIGN) both lower-case to U+00E5
  å: 'Å',
  a: 'Å',
  ang: 'Å',
  angstrom: 'Å',
  angstroms: 'Å',
  nm: 'nm',
  pm: 'pm',
  sim: 'sim',
};

/** Canonical spelling of a length unit ("Angstrom" -> "Å"); '' for none; other strings unchanged. */
export function canonicalLengthUnit(u: string): string {
  const t = u.trim();
  if (t === '') return '';
  return LENGTH_ALIASES[t.toLowerCase()] ?? LENGTH_ALIASES[t] ?? t;
}

/** The factor that turns a length in unit `from` into one in unit `to`; undefined when they do not convert. */
export function lengthFactor(from: string, to: string): number | undefined {
  const a = canonicalLengthUnit(from);
  const b = canonicalLengthUnit(to);
  if (a === b) return 1;
  for (const fam of LENGTH_FAMILIES) if (a in fam && b in fam) return fam[a] / fam[b];
  return undefined;
}

const SECONDS: Record<string, number> = { s: 1, ms: 1e-3, ns: 1e-9, ps: 1e-12, fs: 1e-15 };

function fmtInterval(i: FrameInterval): string {
  return i.unit === 'frame' ? 'none (frames only)' : `${Number(i.value.toPrecision(6))} ${i.unit}`;
}

/** The interval in seconds (or in simulation time for 'sim'), with the unit family it lives in. */
function intervalIn(i: { value: number; unit: string }): { v: number; family: 'time' | 'sim' } | undefined {
  if (i.unit === 'sim') return { v: i.value, family: 'sim' };
  const s = SECONDS[i.unit];
  return s === undefined ? undefined : { v: i.value * s, family: 'time' };
}

/** The token of a scene entity for a feature key (CONTRACT.md v2, "Entity features"); undefined when it has none. */
export function entityToken(scene: Scene, entity: number, key: FeatureKey): string | undefined {
  const e = scene.entities[entity];
  if (key === 'element') return e.element ? normalizeElement(e.element) : undefined;
  if (key === 'group') return e.group;
  return e.charge === undefined || !Number.isFinite(e.charge) ? undefined : String(e.charge);
}

function describeEntity(scene: Scene, i: number): string {
  const e = scene.entities[i];
  return e.label && e.label !== e.sourceId ? `entity ${i} ("${e.sourceId}", ${e.label})` : `entity ${i} ("${e.sourceId}")`;
}

/**
 * Feature indices [entities.length] of the given scene entities (contract v2); an empty array for a model without
 * a vocabulary. Throws naming the entity, its value and the vocabulary when a token is missing or unknown.
 */
export function sceneFeatures(scene: Scene, entities: readonly number[], manifest: ModelManifest): Int32Array {
  const { vocab, key } = manifest.features;
  if (vocab.length === 0 || !key) return new Int32Array(0);
  const index = new Map(vocab.map((t, i) => [t, i]));
  const out = new Int32Array(entities.length);
  entities.forEach((ei, n) => {
    const tok = entityToken(scene, ei, key);
    const at = tok === undefined ? undefined : index.get(tok);
    if (at === undefined) {
      const what = tok === undefined ? `has no ${key}` : `has ${key} "${tok}"`;
      throw new Error(`${scene.name}: ${describeEntity(scene, ei)} ${what}, which is not in the vocabulary of model ${manifest.name} (${vocab.join(', ')})`);
    }
    out[n] = at;
  });
  return out;
}

/** Molecular formula in Hill order (C, then H, then the rest alphabetically; without C all alphabetically). */
export function hillFormula(counts: ReadonlyMap<string, number>): string {
  const els = [...counts.keys()];
  const hasC = counts.has('C');
  const order = hasC ? ['C', 'H', ...els.filter((e) => e !== 'C' && e !== 'H').sort()].filter((e) => counts.has(e)) : els.sort();
  return order.map((e) => `${e}${counts.get(e)! > 1 ? counts.get(e) : ''}`).join('');
}

/** Parses "C6H12N2O2" (any element order, repeats summed) into counts; undefined when it is not a formula. */
export function parseFormula(formula: string): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  const re = /([A-Z][a-z]?)(\d*)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(formula)) !== null && m[0] !== '') {
    const el = normalizeElement(m[1]);
    if (!el) return undefined;
    counts.set(el, (counts.get(el) ?? 0) + (m[2] ? Number(m[2]) : 1));
    end = re.lastIndex;
  }
  return end === formula.length && counts.size > 0 ? counts : undefined;
}

/** The scene's formula in Hill order, from its entities' elements; undefined if an entity has none. */
export function sceneFormula(scene: Scene): string | undefined {
  const counts = new Map<string, number>();
  for (const e of scene.entities) {
    const el = e.element ? normalizeElement(e.element) : undefined;
    if (!el) return undefined;
    counts.set(el, (counts.get(el) ?? 0) + 1);
  }
  return counts.size ? hillFormula(counts) : undefined;
}

/**
 * Smallest and largest number of entities seen within `observed` consecutive (non-empty) frames: the entity
 * counts of the sampling windows the scene can give (rule 6).
 */
export function windowEntityRange(scene: Scene, observed: number): { min: number; max: number } {
  const { scene: cs } = compactFrames(scene);
  const N = cs.entities.length;
  const F = cs.frameCount;
  if (F === 0 || N === 0) return { min: 0, max: 0 };
  const seen = new Int32Array(N);
  let count = 0;
  let min = Infinity;
  let max = 0;
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < N; i++) if (cs.mask[f * N + i] && seen[i]++ === 0) count++;
    const drop = f - observed;
    if (drop >= 0) for (let i = 0; i < N; i++) if (cs.mask[drop * N + i] && --seen[i] === 0) count--;
    // Windows ending before frame observed-1 have less history; they count too (sampling at an early "now").
    min = Math.min(min, count);
    max = Math.max(max, count);
  }
  return { min, max };
}

/** Overlap of pedestrian tiles, metres: a few strides, the range over which walkers react to each other. */
export const PEDESTRIAN_TILE_MARGIN_M = 4;

/** How windows above the ID pool are cut into spatial tiles (core/sampler/tiles.ts). */
export interface TilingOptions {
  /** overlap margin, scene (model) length units */
  margin: number;
}

/**
 * How a model's windows above its ID pool are sampled: in overlapping spatial tiles (pedestrian models: a crowd
 * spreads over the plane and walkers react to their neighbours only) or not at all (null: a molecule or a team
 * cannot be cut into independent parts, so such a window stays refused).
 */
export function tilingFor(manifest: Pick<ModelManifest, 'domain' | 'length_unit'>): TilingOptions | null {
  if (manifest.domain !== 'pedestrian') return null;
  const f = lengthFactor('m', manifest.length_unit);
  return f === undefined ? null : { margin: PEDESTRIAN_TILE_MARGIN_M * f };
}

/** Rules 1-7 of CONTRACT.md v2 "Scene against model". `ok` means no problems; conversions still need acceptance. */
export function checkScene(scene: Scene, manifest: ModelManifest): CompatReport {
  const problems: CompatProblem[] = [];
  const conversions: Conversion[] = [];
  const notices: CompatNotice[] = [];
  const problem = (field: string, sceneValue: string, modelValue: string, message: string) => problems.push({ field, scene: sceneValue, model: modelValue, message });

  // 1. Domain
  if (scene.kind === 'generic') {
    notices.push({ field: 'domain', message: `the scene states no domain; it is treated as ${manifest.domain} (model ${manifest.name})` });
  } else if (scene.kind !== manifest.domain) {
    problem('domain', scene.kind, manifest.domain, `the scene is a ${scene.kind} scene, model ${manifest.name} is a ${manifest.domain} model`);
  }

  // 2. Dims
  if (scene.dim !== manifest.dims) problem('dims', `${scene.dim}-D`, `${manifest.dims}-D`, `the scene is ${scene.dim}-D, model ${manifest.name} is ${manifest.dims}-D`);

  // 3. Length unit
  const su = canonicalLengthUnit(scene.lengthUnit);
  const mu = canonicalLengthUnit(manifest.length_unit);
  if (su === '') {
    notices.push({ field: 'length_unit', message: `the scene states no length unit; ${mu} (the model's) is used` });
  } else if (su !== mu) {
    const factor = lengthFactor(su, mu);
    if (factor === undefined) problem('length_unit', scene.lengthUnit, manifest.length_unit, `the scene's lengths are in ${scene.lengthUnit}, model ${manifest.name} takes ${manifest.length_unit}, and there is no conversion between them`);
    else conversions.push({ kind: 'length', from: su, to: mu, factor });
  }

  // 4. Frame interval
  const mi: FrameInterval = { value: manifest.frame_interval.value, unit: manifest.frame_interval.unit as FrameInterval['unit'] };
  if (scene.frameInterval.unit === 'frame') {
    notices.push({ field: 'interval', message: `the scene states no frame interval; ${fmtInterval(mi)} (the model's) is used` });
  } else {
    const a = intervalIn(scene.frameInterval);
    const b = intervalIn(mi);
    const what = `the scene's frames are ${fmtInterval(scene.frameInterval)} apart, model ${manifest.name} steps ${fmtInterval(mi)}`;
    if (!a || !b || a.family !== b.family || !(a.v > 0)) {
      problem('interval', fmtInterval(scene.frameInterval), fmtInterval(mi), `${what}: the two cannot be compared`);
    } else if (Math.abs(a.v - b.v) <= INTERVAL_TOLERANCE * b.v) {
      // equal
    } else {
      const ratio = b.v / a.v;
      const n = Math.round(ratio);
      if (n >= 2 && Math.abs(ratio - n) <= INTERVAL_TOLERANCE * ratio) conversions.push({ kind: 'subsample', every: n, from: { ...scene.frameInterval }, to: mi });
      else problem('interval', fmtInterval(scene.frameInterval), fmtInterval(mi), `${what}${ratio > 1 ? ` (ratio ${Number(ratio.toPrecision(6))}, not a whole number)` : ''}`);
    }
  }

  // 5. Features
  const { vocab, key } = manifest.features;
  if (vocab.length > 0 && key) {
    const vocabSet = new Set(vocab);
    const bad: string[] = [];
    for (let i = 0; i < scene.entities.length; i++) {
      const tok = entityToken(scene, i, key);
      if (tok === undefined || !vocabSet.has(tok)) bad.push(`${describeEntity(scene, i)}: ${tok === undefined ? `no ${key}` : `"${tok}"`}`);
    }
    if (bad.length > 0) {
      const shown = bad.slice(0, 5).join('; ') + (bad.length > 5 ? `; and ${bad.length - 5} more` : '');
      problem('features', shown, `${key} vocabulary ${vocab.join(', ')}`, `${bad.length} ${bad.length === 1 ? 'entity has' : 'entities have'} ${/^[aeiou]/.test(key) ? 'an' : 'a'} ${key} outside model ${manifest.name}'s vocabulary (${vocab.join(', ')}): ${shown}`);
    }
  }

  // 6. Entities per window
  const { min, max } = windowEntityRange(scene, manifest.frames.observed);
  const P = manifest.id_pool;
  const tiling = tilingFor(manifest);
  if (max > P && tiling) {
    const what = min > P ? `every window holds at least ${min} entities` : `some windows hold up to ${max} entities`;
    notices.push({ field: 'entities', message: `${what}, more than the ID pool (${P}): such windows are sampled in overlapping spatial tiles of at most ${P} entities (${Number(tiling.margin.toPrecision(6))} ${manifest.length_unit} overlap), each entity's futures taken from the tile where it is farthest from the border` });
  } else if (min > P) problem('entities', `${min} entities in every window`, `ID pool ${P}`, `every window of the scene holds at least ${min} entities, but model ${manifest.name}'s ID pool holds ${P}`);
  else if (max > P) notices.push({ field: 'entities', message: `some windows hold up to ${max} entities, more than the ID pool (${P}): sampling at such a frame is refused` });

  // 7. Scope
  if (manifest.scope) {
    const want = parseFormula(manifest.scope.formula);
    const modelFormula = want ? hillFormula(want) : manifest.scope.formula;
    const got = sceneFormula(scene);
    if (got !== modelFormula) problem('scope', got ?? 'unknown (an entity has no element)', modelFormula, `model ${manifest.name} is made for ${modelFormula} only; the scene is ${got ?? 'not a molecule with elements'}`);
  }

  return { ok: problems.length === 0, problems, conversions, notices };
}

/** The scene with the given conversions applied (lengths scaled, every n-th frame kept); a new object. */
export function applyConversions(scene: Scene, conversions: readonly Conversion[]): Scene {
  let s: Scene = { ...scene };
  for (const c of conversions) {
    if (c.kind === 'length') {
      if (canonicalLengthUnit(s.lengthUnit) !== c.from) throw new Error(`conversion from ${c.from}, but the scene's lengths are in ${s.lengthUnit}`);
      const positions = new Float32Array(s.positions.length);
      for (let i = 0; i < positions.length; i++) positions[i] = s.positions[i] * c.factor;
      s = { ...s, positions, lengthUnit: c.to };
    } else {
      const n = c.every;
      if (!Number.isInteger(n) || n < 1) throw new Error(`subsampling needs a whole number of frames, got ${n}`);
      const N = s.entities.length;
      const D = s.dim;
      const F = Math.ceil(s.frameCount / n);
      const positions = new Float32Array(F * N * D);
      const mask = new Uint8Array(F * N);
      for (let j = 0; j < F; j++) {
        positions.set(s.positions.subarray(j * n * N * D, (j * n + 1) * N * D), j * N * D);
        mask.set(s.mask.subarray(j * n * N, (j * n + 1) * N), j * N);
      }
      s = { ...s, frameCount: F, positions, mask, frameLabels: Array.from({ length: F }, (_, j) => s.frameLabels[j * n]), frameInterval: { ...c.to } };
    }
  }
  return s;
}

/** A scene that states no length unit or no interval takes the model's (the notices of checkScene say so). */
export function withModelUnits(scene: Scene, manifest: ModelManifest): Scene {
  const out = { ...scene };
  if (canonicalLengthUnit(scene.lengthUnit) === '') out.lengthUnit = manifest.length_unit;
  if (scene.frameInterval.unit === 'frame') out.frameInterval = { value: manifest.frame_interval.value, unit: manifest.frame_interval.unit as FrameInterval['unit'] };
  return out;
}

/**
 * The model for a scene: among the listed models that accept it (no problems; conversions count as acceptable),
 * one whose scope matches first, then the index's default, then the index order. Null when none accepts it.
 */
export function chooseModel(
  scene: Scene,
  models: readonly { entry: ModelIndexEntry; manifest: ModelManifest }[],
): { entry: ModelIndexEntry; manifest: ModelManifest; report: CompatReport } | null {
  const fits = models.map((m, i) => ({ ...m, i, report: checkScene(scene, m.manifest) })).filter((m) => m.report.ok);
  const rank = (m: (typeof fits)[number]) => (m.manifest.scope ? 0 : 2) + (m.entry.default ? 0 : 1);
  fits.sort((a, b) => rank(a) - rank(b) || a.i - b.i);
  const best = fits[0];
  return best ? { entry: best.entry, manifest: best.manifest, report: best.report } : null;
}
