/** `lamslide eval`: the model card's protocol on raw scene files. */
import { parseArgs } from 'node:util';
import { basename, relative } from 'node:path';
import { evaluateScenes } from '../core/sampler/evaluate';
import { isSolverName } from '../core/sampler/solvers';
import { fmt, intOpt, table, UsageError } from './args';
import { loadModelDir, readScene, sceneFiles } from './load';

export const EVAL_HELP = `lamslide eval --model models/<name> --data <file-or-folder> [options]

Evaluates a model with its protocol (CONTRACT.md): every window of every file, all observed frames known,
best-of-K minADE/minFDE per agent present in the whole window, and the constant-velocity baseline.

  --model DIR        model folder (manifest.json + three .onnx files)
  --data PATH        an ETH/UCY text file or a folder of them (searched recursively)
  --k N              samples per window (default 20)
  --nfe N            network evaluations per sample (default: the manifest's default_nfe)
  --solver S         euler | heun | ddim (default: the manifest's default_solver)
  --seed N           base seed (default 0); each window's seed is derived from it, the file and the window
  --threads N        WASM threads (default 2)
  --max-windows N    evaluate only the first N windows of each file (quick checks)
  --stride N         window stride (default: the stride of the model card's numbers, manifest
                     metrics.protocol.window_stride, else 1; 1 = every window)
  --ids A            ID assignment per window: random (default, seeded; as in training) or sequential (0..N-1,
                     as the Python evaluation does)
  --json             print one JSON object instead of the table
`;

/** The window stride the model card's numbers were measured with (manifest metrics.protocol.window_stride). */
export function cardStride(metrics: unknown): number {
  const s = (metrics as { protocol?: { window_stride?: unknown } } | undefined)?.protocol?.window_stride;
  return typeof s === 'number' && Number.isInteger(s) && s >= 1 ? s : 1;
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
      'max-windows': { type: 'string' },
      stride: { type: 'string' },
      ids: { type: 'string' },
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
  const threads = intOpt(values.threads, 'threads', 2);
  const files = await sceneFiles(values.data);
  const model = await loadModelDir(values.model, threads);
  try {
    const m = model.manifest;
    const K = intOpt(values.k, 'k', 20);
    const nfe = intOpt(values.nfe, 'nfe', m.sampler.default_nfe);
    const solver = values.solver ?? m.sampler.default_solver;
    if (!isSolverName(solver)) throw new UsageError(`--solver must be euler, heun or ddim, got "${solver}"`);
    const seed = intOpt(values.seed, 'seed', 0, -(2 ** 31));
    const maxWindows = values['max-windows'] === undefined ? undefined : intOpt(values['max-windows'], 'max-windows', 1);
    // Default to the card's protocol so that a plain `eval` on the model's val files prints the card's numbers.
    const stride = intOpt(values.stride, 'stride', cardStride(m.metrics));
    const ids = values.ids ?? 'random';
    if (ids !== 'random' && ids !== 'sequential') throw new UsageError(`--ids must be random or sequential, got "${ids}"`);
    const scenes = await Promise.all(files.map(readScene));
    const started = performance.now();
    const tty = process.stderr.isTTY;
    let lastPrint = 0;
    const r = await evaluateScenes(model, model.dims, scenes, {
      K,
      nfe,
      solver,
      seed,
      maxWindowsPerFile: maxWindows,
      stride,
      ids,
      onWindow: (done, total) => {
        const now = performance.now();
        if (now - lastPrint > (tty ? 500 : 15000) || done === total) {
          lastPrint = now;
          process.stderr.write(`${tty ? '\r' : ''}eval: ${done}/${total} windows, ${((now - started) / 1000).toFixed(0)} s${tty ? '' : '\n'}`);
        }
      },
    });
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
        ids,
        ade: r.ade,
        fde: r.fde,
        baseline: { name: 'constant_velocity', samples: r.agents, ade: r.baseline.ade, fde: r.baseline.fde },
        files: r.files.map((f) => ({ file: f.file, windows: f.windows, skipped_windows: f.skipped, samples: f.agents, ade: f.ade, fde: f.fde, baseline: f.baseline })),
        backend: 'onnxruntime-web wasm (node)',
        threads,
        seconds,
        unit: m.length_unit,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      const rows = [['file', 'windows', 'agents', `minADE${K}`, `minFDE${K}`, 'CV ADE', 'CV FDE']];
      for (const f of r.files) rows.push([basename(f.file), String(f.windows), String(f.agents), fmt(f.ade), fmt(f.fde), fmt(f.baseline.ade), fmt(f.baseline.fde)]);
      rows.push(['all', String(r.windows), String(r.agents), fmt(r.ade), fmt(r.fde), fmt(r.baseline.ade), fmt(r.baseline.fde)]);
      process.stdout.write(
        `model ${m.name}  K=${K}  NFE=${nfe}  solver=${solver}  seed=${seed}  ids=${ids}${stride > 1 ? `  stride=${stride}` : ''}  (${m.length_unit}; onnxruntime-web WASM, ${threads} thread${threads > 1 ? 's' : ''}, ${seconds.toFixed(1)} s)\n${table(rows)}\n`,
      );
    }
    return 0;
  } finally {
    await model.release();
  }
}
