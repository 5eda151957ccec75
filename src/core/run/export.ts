/**
 * Turning a run into Scene objects for the existing writers (src/core/formats), and naming the files.
 * A run scene is the timeline made a trajectory: the scene's frames 0..now (the known history), then the
 * horizon of one sample. "All samples in one file" appends the horizon of every sample in turn after the
 * history: frame now + 1 + k·horizon + j holds sample k's future frame j. Entities that were not sampled
 * are absent after "now".
 */
import { writeSceneFile, type SceneWriteFormat, FORMAT_EXTENSION } from '../formats/index';
import type { Scene } from '../scene';
import type { Run } from './run';
import { frameLabelStep } from './timeline';

/** Export formats of a run. */
export type RunExportFormat = 'csv' | 'ethucy' | 'xyz' | 'pdb' | 'json';
export const RUN_EXPORT_FORMATS: readonly RunExportFormat[] = ['csv', 'ethucy', 'xyz', 'pdb', 'json'];

/** One sample per file, all samples in one file, or only the sample on screen. */
export type ExportScope = 'selected' | 'all-in-one' | 'per-sample';

function scenePrefix(scene: Scene, run: Run, blocks: number, name: string): { out: Scene; Ns: number } {
  const Ns = scene.entities.length;
  const D = scene.dim;
  const hist = run.now + 1;
  const F = hist + blocks * run.horizon;
  const positions = new Float32Array(F * Ns * D);
  const mask = new Uint8Array(F * Ns);
  positions.set(scene.positions.subarray(0, hist * Ns * D));
  mask.set(scene.mask.subarray(0, hist * Ns));
  const step = frameLabelStep(scene, run.now);
  const last = scene.frameLabels[run.now];
  const frameLabels = scene.frameLabels.slice(0, hist);
  for (let f = hist; f < F; f++) frameLabels.push(last + (f - run.now) * step);
  return { out: { ...scene, name, entities: scene.entities.map((e) => ({ ...e })), frameCount: F, positions, mask, frameLabels }, Ns };
}

function writeBlock(out: Scene, Ns: number, run: Run, k: number, firstFrame: number): void {
  const D = run.D;
  for (let j = 0; j < run.horizon; j++) {
    const f = firstFrame + j;
    for (const n of run.active) {
      const i = run.entities[n];
      out.mask[f * Ns + i] = 1;
      const src = ((k * run.horizon + j) * run.N + n) * D;
      for (let d = 0; d < D; d++) out.positions[(f * Ns + i) * D + d] = run.future[src + d];
    }
  }
}

function checkRun(scene: Scene, run: Run): void {
  if (scene.name !== run.sceneName) throw new Error(`run ${run.id} was sampled from ${run.sceneName}, not ${scene.name}`);
  if (scene.dim !== run.D) throw new Error(`run ${run.id} is ${run.D}-D but the scene is ${scene.dim}-D`);
  if (run.now >= scene.frameCount) throw new Error(`run ${run.id}: "now" (frame ${run.now}) is outside the scene (${scene.frameCount} frames)`);
}

/** History + the future of sample `k`; with `k` null the entities are absent after "now" (history only). */
export function runScene(scene: Scene, run: Run, k: number | null, name = scene.name): Scene {
  checkRun(scene, run);
  if (k !== null && (!Number.isInteger(k) || k < 0 || k >= run.K)) throw new RangeError(`sample ${k} does not exist (K = ${run.K})`);
  const { out, Ns } = scenePrefix(scene, run, 1, name);
  if (k !== null) writeBlock(out, Ns, run, k, run.now + 1);
  return out;
}

/** History + the futures of all K samples one after another. */
export function allSamplesScene(scene: Scene, run: Run, name = scene.name): Scene {
  checkRun(scene, run);
  const { out, Ns } = scenePrefix(scene, run, run.K, name);
  for (let k = 0; k < run.K; k++) writeBlock(out, Ns, run, k, run.now + 1 + k * run.horizon);
  return out;
}

function safe(s: string): string {
  return s.replace(/\.[A-Za-z0-9]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'scene';
}

/** File name stating scene, model, NFE, solver, seed and the sample(s): crossing-crowd_eth_ucy-all_nfe10-ddim_seed0_s3.csv */
export function runFileName(scene: Scene, run: Run, what: number | 'all', ext: string): string {
  const s = run.settings;
  const part = what === 'all' ? `all${run.K}` : `s${what}`;
  return `${safe(scene.name)}_${safe(s.model)}_nfe${s.nfe}-${s.solver}_seed${s.seed}_${part}${ext}`;
}

/** Run settings and IDs as stored in the JSON scene's "meta". */
export function runMeta(scene: Scene, run: Run, what: number | 'all'): Record<string, unknown> {
  const s = run.settings;
  return {
    lamslideRun: {
      model: s.model,
      K: run.K,
      nfe: s.nfe,
      solver: s.solver,
      seed: s.seed,
      windows: s.windows,
      horizon: run.horizon,
      now: run.now,
      nowSourceFrame: scene.frameLabels[run.now],
      known: run.known,
      idMode: s.idMode,
      idSeed: s.idSeed,
      ids: run.active.map((n) => ({ sourceId: scene.entities[run.entities[n]].sourceId, id: run.ids[n] })),
      samples: what === 'all' ? { layout: 'history, then the horizon of each sample in turn', K: run.K } : { sample: what },
      backend: run.timing.backend,
      ms: run.timing.ms,
    },
  };
}

/** Adds a "meta" object to the text writeJsonScene made (the reader accepts and ignores it). */
export function withJsonMeta(json: string, meta: Record<string, unknown>): string {
  if (!json.endsWith('\n}\n')) throw new Error('unexpected JSON scene layout: cannot add the run settings');
  return `${json.slice(0, -3)},\n  "meta": ${JSON.stringify(meta)}\n}\n`;
}

export interface ExportFile {
  name: string;
  text: string;
}

function extensionOf(format: RunExportFormat): string {
  return FORMAT_EXTENSION[format as SceneWriteFormat];
}

/**
 * The files of an export. `selected` is the sample on screen (a number) for scope 'selected'. Throws the
 * writer's SceneWriteError when the format cannot hold the scene (ETH/UCY of a 3-D scene, PDB without elements).
 */
export function buildExport(scene: Scene, run: Run, format: RunExportFormat, scope: ExportScope, selected = 0): ExportFile[] {
  const ext = extensionOf(format);
  // The exported scene is named after its file (CSV and JSON store the name), so it re-opens under that name.
  const one = (make: (name: string) => Scene, what: number | 'all'): ExportFile => {
    const name = runFileName(scene, run, what, ext);
    let text = writeSceneFile(make(name), format);
    if (format === 'json') text = withJsonMeta(text, runMeta(scene, run, what));
    return { name, text };
  };
  if (scope === 'all-in-one') return [one((n) => allSamplesScene(scene, run, n), 'all')];
  if (scope === 'per-sample') return Array.from({ length: run.K }, (_, k) => one((n) => runScene(scene, run, k, n), k));
  return [one((n) => runScene(scene, run, selected, n), selected)];
}

/** Timeline/file frame that holds sample k's future frame j in an export of `scope`. */
export function exportFrameOf(run: Run, scope: ExportScope, k: number, j: number): number {
  return run.now + 1 + (scope === 'all-in-one' ? k * run.horizon : 0) + j;
}
