/**
 * The model manifest (CONTRACT.md, "manifest.json") as a typed, validated object. Pure: no I/O here.
 */
import { isSolverName, type SolverName } from './solvers.ts';

export interface ModelFileEntry {
  path: string;
  sha256: string;
}

export interface ModelManifest {
  format: string;
  name: string;
  domain: string;
  dims: number;
  id_pool: number;
  latent: { L: number; C: number };
  frames: { observed: number; future: number; window: number; min_observed: number };
  frame_interval: { value: number; unit: string };
  length_unit: string;
  normalization: { center: string; scale: number };
  features: { vocab: string[] };
  interpolant: { path: string; prediction: string; t0: number; t1: number };
  sampler: { default_nfe: number; default_solver: SolverName; solvers: SolverName[] };
  files: { encoder: ModelFileEntry; approximator: ModelFileEntry; decoder: ModelFileEntry };
  metrics?: unknown;
  provenance?: unknown;
}

export type GraphName = 'encoder' | 'approximator' | 'decoder';
export const GRAPH_NAMES: readonly GraphName[] = ['encoder', 'approximator', 'decoder'];

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
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(file, `"${key}" must be an object`);
  return v as Obj;
}

function num(o: Obj, key: string, file: string, path: string, opts: { int?: boolean; min?: number } = {}): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ManifestError(file, `"${path}${key}" must be a number, got ${JSON.stringify(v)}`);
  if (opts.int && !Number.isInteger(v)) throw new ManifestError(file, `"${path}${key}" must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ManifestError(file, `"${path}${key}" must be >= ${opts.min}, got ${v}`);
  return v;
}

function text(o: Obj, key: string, file: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ManifestError(file, `"${path}${key}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks every field the sampler and engine rely on; the message names the field. */
export function parseManifest(json: unknown, file = 'manifest.json'): ModelManifest {
  const m = obj(json, file, '(root)');
  const format = text(m, 'format', file, '');
  if (!format.startsWith('lamslide-model/1')) throw new ManifestError(file, `unsupported format "${format}" (expected lamslide-model/1)`);
  const latent = obj(m.latent, file, 'latent');
  const frames = obj(m.frames, file, 'frames');
  const fi = obj(m.frame_interval, file, 'frame_interval');
  const norm = obj(m.normalization, file, 'normalization');
  const interp = obj(m.interpolant, file, 'interpolant');
  const sampler = obj(m.sampler, file, 'sampler');
  const files = obj(m.files, file, 'files');
  const features = m.features === undefined ? { vocab: [] } : obj(m.features, file, 'features');
  const vocab = (features as Obj).vocab ?? [];
  if (!Array.isArray(vocab)) throw new ManifestError(file, '"features.vocab" must be an array');
  if (vocab.length > 0) throw new ManifestError(file, 'models with a feature vocabulary are not supported by this version (features.vocab must be empty)');

  const center = text(norm, 'center', file, 'normalization.');
  if (center !== 'last_observed_centroid') throw new ManifestError(file, `unsupported normalization.center "${center}"`);
  const path = text(interp, 'path', file, 'interpolant.');
  const prediction = text(interp, 'prediction', file, 'interpolant.');
  if (path !== 'gvp' || prediction !== 'data') throw new ManifestError(file, `unsupported interpolant ${path}/${prediction} (expected gvp/data)`);

  const solvers = sampler.solvers;
  if (!Array.isArray(solvers) || !solvers.every((s) => typeof s === 'string' && isSolverName(s))) {
    throw new ManifestError(file, '"sampler.solvers" must list solvers among euler, heun, ddim');
  }
  const defSolver = text(sampler, 'default_solver', file, 'sampler.');
  if (!isSolverName(defSolver)) throw new ManifestError(file, `unknown sampler.default_solver "${defSolver}"`);

  const fileEntry = (k: string): ModelFileEntry => {
    const f = obj(files[k], file, `files.${k}`);
    const p = text(f, 'path', file, `files.${k}.`);
    const h = text(f, 'sha256', file, `files.${k}.`).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(h)) throw new ManifestError(file, `"files.${k}.sha256" is not a 64-digit hex digest`);
    if (p.includes('..') || p.startsWith('/')) throw new ManifestError(file, `"files.${k}.path" must stay inside the model folder`);
    return { path: p, sha256: h };
  };

  const observed = num(frames, 'observed', file, 'frames.', { int: true, min: 1 });
  const future = num(frames, 'future', file, 'frames.', { int: true, min: 1 });
  const window = num(frames, 'window', file, 'frames.', { int: true, min: 2 });
  if (window !== observed + future) throw new ManifestError(file, `frames.window (${window}) must equal observed + future (${observed + future})`);
  const t0 = num(interp, 't0', file, 'interpolant.');
  const t1 = num(interp, 't1', file, 'interpolant.');
  if (!(t0 >= 0 && t1 <= 1 && t0 < t1)) throw new ManifestError(file, `interpolant times must satisfy 0 <= t0 < t1 <= 1, got ${t0}, ${t1}`);
  const scale = num(norm, 'scale', file, 'normalization.');
  if (!(scale > 0)) throw new ManifestError(file, `normalization.scale must be > 0, got ${scale}`);

  return {
    format,
    name: text(m, 'name', file, ''),
    domain: text(m, 'domain', file, ''),
    dims: num(m, 'dims', file, '', { int: true, min: 1 }),
    id_pool: num(m, 'id_pool', file, '', { int: true, min: 1 }),
    latent: { L: num(latent, 'L', file, 'latent.', { int: true, min: 1 }), C: num(latent, 'C', file, 'latent.', { int: true, min: 1 }) },
    frames: { observed, future, window, min_observed: num(frames, 'min_observed', file, 'frames.', { int: true, min: 1 }) },
    frame_interval: { value: num(fi, 'value', file, 'frame_interval.'), unit: text(fi, 'unit', file, 'frame_interval.') },
    length_unit: typeof m.length_unit === 'string' ? m.length_unit : '',
    normalization: { center, scale },
    features: { vocab: [] },
    interpolant: { path, prediction, t0, t1 },
    sampler: {
      default_nfe: num(sampler, 'default_nfe', file, 'sampler.', { int: true, min: 1 }),
      default_solver: defSolver,
      solvers: solvers as SolverName[],
    },
    files: { encoder: fileEntry('encoder'), approximator: fileEntry('approximator'), decoder: fileEntry('decoder') },
    metrics: m.metrics,
    provenance: m.provenance,
  };
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
