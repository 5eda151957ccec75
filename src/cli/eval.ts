/** `lamslide eval`: the model card's protocol on raw scene files. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { basename, relative } from 'node:path';
import { sceneFeatures, tilingFor } from '../core/sampler/compat';
import { evaluateScenes, protocolFor, type EvalOptions } from '../core/sampler/evaluate';
import { MAX_K, MAX_NFE, MAX_SEED } from '../core/sampler/limits';
import { fmt, intOpt, resolveSettings, runOptions, table, UsageError } from './args';
import { evaluateInWorkers } from './eval-pool';
import { fitScene } from './fit';
import { loadModelDir, readScene, sceneFiles } from './load';
import { rolloutEval } from './rollout-eval';

export const EVAL_HELP = `lamslide eval --model models/<name> --data <file-or-folder> [options]

Evaluates a model with its domain's protocol (CONTRACT.md "Evaluation protocols (v2)"): every window of every
file, all observed frames known, K samples per window, and the same entities scored by two baselines
(constant velocity from the last two known frames; frozen: the last known frame repeated).
  pedestrian   minADE/minFDE over K = 20 (best sample per agent), agents present in the whole window, metres
  basketball   minADE/minFDE over K = 20, players only (group PLAYER; the ball is context), feet
  molecule,    ADE/FDE averaged over K = 5 samples, every entity present in the whole window (Å for molecules,
  nbody        simulation units for N-body)
Each file is checked against the model first (as in lamslide sample; --convert accepts conversions).

  --model DIR        model folder (manifest.json + three .onnx files)
  --data PATH        a scene file (ETH/UCY text, CSV, JSON, XYZ, PDB) or a folder of them (searched recursively)
  --k N              samples per window, 1..${MAX_K} (default: the protocol's, 20 or 5)
  --nfe N            network evaluations per sample, 1..${MAX_NFE} (default: the manifest's default_nfe)
  --solver S         euler | heun | ddim (default: the manifest's default_solver)
  --seed N           base seed, 0..${MAX_SEED} (default 0); each window's seed is derived from it, the file and the window
  --workers N        workers sharing the windows (this thread and N - 1 worker threads, at most one per
                     window), each with its own onnxruntime session (default min(2, available cores), here
                     ${defaultWorkers()}); the result does not depend on it: each window's seed comes from the seed, its
                     file and its start, and the windows are added up in order
  --threads N        WASM threads per session (default 1)
  --max-windows N    evaluate only the first N windows of each file (quick checks)
  --stride N         window stride (default: the stride of the model card's numbers, manifest
                     metrics.protocol.window_stride, else 1; 1 = every window)
  --ids A            ID assignment per window: random (default, seeded; as in training) or sequential (0..N-1,
                     as the Python evaluation does)
  --convert          accept the unit / frame-interval conversions the check offers
  --rollout H        long-rollout mode (peptides): one chained rollout of horizon H per sample (a duration such as
                     10 ns, or frames / windows) from the first frames of the --data file, scored against all of
                     that file's frames as the reference MD: φ/ψ Jensen-Shannon distances (100 bins each, 50 x 50
                     jointly), basin populations (β/C7eq, PII/C5, αR, αL), bond stability (±15 %), generated ns
                     per wall-clock second; K defaults to 1
  --json             print one JSON object instead of the table: model, k, nfe, samples (scored entity-windows),
                     ade, fde, protocol ("min" or "mean" over samples), baseline (constant velocity) and
                     baselines (constant_velocity, frozen), skipped_windows (above the ID pool, not sampled),
                     tiled_windows (above the ID pool, sampled in spatial tiles: pedestrian models), workers,
                     per-file results
`;

/** The window stride the model card's numbers were measured with (manifest metrics.protocol.window_stride). */
export function cardStride(metrics: unknown): number {
  const s = (metrics as { protocol?: { window_stride?: unknown } } | undefined)?.protocol?.window_stride;
  return typeof s === 'number' && Number.isInteger(s) && s >= 1 ? s : 1;
}

