/** The `lamslide` command: eval | sample | bench (see bin/lamslide.mjs for how it is started). */
import { MAX_K, MAX_NFE, MAX_SEED } from '../core/sampler/limits';
import { UsageError } from './args';

export const HELP = `lamslide: sample possible futures of spatial dynamical systems with LaM-SLidE models (onnxruntime-web WASM in Node)

Usage:
  lamslide eval   --model models/<name> --data <file-or-folder> [--k K] [--nfe N] [--solver ddim] [--seed 0] [--convert] [--json]
  lamslide sample --model models/<name> --scene <file> [--now FRAME] [--k 20] [--nfe N] [--seed 0] [--convert]
                  [--out file.json|file.csv|file.xyz|file.pdb]
  lamslide bench  [--model models/<name>] [--quick]
  lamslide <command> --help     options of one command

Limits: K <= ${MAX_K}, NFE <= ${MAX_NFE}, seeds 0..${MAX_SEED}.
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'eval':
        return await (await import('./eval')).runEval(rest);
      case 'sample':
        return await (await import('./sample')).runSample(rest);
      case 'bench':
        return await (await import('./bench')).runBench(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return cmd === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`lamslide: ${e.message}\n\n${HELP}`);
      return 2;
    }
    process.stderr.write(`lamslide: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
