/** `lamslide sample`: K sampled futures of one scene at a chosen "now" frame, written to JSON, CSV, XYZ or PDB. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { writePdb, writeXyz } from '../core/formats/index';
import { normalizeElement } from '../core/elements';
import { MAX_K, MAX_NFE, MAX_SEED } from '../core/sampler/limits';
import { tilingFor } from '../core/sampler/compat';
import { sceneSampleWindow } from '../core/sampler/scene-sample';
import { sampleWindow } from '../core/sampler/tiles';
import type { Scene } from '../core/scene';
import { checkOutPath, intOpt, resolveSettings, runOptions, UsageError } from './args';
import { fitScene } from './fit';
import { loadModelDir, readScene } from './load';

export const SAMPLE_HELP = `lamslide sample --model models/<name> --scene <file> [options]

Samples K futures of every entity seen in the known frames before "now" (with a pedestrian model, more people than
its ID pool are sampled in overlapping spatial tiles of at most the pool, each person's futures taken whole from the
tile where that person is farthest from the border). The scene is checked against the model first (domain, dims, length unit, frame interval, features, ID pool, scope; CONTRACT.md "Scene against model"):
a mismatch is refused naming both values, a convertible one (ft -> m, nm -> Å, every n-th frame) needs --convert.

  --model DIR      model folder
  --scene FILE     scene file (ETH/UCY text, CSV, JSON, XYZ, PDB)
  --now FRAME      the "now" frame, as a frame id of the file (default: the frame at which the model's full
                   observed history first becomes available)
  --k N            samples, 1..${MAX_K} (default 20)
  --nfe N          network evaluations per sample, 1..${MAX_NFE} (default: manifest; heun needs >= 2)
  --solver S       euler | heun | ddim (default: manifest)
  --seed N         seed, 0..${MAX_SEED} (default 0)
  --known N        known frames, 1..observed (default: as many as the scene has, up to observed)
  --horizon N      future frames (default: the model's future; more chains windows)
  --convert        accept the unit / frame-interval conversions the check offers (they are printed)
  --threads N      WASM threads (default 2)
  --out FILE       where to write (checked before sampling; nothing is written if sampling fails):
                   .json   {model, scene, now, k, ..., entities, ids, frames, samples[k][frame][entity][d]}
                   .csv    one row per sample, future frame and entity: sample,frame,id,x,y[,z]
                   .xyz    multi-frame extended XYZ (3-D scenes with elements): sample 0's future frames in
                           order, then sample 1's, ...; each comment line names sample=k, step=j (1 = the frame
                           after "now"), time= (time after "now", in time_unit=) and frame= (frame id)
                   .pdb    multi-MODEL PDB: MODEL m = sample (m-1) div horizon, step (m-1) mod horizon + 1
                           (samples 0..K-1, steps 1..horizon after "now"); REMARK lines at the top say so
                   without --out, JSON goes to stdout

Limits: K <= ${MAX_K} and NFE <= ${MAX_NFE} bound the work (the method needs ~10 NFE where diffusion baselines take
100-1000; beyond 1000 the ODE error is far below float32 noise) and the memory (K x window x latent in float64).
`;

type OutFormat = 'json' | 'csv' | 'xyz' | 'pdb';

function outFormat(out: string): OutFormat {
  if (out === '-') return 'json';
  const m = /\.([a-z]+)$/i.exec(out);
  const ext = m ? m[1].toLowerCase() : '';
  if (ext === 'json' || ext === 'csv' || ext === 'xyz' || ext === 'pdb') return ext;
  if (ext === 'extxyz') return 'xyz';
  throw new UsageError(`--out ${out}: unknown format; use .json, .csv, .xyz (.extxyz) or .pdb`);
}

/** One scene of `frames` frames holding the given [frames, N, D] positions of the window entities. */
function futureScene(scene: Scene, entities: number[], positions: Float32Array, frames: number, labels: number[]): Scene {
  return {
    name: scene.name,
    kind: scene.kind,
    dim: scene.dim,
    entities: entities.map((i) => scene.entities[i]),
    frameCount: frames,
    positions,
    mask: new Uint8Array(frames * entities.length).fill(1),
    frameInterval: scene.frameInterval,
    frameLabels: labels,
    lengthUnit: scene.lengthUnit,
  };
}

