/**
 * The model manifest (CONTRACT.md, "manifest.json") as a typed, validated object. Pure: no I/O here.
 */
import { MAX_ID_POOL, MAX_LATENT_AXIS, MAX_LATENT_SIZE, MAX_NFE, MAX_SCALE, MAX_VOCAB, MAX_WINDOW_FRAMES, MIN_SCALE } from './limits.ts';
import { isSolverName, type SolverName } from './solvers.ts';

export interface ModelFileEntry {
  path: string;
  sha256: string;
}

export const MODEL_FORMAT_V1 = 'lamslide-model/1';
export const MODEL_FORMAT_V2 = 'lamslide-model/2';

export type ModelDomain = 'pedestrian' | 'molecule' | 'nbody' | 'basketball';
export const MODEL_DOMAINS: readonly ModelDomain[] = ['pedestrian', 'molecule', 'nbody', 'basketball'];
export type FeatureKey = 'element' | 'group' | 'charge';
export const FEATURE_KEYS: readonly FeatureKey[] = ['element', 'group', 'charge'];
/** Length units a model may be trained in ("sim": dimensionless simulation units). */
export const MODEL_LENGTH_UNITS: readonly string[] = ['m', 'Å', 'nm', 'ft', 'sim'];
/** Frame interval units of a model ("sim": dimensionless simulation time). */
export const MODEL_TIME_UNITS: readonly string[] = ['s', 'ms', 'fs', 'ps', 'ns', 'sim'];

/**
 * A manifest of either format, read as v2 (CONTRACT.md "Contract v2"): a lamslide-model/1 manifest becomes
 * domain "pedestrian" (as v1 requires), no features, first stage a binding code with the slot layout.
 */
export interface ModelManifest {
  /** as written in the file */
  format: string;
  /** contract version of the file (1 or 2); the object itself always has the v2 shape */
  version: 1 | 2;
  name: string;
  domain: ModelDomain;
  dims: 2 | 3;
  id_pool: number;
  latent: { L: number; C: number };
  first_stage: { kind: 'learned' | 'binding'; layout: 'slots' | 'shared' };
  frames: { observed: number; future: number; window: number; min_observed: number };
  frame_interval: { value: number; unit: string };
  length_unit: string;
  normalization: { center: string; scale: number };
  /** key: which entity property the vocabulary holds (absent when the vocabulary is empty) */
  features: { key?: FeatureKey; vocab: string[] };
  /** a model made for one system only (e.g. one molecule): its formula in Hill order */
  scope?: { formula: string };
  interpolant: { path: string; prediction: string; t0: number; t1: number };
  sampler: { default_nfe: number; default_solver: SolverName; solvers: SolverName[] };
  /** slot_approximator: optional, slot layouts only (CONTRACT.md, "Slot approximator") */
  files: { encoder: ModelFileEntry; approximator: ModelFileEntry; decoder: ModelFileEntry; slot_approximator?: ModelFileEntry };
  metrics?: unknown;
  provenance?: unknown;
}

export type GraphName = 'encoder' | 'approximator' | 'decoder';
export const GRAPH_NAMES: readonly GraphName[] = ['encoder', 'approximator', 'decoder'];
/** The optional graph of slot-layout models: the approximator on the slots a scene occupies. */
export const SLOT_GRAPH = 'slot_approximator';

/** Every graph file a model ships: the three of the contract, then the optional slot graph when listed. */
export function graphEntries(m: Pick<ModelManifest, 'files'>): [string, ModelFileEntry][] {
  const out: [string, ModelFileEntry][] = GRAPH_NAMES.map((g) => [g, m.files[g]]);
  if (m.files.slot_approximator) out.push([SLOT_GRAPH, m.files.slot_approximator]);
  return out;
}

