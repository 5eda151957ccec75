/**
 * Rows for the plots (pure, no DOM): error and spread against the horizon per run, error and time against NFE,
 * bond-length deviations. The figures (src/ui/Plot.tsx) draw them with @observablehq/plot.
 */
import { errorVsHorizon, runSummary, sampleSpread, type BondDeviations } from '../core/run/metrics';
import type { Run } from '../core/run/run';
import { indexTime } from '../core/run/timeline';
import { backboneOf, torsionSeries, type Quad } from '../core/peptide/torsions';
import type { Scene } from '../core/scene';
import { unitLabel } from './format';

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

/** Most values a histogram gets: a long run has millions of bond lengths; every n-th of them is binned. */
export const MAX_HISTOGRAM_VALUES = 50_000;

/** Evenly strided indices 0..n-1, at most `max` of them (all when n <= max). */
export function strided(n: number, max: number): { stride: number; count: number } {
  const stride = Math.max(1, Math.ceil(n / max));
  return { stride, count: Math.ceil(n / stride) };
}

export function bondRows(b: BondDeviations): { rows: { deviation: number }[]; total: number; stride: number } {
  const { stride, count } = strided(b.deviations.length, MAX_HISTOGRAM_VALUES);
  return { rows: Array.from({ length: count }, (_, i) => ({ deviation: b.deviations[i * stride] })), total: b.deviations.length, stride };
}

/** Most points per panel of the Ramachandran plot (evenly strided beyond). */
export const MAX_RAMACHANDRAN_POINTS = 4000;

export interface RamachandranRow {
  set: string;
  phi: number;
  psi: number;
}

export interface RamachandranData {
  rows: RamachandranRow[];
  /** the residue plotted */
  residue: string;
  /** frames with φ and ψ in each panel, and every n-th of them drawn */
  reference: { label: string; points: number; stride: number };
  sampled: { label: string; points: number; stride: number } | null;
}

function pushStrided(rows: RamachandranRow[], set: string, phi: Float32Array, psi: Float32Array): { points: number; stride: number } {
  const ok: number[] = [];
  for (let i = 0; i < phi.length; i++) if (Number.isFinite(phi[i]) && Number.isFinite(psi[i])) ok.push(i);
  const { stride } = strided(ok.length, MAX_RAMACHANDRAN_POINTS);
  for (let i = 0; i < ok.length; i += stride) rows.push({ set, phi: phi[ok[i]], psi: psi[ok[i]] });
  return { points: ok.length, stride };
}

/**
 * φ/ψ of the first residue with both: of every frame of the file (the reference) and of the run's sampled
 * future frames (sample `k`, or all K pooled for null). Null when the scene is not a peptide; `sampled` is null
 * when the run did not sample every backbone atom.
 */
export function ramachandranRows(scene: Scene, run: Run | null, k: number | null): RamachandranData | null {
  const bb = backboneOf(scene);
  if (!bb.ok) return null;
  const res = bb.backbone.residues[0];
  const N = scene.entities.length;
  const rows: RamachandranRow[] = [];
  const refLabel = `reference: the file's ${scene.frameCount} frames`;
  const present = (f: number, i: number) => scene.mask[f * N + i] === 1;
  const ref = pushStrided(rows, refLabel, torsionSeries(scene.positions, N, scene.frameCount, res.phi, present), torsionSeries(scene.positions, N, scene.frameCount, res.psi, present));
  let sampled: RamachandranData['sampled'] = null;
  if (run && run.D === 3) {
    const toWindow = new Map<number, number>();
    for (const n of run.active) toWindow.set(run.entities[n], n);
    const q = (quad: Quad): Quad | null => {
      const w = quad.map((i) => toWindow.get(i));
      return w.every((x) => x !== undefined) ? (w as Quad) : null;
    };
    const phiQ = q(res.phi);
    const psiQ = q(res.psi);
    if (phiQ && psiQ) {
      const ks = k === null ? Array.from({ length: run.K }, (_, i) => i) : [k];
      const block = run.horizon * run.N * run.D;
      const phi = new Float32Array(ks.length * run.horizon);
      const psi = new Float32Array(ks.length * run.horizon);
      ks.forEach((kk, i) => {
        const pos = run.future.subarray(kk * block, (kk + 1) * block);
        phi.set(torsionSeries(pos, run.N, run.horizon, phiQ), i * run.horizon);
        psi.set(torsionSeries(pos, run.N, run.horizon, psiQ), i * run.horizon);
      });
      const label = `sampled: run #${run.id}, ${k === null ? `${run.K} samples` : `sample ${k}`} × ${run.horizon} frames`;
      sampled = { label, ...pushStrided(rows, label, phi, psi) };
    }
  }
  return { rows, residue: res.label, reference: { label: refLabel, ...ref }, sampled };
}

/** The unit of time on the horizon axis ("s", "fs", "simulation units", or "frames"). */
export function timeUnit(run: Run): string {
  return run.frameInterval.unit === 'frame' ? 'frames' : unitLabel(run.frameInterval.unit);
}