/** Both cores of the usual 2-core machine, not more (each worker holds its own copy of the model and scenes). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

export async function runEval(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      k: { type: 'string' },
      nfe: { type: 'string' },
      solver: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      workers: { type: 'string' },
      'max-windows': { type: 'string' },
      stride: { type: 'string' },
      ids: { type: 'string' },
      convert: { type: 'boolean', default: false },
      rollout: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(EVAL_HELP);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required');
  if (!values.data) throw new UsageError('--data is required');
  const threads = intOpt(values.threads, 'threads', 1);
  const workers = intOpt(values.workers, 'workers', defaultWorkers(), 1, 64);
  const run = runOptions(values);
  const seed = run.seed;
  const files = await sceneFiles(values.data);
  const model = await loadModelDir(values.model, threads);
  try {
    const m = model.manifest;
    if (values.rollout !== undefined) {
      if (files.length !== 1) throw new UsageError(`--rollout scores one trajectory file; --data ${values.data} holds ${files.length}`);
      const note = (line: string) => process.stderr.write(`lamslide: ${line}\n`);
      const scene = fitScene(await readScene(files[0]), m, values.convert ?? false, note);
      const { nfe, solver } = resolveSettings(run, m.sampler);
      process.stdout.write(await rolloutEval(model, scene, { horizon: values.rollout, K: run.K ?? 1, nfe, solver, seed, json: values.json ?? false, file: files[0], threads }));
      return 0;
    }
    const protocol = protocolFor(m.domain);
    const K = run.K ?? protocol.k;
    const { nfe, solver } = resolveSettings(run, m.sampler);
    const maxWindows = values['max-windows'] === undefined ? undefined : intOpt(values['max-windows'], 'max-windows', 1);
    // Default to the card's protocol so that a plain `eval` on the model's val files prints the card's numbers.
    const stride = intOpt(values.stride, 'stride', cardStride(m.metrics));
    const ids = values.ids ?? 'random';
    if (ids !== 'random' && ids !== 'sequential') throw new UsageError(`--ids must be random or sequential, got "${ids}"`);
    const note = (line: string) => process.stderr.write(`lamslide: ${line}\n`);
    const scenes = (await Promise.all(files.map(readScene))).map((sc) => fitScene(sc, m, values.convert ?? false, note));
    const started = performance.now();
    const tty = process.stderr.isTTY;
    let lastPrint = 0;
    const opts: EvalOptions = {
      K,
      nfe,
      solver,
      seed,
      maxWindowsPerFile: maxWindows,
      stride,
      ids,
      protocol,
      tiling: tilingFor(m),
      feats: m.features.vocab.length > 0 ? (sc, entities) => sceneFeatures(sc, entities, m) : undefined,
      onWindow: (done, total) => {
        const now = performance.now();
        if (now - lastPrint > (tty ? 500 : 15000) || done === total) {
          lastPrint = now;
          process.stderr.write(`${tty ? '\r' : ''}eval: ${done}/${total} windows, ${((now - started) / 1000).toFixed(0)} s${tty ? '' : '\n'}`);
        }
      },
    };
    // One worker runs here, on the model loaded above; the others in threads of their own (eval-pool.ts).
    let used = 1;
    let r;
    if (workers === 1) r = await evaluateScenes(model, model.dims, scenes, opts);
    else ({ result: r, workers: used } = await evaluateInWorkers({ modelDir: values.model, threads, K, nfe, solver, seed, stride, maxWindowsPerFile: maxWindows, ids }, model, scenes, model.dims, opts, workers));
    if (tty) process.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    if (values.json) {
      const out = {
        model: m.name,
        model_dir: relative(process.cwd(), values.model) || values.model,
        data: files.map((f) => relative(process.cwd(), f)),
        k: K,
        nfe,
        solver,
        seed,
        samples: r.agents,
        windows: r.windows,
        stride,
        skipped_windows: r.skipped,
        tiled_windows: r.tiled,
        ids,
        protocol: protocol.reduction,
        protocol_domain: m.domain,
        ade: r.ade,
        fde: r.fde,
        baseline: { name: 'constant_velocity', samples: r.agents, ade: r.baseline.ade, fde: r.baseline.fde },
        baselines: r.baselines,
        files: r.files.map((f) => ({ file: f.file, windows: f.windows, skipped_windows: f.skipped, tiled_windows: f.tiled, samples: f.agents, ade: f.ade, fde: f.fde, baseline: f.baseline, baselines: f.baselines })),
        backend: 'onnxruntime-web wasm (node)',
        workers: used,
        threads,
        seconds,
        unit: m.length_unit,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      const [a, f] = protocol.reduction === 'min' ? [`minADE${K}`, `minFDE${K}`] : [`ADE (mean of ${K})`, `FDE (mean of ${K})`];
      const rows = [['file', 'windows', protocol.scores ? 'players' : 'entities', a, f, 'CV ADE', 'CV FDE', 'frozen ADE', 'frozen FDE']];
      const row = (name: string, t: (typeof r.files)[number] | typeof r) => [
        name,
        String(t.windows),
        String(t.agents),
        fmt(t.ade),
        fmt(t.fde),
        fmt(t.baselines.constant_velocity.ade),
        fmt(t.baselines.constant_velocity.fde),
        fmt(t.baselines.frozen.ade),
        fmt(t.baselines.frozen.fde),
      ];
      for (const fr of r.files) rows.push(row(basename(fr.file), fr));
      rows.push(row('all', r));
      process.stdout.write(
        `model ${m.name}  K=${K}  NFE=${nfe}  solver=${solver}  seed=${seed}  ids=${ids}${stride > 1 ? `  stride=${stride}` : ''}  (${m.length_unit}; onnxruntime-web WASM, ${used} worker${used > 1 ? 's' : ''} x ${threads} thread${threads > 1 ? 's' : ''}, ${seconds.toFixed(1)} s)\n${protocol.description}\n${table(rows)}\n`,
      );
    }
    return 0;
  } finally {
    await model.release();
  }
}