/** models/index.json */
export interface ModelIndexEntry {
  name: string;
  path: string;
  domain: string;
  default?: boolean;
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ManifestError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, file: string, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(file, `"${key}" must be an object, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v as Obj;
}

interface NumOpts {
  int?: boolean;
  min?: number;
  max?: number;
  /** why the bounds (appended to the message) */
  why?: string;
}

function num(o: Obj, key: string, file: string, path: string, opts: NumOpts = {}): number {
  const v = o[key];
  const field = `${path}${key}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ManifestError(file, `"${field}" must be a finite number, got ${JSON.stringify(v) ?? 'nothing'}`);
  if (opts.int && !Number.isInteger(v)) throw new ManifestError(file, `"${field}" must be an integer, got ${v}`);
  const why = opts.why ? ` (${opts.why})` : '';
  if (opts.min !== undefined && v < opts.min) throw new ManifestError(file, `"${field}" is ${v}, below the minimum ${opts.min}${why}`);
  if (opts.max !== undefined && v > opts.max) throw new ManifestError(file, `"${field}" is ${v}, above the maximum ${opts.max}${why}`);
  return v;
}

function text(o: Obj, key: string, file: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ManifestError(file, `"${path}${key}" must be a string, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function oneOf<T extends string>(v: string, allowed: readonly T[], file: string, field: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new ManifestError(file, `"${field}" is "${v}", expected one of ${allowed.join(', ')}`);
  return v as T;
}

/**
 * Checks every field the sampler and engine rely on, with range checks (#13.5); each message names the field,
 * the value found and the bound or the value expected.
 */
export function parseManifest(json: unknown, file = 'manifest.json'): ModelManifest {
  const m = obj(json, file, '(root)');
  const format = text(m, 'format', file, '');
  if (format !== MODEL_FORMAT_V1 && format !== MODEL_FORMAT_V2) {
    throw new ManifestError(file, `"format" is "${format}", expected ${MODEL_FORMAT_V1} or ${MODEL_FORMAT_V2}`);
  }
  const version = format === MODEL_FORMAT_V2 ? 2 : 1;
  const latent = obj(m.latent, file, 'latent');
  const frames = obj(m.frames, file, 'frames');
  const fi = obj(m.frame_interval, file, 'frame_interval');
  const norm = obj(m.normalization, file, 'normalization');
  const interp = obj(m.interpolant, file, 'interpolant');
  const sampler = obj(m.sampler, file, 'sampler');
  const files = obj(m.files, file, 'files');

  // v1: pedestrians only, no features, binding code with slots. v2 states all of it.
  const domain: ModelDomain = version === 1 ? 'pedestrian' : oneOf(text(m, 'domain', file, ''), MODEL_DOMAINS, file, 'domain');
  if (version === 1 && m.domain !== undefined && m.domain !== 'pedestrian') {
    throw new ManifestError(file, `"domain" is ${JSON.stringify(m.domain)}, but a ${MODEL_FORMAT_V1} model is a pedestrian model (use ${MODEL_FORMAT_V2})`);
  }
  const dims = num(m, 'dims', file, '', { int: true });
  if (dims !== 2 && dims !== 3) throw new ManifestError(file, `"dims" is ${dims}, expected 2 or 3`);
  const P = num(m, 'id_pool', file, '', { int: true, min: 1, max: MAX_ID_POOL });
  const L = num(latent, 'L', file, 'latent.', { int: true, min: 1, max: MAX_LATENT_AXIS });
  const C = num(latent, 'C', file, 'latent.', { int: true, min: 1, max: MAX_LATENT_AXIS });
  if (L * C > MAX_LATENT_SIZE) throw new ManifestError(file, `"latent" L x C is ${L * C}, above the maximum ${MAX_LATENT_SIZE}`);

  let firstStage: ModelManifest['first_stage'] = { kind: 'binding', layout: 'slots' };
  if (version === 2) {
    const fs = obj(m.first_stage, file, 'first_stage');
    firstStage = {
      kind: oneOf(text(fs, 'kind', file, 'first_stage.'), ['learned', 'binding'] as const, file, 'first_stage.kind'),
      layout: oneOf(text(fs, 'layout', file, 'first_stage.'), ['slots', 'shared'] as const, file, 'first_stage.layout'),
    };
    if (firstStage.layout === 'slots' && P * dims > L * C) {
      throw new ManifestError(file, `"id_pool" is ${P}, but the slot layout of latent ${L} x ${C} holds ${Math.floor((L * C) / dims)} IDs of ${dims} coordinates`);
    }
  }

  let features: ModelManifest['features'] = { vocab: [] };
  if (m.features !== undefined) {
    const f = obj(m.features, file, 'features');
    const vocab = f.vocab ?? [];
    if (!Array.isArray(vocab)) throw new ManifestError(file, `"features.vocab" must be an array, got ${JSON.stringify(vocab)}`);
    if (vocab.length > MAX_VOCAB) throw new ManifestError(file, `"features.vocab" has ${vocab.length} tokens, above the maximum ${MAX_VOCAB}`);
    const seen = new Map<string, number>();
    vocab.forEach((t, i) => {
      if (typeof t !== 'string' || t === '') throw new ManifestError(file, `"features.vocab[${i}]" must be a non-empty string, got ${JSON.stringify(t)}`);
      const first = seen.get(t);
      if (first !== undefined) throw new ManifestError(file, `"features.vocab[${i}]" is "${t}", the same as features.vocab[${first}]: tokens must be unique`);
      seen.set(t, i);
    });
    if (vocab.length > 0 && version === 1) throw new ManifestError(file, `"features.vocab" has ${vocab.length} tokens, but a ${MODEL_FORMAT_V1} model has no features (use ${MODEL_FORMAT_V2})`);
    features = { vocab: vocab as string[] };
    if (vocab.length > 0) features.key = oneOf(text(f, 'key', file, 'features.'), FEATURE_KEYS, file, 'features.key');
    else if (typeof f.key === 'string') features.key = oneOf(f.key, FEATURE_KEYS, file, 'features.key');
  }

  let scope: ModelManifest['scope'];
  if (m.scope !== undefined && version === 2) {
    const sc = obj(m.scope, file, 'scope');
    const formula = text(sc, 'formula', file, 'scope.');
    if (!/^([A-Z][a-z]?\d*)+$/.test(formula)) throw new ManifestError(file, `"scope.formula" is "${formula}", not a chemical formula like C6H12N2O2`);
    scope = { formula };
  }

  const center = text(norm, 'center', file, 'normalization.');
  if (center !== 'last_observed_centroid') throw new ManifestError(file, `"normalization.center" is "${center}", expected last_observed_centroid`);
  const path = text(interp, 'path', file, 'interpolant.');
  const prediction = text(interp, 'prediction', file, 'interpolant.');
  if (path !== 'gvp' || prediction !== 'data') throw new ManifestError(file, `"interpolant" is ${path}/${prediction}, expected gvp/data`);

  const solvers = sampler.solvers;
  if (!Array.isArray(solvers) || solvers.length === 0 || !solvers.every((s) => typeof s === 'string' && isSolverName(s))) {
    throw new ManifestError(file, `"sampler.solvers" is ${JSON.stringify(solvers)}, expected a list of euler, heun, ddim`);
  }
  const defSolver = text(sampler, 'default_solver', file, 'sampler.');
  if (!isSolverName(defSolver)) throw new ManifestError(file, `"sampler.default_solver" is "${defSolver}", expected euler, heun or ddim`);
  if (!solvers.includes(defSolver)) throw new ManifestError(file, `"sampler.default_solver" is "${defSolver}", not among sampler.solvers (${solvers.join(', ')})`);
  const defaultNfe = num(sampler, 'default_nfe', file, 'sampler.', { int: true, min: defSolver === 'heun' ? 2 : 1, max: MAX_NFE, why: defSolver === 'heun' ? 'heun makes two network calls per step; at most the NFE limit' : 'the NFE limit' });

  const fileEntry = (k: string): ModelFileEntry => {
    const f = obj(files[k], file, `files.${k}`);
    const p = text(f, 'path', file, `files.${k}.`);
    const h = text(f, 'sha256', file, `files.${k}.`).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(h)) throw new ManifestError(file, `"files.${k}.sha256" is "${h}", not a 64-digit hex digest`);
    if (p.includes('..') || p.startsWith('/')) throw new ManifestError(file, `"files.${k}.path" is "${p}", which leaves the model folder`);
    return { path: p, sha256: h };
  };

  const observed = num(frames, 'observed', file, 'frames.', { int: true, min: 1, max: MAX_WINDOW_FRAMES - 1 });
  const future = num(frames, 'future', file, 'frames.', { int: true, min: 1, max: MAX_WINDOW_FRAMES - 1 });
  const window = num(frames, 'window', file, 'frames.', { int: true, min: 2, max: MAX_WINDOW_FRAMES });
  if (window !== observed + future) throw new ManifestError(file, `frames.window (${window}) must equal observed + future (${observed + future})`);
  const minObserved = num(frames, 'min_observed', file, 'frames.', { int: true, min: 1, max: observed, why: 'at most frames.observed' });
  const t0 = num(interp, 't0', file, 'interpolant.');
  const t1 = num(interp, 't1', file, 'interpolant.');
  if (!(t0 >= 0 && t1 <= 1 && t0 < t1)) throw new ManifestError(file, `interpolant times must satisfy 0 <= t0 < t1 <= 1, got t0 = ${t0}, t1 = ${t1}`);
  const scale = num(norm, 'scale', file, 'normalization.', { min: MIN_SCALE, max: MAX_SCALE, why: 'positions enter the graphs as (x - centre) / scale in float32' });

  const intervalValue = num(fi, 'value', file, 'frame_interval.');
  if (!(intervalValue > 0)) throw new ManifestError(file, `"frame_interval.value" is ${intervalValue}, expected > 0`);
  const intervalUnit = text(fi, 'unit', file, 'frame_interval.');
  oneOf(intervalUnit, MODEL_TIME_UNITS, file, 'frame_interval.unit');
  let lengthUnit: string;
  if (version === 1) lengthUnit = m.length_unit === undefined ? 'm' : text(m, 'length_unit', file, '');
  else lengthUnit = text(m, 'length_unit', file, '');
  oneOf(lengthUnit, MODEL_LENGTH_UNITS, file, 'length_unit');

  const out: ModelManifest = {
    format,
    version,
    name: text(m, 'name', file, ''),
    domain,
    dims,
    id_pool: P,
    latent: { L, C },
    first_stage: firstStage,
    frames: { observed, future, window, min_observed: minObserved },
    frame_interval: { value: intervalValue, unit: intervalUnit },
    length_unit: lengthUnit,
    normalization: { center, scale },
    features,
    interpolant: { path, prediction, t0, t1 },
    sampler: { default_nfe: defaultNfe, default_solver: defSolver, solvers: solvers as SolverName[] },
    files: { encoder: fileEntry('encoder'), approximator: fileEntry('approximator'), decoder: fileEntry('decoder') },
    metrics: m.metrics,
    provenance: m.provenance,
  };
  if (files[SLOT_GRAPH] !== undefined) {
    if (firstStage.layout !== 'slots') throw new ManifestError(file, `"files.${SLOT_GRAPH}" is given, but the first stage's layout is "${firstStage.layout}"; the slot graph needs layout "slots"`);
    if ((L * C) % (dims + features.vocab.length) !== 0) throw new ManifestError(file, `"files.${SLOT_GRAPH}" is given, but latent ${L} x ${C} is not a whole number of slots of ${dims + features.vocab.length} coordinates`);
    out.files.slot_approximator = fileEntry(SLOT_GRAPH);
  }
  if (scope) out.scope = scope;
  return out;
}

export function parseModelIndex(json: unknown, file = 'models/index.json'): ModelIndexEntry[] {
  const root = obj(json, file, '(root)');
  if (!Array.isArray(root.models)) throw new ManifestError(file, '"models" must be an array');
  return root.models.map((e, i) => {
    const o = obj(e, file, `models[${i}]`);
    return {
      name: text(o, 'name', file, `models[${i}].`),
      path: text(o, 'path', file, `models[${i}].`),
      domain: typeof o.domain === 'string' ? o.domain : '',
      default: o.default === true,
    };
  });
}