export async function runSample(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      scene: { type: 'string' },
      now: { type: 'string' },
      k: { type: 'string' },
      nfe: { type: 'string' },
      solver: { type: 'string' },
      seed: { type: 'string' },
      known: { type: 'string' },
      horizon: { type: 'string' },
      threads: { type: 'string' },
      convert: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SAMPLE_HELP);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required');
  if (!values.scene) throw new UsageError('--scene is required');
  // Everything that needs no model is checked first, so a bad option never costs a load or a sampling run.
  const run = runOptions(values);
  const K = run.K ?? 20;
  const seed = run.seed;
  const threads = intOpt(values.threads, 'threads', 2);
  const out = values.out ?? '-';
  if (out !== '-') await checkOutPath(out);
  const format = outFormat(out);
  const note = (line: string) => process.stderr.write(`lamslide: ${line}\n`);
  const raw = await readScene(values.scene);
  const model = await loadModelDir(values.model, threads);
  try {
    const m = model.manifest;
    const dims = model.dims;
    const { nfe, solver } = resolveSettings(run, m.sampler);
    const scene = fitScene(raw, m, values.convert ?? false, note);
    let nowFrame = Math.min(dims.observed - 1, scene.frameCount - 1);
    if (values.now !== undefined) {
      const label = Number(values.now);
      nowFrame = scene.frameLabels.findIndex((l) => l === label);
      if (!Number.isFinite(label) || nowFrame < 0) {
        const dropped = raw.frameLabels.includes(label) ? ` (frame ${label} was dropped by the conversion)` : '';
        throw new UsageError(`--now ${values.now}: no such frame id in ${scene.name}${dropped} (frames ${scene.frameLabels[0]}..${scene.frameLabels[scene.frameCount - 1]})`);
      }
    }
    const w = sceneSampleWindow(scene, dims, nowFrame, m);
    const known = intOpt(values.known, 'known', w.known);
    if (known > w.known) throw new UsageError(`--known ${known}: only ${w.known} frames of history exist before "now"`);
    const horizon = intOpt(values.horizon, 'horizon', dims.future);
    const N = w.window.N;
    const D = w.window.D;
    const entities = w.window.entities;
    if (format === 'xyz' || format === 'pdb') {
      const bad = entities.find((i) => !scene.entities[i].element || !normalizeElement(scene.entities[i].element!));
      if (bad !== undefined) throw new UsageError(`--out ${out}: ${format.toUpperCase()} needs a chemical element for every entity, and entity "${scene.entities[bad].sourceId}" of ${scene.name} has none; write .json or .csv`);
    }
    const started = performance.now();
    // A non-finite sample rejects the whole rollout (naming sample, frame and entity): nothing is written.
    const r = await sampleWindow(model, dims, w.window, { K, nfe, solver, seed, known, horizon }, tilingFor(m));
    const ms = performance.now() - started;
    const tiles = r.tiles.tiles.length;
    if (tiles > 1) note(`${scene.name}: ${N} entities, more than the ID pool (${dims.P}): sampled in ${tiles} overlapping spatial tiles (IDs per tile)`);
    const step = scene.frameCount > 1 ? (scene.frameLabels[scene.frameCount - 1] - scene.frameLabels[0]) / (scene.frameCount - 1) : 1;
    const nowLabel = scene.frameLabels[w.nowFrame];
    const futureLabels = Array.from({ length: horizon }, (_, j) => {
      const f = w.frames[dims.observed + j];
      return f !== undefined && f >= 0 ? scene.frameLabels[f] : nowLabel + (j + 1) * step;
    });
    const ids = entities.map((i) => scene.entities[i].sourceId);
    const dt = scene.frameInterval;
    const time = (j: number) => Number(((j + 1) * dt.value).toPrecision(12));
    const HND = horizon * N * D;
    let text: string;
    if (format === 'csv') {
      const lines = ['sample,frame,id,x,y' + (D === 3 ? ',z' : '')];
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < horizon; j++) {
          for (let n = 0; n < N; n++) {
            const o = ((k * horizon + j) * N + n) * D;
            lines.push([k, futureLabels[j], ids[n], ...Array.from(r.future.subarray(o, o + D), (v) => v.toFixed(4))].join(','));
          }
        }
      }
      text = `${lines.join('\n')}\n`;
    } else if (format === 'xyz') {
      const parts: string[] = [];
      for (let k = 0; k < K; k++) {
        const lines = writeXyz(futureScene(scene, entities, r.future.slice(k * HND, (k + 1) * HND), horizon, futureLabels)).split('\n');
        // Each frame is a count line, a comment line and N atom lines; the comment line gains the sample's keys.
        for (let j = 0; j < horizon; j++) lines[j * (N + 2) + 1] += ` sample=${k} step=${j + 1} time=${time(j)} time_unit=${dt.unit}`;
        parts.push(lines.join('\n'));
      }
      text = parts.join('');
    } else if (format === 'pdb') {
      const labels = Array.from({ length: K * horizon }, (_, i) => futureLabels[i % horizon]);
      const remarks = [
        `REMARK   1 lamslide sample of ${scene.name}, model ${m.name}`,
        `REMARK   1 now = frame ${nowLabel}; K ${K}, NFE ${nfe} ${solver}, seed ${seed}`,
        `REMARK   1 MODEL m = sample (m-1) div ${horizon}, step (m-1) mod ${horizon} + 1`,
        `REMARK   1 step j is j x ${dt.value} ${dt.unit} after now`,
      ];
      text = `${remarks.map((l) => l.slice(0, 80)).join('\n')}\n${writePdb(futureScene(scene, entities, r.future, K * horizon, labels))}`;
    } else {
      const samples = Array.from({ length: K }, (_, k) =>
        Array.from({ length: horizon }, (_, j) =>
          Array.from({ length: N }, (_, n) => Array.from(r.future.subarray(((k * horizon + j) * N + n) * D, ((k * horizon + j) * N + n + 1) * D), (v) => Number(v.toFixed(5)))),
        ),
      );
      text = `${JSON.stringify({
        model: m.name,
        scene: scene.name,
        now: nowLabel,
        known,
        k: K,
        nfe,
        solver,
        seed,
        horizon,
        unit: scene.lengthUnit,
        frame_interval: dt,
        entities: ids,
        ids: Array.from(r.ids),
        tiles,
        frames: futureLabels,
        layout: 'samples[k][frame][entity][d]',
        samples,
        ms,
      })}\n`;
    }
    if (out === '-') process.stdout.write(text);
    else {
      await writeFile(out, text);
      process.stderr.write(`wrote ${K} samples x ${horizon} frames x ${N} entities to ${out} (${ms.toFixed(0)} ms)\n`);
    }
    return 0;
  } finally {
    await model.release();
  }
}
