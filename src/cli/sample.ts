/** `lamslide sample`: K sampled futures of one scene at a chosen "now" frame, written to JSON or CSV. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { rollout } from '../core/sampler/rollout';
import { sceneSampleWindow } from '../core/sampler/scene-sample';
import { isSolverName } from '../core/sampler/solvers';
import { intOpt, UsageError } from './args';
import { loadModelDir, readScene } from './load';

export const SAMPLE_HELP = `lamslide sample --model models/<name> --scene <file> [options]

Samples K futures of every pedestrian seen in the observed frames before "now".

  --model DIR      model folder
  --scene FILE     scene file (ETH/UCY text, CSV, JSON)
  --now FRAME      the "now" frame, as a frame id of the file (default: the frame at which the model's full
                   observed history first becomes available)
  --k N            samples (default 20)
  --nfe N          network evaluations (default: manifest)
  --solver S       euler | heun | ddim (default: manifest)
  --seed N         seed (default 0)
  --known N        known frames, 1..observed (default: as many as the scene has, up to observed)
  --horizon N      future frames (default: the model's future; more chains windows)
  --threads N      WASM threads (default 2)
  --out FILE       .json (default) or .csv; without it, JSON goes to stdout
`;

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
  const scene = await readScene(values.scene);
  const model = await loadModelDir(values.model, intOpt(values.threads, 'threads', 2));
  try {
    const m = model.manifest;
    const dims = model.dims;
    let nowFrame = Math.min(dims.observed - 1, scene.frameCount - 1);
    if (values.now !== undefined) {
      const label = Number(values.now);
      nowFrame = scene.frameLabels.findIndex((l) => l === label);
      if (!Number.isFinite(label) || nowFrame < 0) {
        throw new UsageError(`--now ${values.now}: no such frame id in ${scene.name} (frames ${scene.frameLabels[0]}..${scene.frameLabels[scene.frameCount - 1]})`);
      }
    }
    const w = sceneSampleWindow(scene, dims, nowFrame);
    const K = intOpt(values.k, 'k', 20);
    const nfe = intOpt(values.nfe, 'nfe', m.sampler.default_nfe);
    const solver = values.solver ?? m.sampler.default_solver;
    if (!isSolverName(solver)) throw new UsageError(`--solver must be euler, heun or ddim, got "${solver}"`);
    const seed = intOpt(values.seed, 'seed', 0, -(2 ** 31));
    const known = intOpt(values.known, 'known', w.known);
    if (known > w.known) throw new UsageError(`--known ${known}: only ${w.known} frames of history exist before "now"`);
    const horizon = intOpt(values.horizon, 'horizon', dims.future);
    const started = performance.now();
    const r = await rollout(model, dims, w.window, { K, nfe, solver, seed, known, horizon });
    const ms = performance.now() - started;
    const N = w.window.N;
    const D = w.window.D;
    const step = scene.frameCount > 1 ? (scene.frameLabels[scene.frameCount - 1] - scene.frameLabels[0]) / (scene.frameCount - 1) : 1;
    const nowLabel = scene.frameLabels[w.nowFrame];
    const futureLabels = Array.from({ length: horizon }, (_, j) => {
      const f = w.frames[dims.observed + j];
      return f !== undefined && f >= 0 ? scene.frameLabels[f] : nowLabel + (j + 1) * step;
    });
    const entities = w.window.entities.map((i) => scene.entities[i].sourceId);
    const out = values.out ?? '-';
    if (out.toLowerCase().endsWith('.csv')) {
      const lines = ['sample,frame,id,x,y' + (D === 3 ? ',z' : '')];
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < horizon; j++) {
          for (let n = 0; n < N; n++) {
            const o = ((k * horizon + j) * N + n) * D;
            lines.push([k, futureLabels[j], entities[n], ...Array.from(r.future.subarray(o, o + D), (v) => v.toFixed(4))].join(','));
          }
        }
      }
      await writeFile(out, `${lines.join('\n')}\n`);
    } else {
      const samples = Array.from({ length: K }, (_, k) =>
        Array.from({ length: horizon }, (_, j) =>
          Array.from({ length: N }, (_, n) => Array.from(r.future.subarray(((k * horizon + j) * N + n) * D, ((k * horizon + j) * N + n + 1) * D), (v) => Number(v.toFixed(5)))),
        ),
      );
      const json = JSON.stringify({
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
        entities,
        ids: Array.from(r.ids),
        frames: futureLabels,
        layout: 'samples[k][frame][entity][d]',
        samples,
        ms,
      });
      if (out === '-') process.stdout.write(`${json}\n`);
      else await writeFile(out, `${json}\n`);
    }
    if (out !== '-') process.stderr.write(`wrote ${K} samples x ${horizon} frames x ${N} pedestrians to ${out} (${ms.toFixed(0)} ms)\n`);
    return 0;
  } finally {
    await model.release();
  }
}
