/** Small helpers for the CLI's options (node:util parseArgs does the parsing). */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MAX_K, MAX_NFE, MAX_SEED } from '../core/sampler/limits';
import { isSolverName, stepsFor, type SolverName } from '../core/sampler/solvers';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An integer option in min..max (inclusive); decimal digits only, so "", "1e3" and "0x10" are refused. */
export function intOpt(v: string | undefined, name: string, def: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, got "${v}"`);
  }
  return n;
}

export function intList(v: string | undefined, name: string, def: number[]): number[] {
  if (v === undefined) return def;
  const parts = v.split(',').map((s) => s.trim());
  return parts.map((p) => intOpt(p, name, 0, 1));
}

export function fmt(n: number, digits = 3): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** Left-aligns the first column, right-aligns the rest. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/**
 * Checks an output file path before any work is done: not a directory, its folder exists (and is one), and the
 * file (or, for a new file, the folder) is writable. Each failure names the path and what is wrong.
 */
export async function checkOutPath(out: string, option = 'out'): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    st = await stat(out);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ENOENT') throw new UsageError(`--${option} ${out}: cannot be checked (${code ?? String(e)})`);
  }
  if (st?.isDirectory()) throw new UsageError(`--${option} ${out} is a directory; give a file name, e.g. ${join(out, 'futures.json')}`);
  if (st && !st.isFile()) throw new UsageError(`--${option} ${out} exists and is not a regular file`);
  const dir = dirname(resolve(out));
  let ds: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    ds = await stat(dir);
  } catch {
    throw new UsageError(`--${option} ${out}: the folder ${dir} does not exist`);
  }
  if (!ds.isDirectory()) throw new UsageError(`--${option} ${out}: ${dir} is not a folder`);
  try {
    await access(st ? out : dir, constants.W_OK);
  } catch {
    throw new UsageError(`--${option} ${out}: ${st ? 'the file' : `the folder ${dir}`} is not writable`);
  }
}

/** The sampling options common to `sample` and `eval`, checked before anything is loaded. */
export interface RunOptionValues {
  k?: string;
  nfe?: string;
  solver?: string;
  seed?: string;
}

export interface RunOptions {
  /** undefined: the caller's default (the protocol's K) */
  K: number | undefined;
  seed: number;
  /** as given; the manifest's defaults fill in the rest (resolveSettings) */
  nfe: number | undefined;
  solver: SolverName | undefined;
}

export function runOptions(v: RunOptionValues): RunOptions {
  const K = v.k === undefined ? undefined : intOpt(v.k, 'k', 1, 1, MAX_K);
  const seed = intOpt(v.seed, 'seed', 0, 0, MAX_SEED);
  const nfe = v.nfe === undefined ? undefined : intOpt(v.nfe, 'nfe', 1, 1, MAX_NFE);
  if (v.solver !== undefined && !isSolverName(v.solver)) throw new UsageError(`--solver must be euler, heun or ddim, got "${v.solver}"`);
  const solver = v.solver as SolverName | undefined;
  if (nfe !== undefined && solver !== undefined) checkSolverNfe(solver, nfe);
  return { K, seed, nfe, solver };
}

function checkSolverNfe(solver: SolverName, nfe: number): void {
  try {
    stepsFor(solver, nfe);
  } catch (e) {
    throw new UsageError(`--nfe ${nfe} with --solver ${solver}: ${(e as Error).message}`);
  }
}

/** NFE and solver of a run: the options given, else the model's defaults (a manifest's default_nfe is <= MAX_NFE). */
export function resolveSettings(o: RunOptions, sampler: { default_nfe: number; default_solver: SolverName }): { nfe: number; solver: SolverName } {
  const nfe = o.nfe ?? sampler.default_nfe;
  const solver = o.solver ?? sampler.default_solver;
  checkSolverNfe(solver, nfe);
  return { nfe, solver };
}
