/**
 * Rows for the plots (pure, no DOM): error and spread against the horizon per run, error and time against NFE,
 * bond-length deviations. The figures (src/ui/Plot.tsx) draw them with @observablehq/plot.
 */
import { bondDeviations, errorVsHorizon, runSummary, sampleSpread } from '../core/run/metrics';
import type { Run } from '../core/run/run';
import { indexTime } from '../core/run/timeline';
import type { Scene } from '../core/scene';

export interface HorizonRow {
  run: string;
  /** future frame 1..horizon */
  frame: number;
  /** time after "now" in the scene's unit */
  time: number;
  value: number;
}

export function horizonRows(runs: Run[], what: 'error' | 'spread'): HorizonRow[] {
  const out: HorizonRow[] = [];
  for (const r of runs) {
    const v = what === 'error' ? errorVsHorizon(r) : sampleSpread(r);
    v.forEach((value, j) => {
      if (Number.isFinite(value)) out.push({ run: shortLabel(r), frame: j + 1, time: indexTime(j + 1, r.frameInterval), value });
    });
  }
  return out;
}

/** A run's name in plot legends: id, NFE and solver. */
export function shortLabel(r: Run): string {
  return `#${r.id} NFE ${r.settings.nfe} ${r.settings.solver}`;
}

export interface NfeRow {
  nfe: number;
  solver: string;
  ms: number;
  ade: number | null;
  fde: number | null;
  run: number;
}

export function nfeRows(runs: Run[]): NfeRow[] {
  return runs
    .map((r) => {
      const s = runSummary(r);
      return { nfe: r.settings.nfe, solver: r.settings.solver, ms: r.timing.ms, ade: s?.ade ?? null, fde: s?.fde ?? null, run: r.id };
    })
    .sort((a, b) => a.nfe - b.nfe);
}

/** NFE rows in long form for a plot with one line per measure. */
export function nfeLongRows(rows: NfeRow[]): { nfe: number; measure: string; value: number }[] {
  const out: { nfe: number; measure: string; value: number }[] = [];
  for (const r of rows) {
    out.push({ nfe: r.nfe, measure: 'ms', value: r.ms });
    if (r.ade !== null) out.push({ nfe: r.nfe, measure: 'minADE', value: r.ade });
    if (r.fde !== null) out.push({ nfe: r.nfe, measure: 'minFDE', value: r.fde });
  }
  return out;
}

export function bondRows(run: Run, scene: Scene): { deviation: number }[] | null {
  const b = bondDeviations(run, scene);
  if (!b) return null;
  return Array.from(b.deviations, (deviation) => ({ deviation }));
}

/** The unit of time on the horizon axis ("s", "fs", or "frames"). */
export function timeUnit(run: Run): string {
  return run.frameInterval.unit === 'frame' ? 'frames' : run.frameInterval.unit;
}
