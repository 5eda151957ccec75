/**
 * `lamslide eval --rollout H`: a long chained rollout from the first frames of a peptide trajectory, scored against
 * that trajectory as the reference MD (the ala2 card's long-rollout metrics, src/core/peptide/ramachandran.ts):
 * φ/ψ Jensen-Shannon distances, basin populations, bond stability, and generated time per wall-clock second.
 */
import { relative } from 'node:path';
import { inferBonds } from '../core/elements';
import { bondStability, compareTorsions, meanBondLengths, BASINS, BASIN_LABELS, type TorsionComparison } from '../core/peptide/ramachandran';
import { backboneOf, torsionSeries } from '../core/peptide/torsions';
import { intervalNanoseconds, parseHorizon } from '../core/run/horizon';
import { rollout } from '../core/sampler/rollout';
import { sceneSampleWindow } from '../core/sampler/scene-sample';
import type { Scene } from '../core/scene';
import type { OnnxModel } from '../engine/model';
import { fmt, table, UsageError } from './args';

export interface RolloutEvalOptions {
  horizon: string;
  K: number;
  nfe: number;
  solver: 'euler' | 'heun' | 'ddim';
  seed: number;
  json: boolean;
  file: string;
  threads: number;
}

/** Torsions of every frame of a [frames, N, 3] array for one residue. */
function torsions(pos: ArrayLike<number>, N: number, frames: number, q: { phi: [number, number, number, number]; psi: [number, number, number, number] }) {
  return { phi: torsionSeries(pos, N, frames, q.phi), psi: torsionSeries(pos, N, frames, q.psi) };
}

export async function rolloutEval(model: OnnxModel, scene: Scene, o: RolloutEvalOptions): Promise<string> {
  const m = model.manifest;
  const dims = model.dims;
  const bb = backboneOf(scene);
  if (!bb.ok) throw new UsageError(`--rollout scores φ/ψ, but ${scene.name} has no peptide backbone: ${bb.reason}`);
  const res = bb.backbone.residues[0];
  const dtNs = intervalNanoseconds(scene.frameInterval);
  if (dtNs === undefined) {
    throw new UsageError(`--rollout: ${scene.name} has frames ${scene.frameInterval.value} ${scene.frameInterval.unit} apart; generated time needs fs, ps or ns`);
  }
  const h = parseHorizon(o.horizon, scene.frameInterval, dims.future);
  if (!h.ok) throw new UsageError(`--rollout: ${h.error}`);
  const N = scene.entities.length;
  for (let k = 0; k < scene.mask.length; k++) {
    if (!scene.mask[k]) throw new UsageError(`--rollout: ${scene.name} must hold every atom in every frame (frame ${scene.frameLabels[Math.floor(k / N)]}, atom ${k % N} is missing)`);
  }
  if (scene.frameCount < dims.observed) throw new UsageError(`--rollout: ${scene.name} has ${scene.frameCount} frames, fewer than the ${dims.observed} known frames a start needs`);
  // The start: the file's first `observed` frames; the reference: all of its frames.
  const w = sceneSampleWindow(scene, dims, dims.observed - 1, m);
  if (w.window.N !== N) throw new UsageError(`--rollout: ${w.window.N} of ${N} atoms are in the start frames`);
  const started = performance.now();
  const r = await rollout(model, dims, w.window, { K: o.K, nfe: o.nfe, solver: o.solver, seed: o.seed, horizon: h.frames });
  const seconds = (performance.now() - started) / 1000;
  const ref = torsions(scene.positions, N, scene.frameCount, res);
  const perSample: TorsionComparison[] = [];
  const allPhi = new Float32Array(o.K * h.frames);
  const allPsi = new Float32Array(o.K * h.frames);
  // the viewer's bonds (covalent radii + tolerance) on the first frame
  const bonds = inferBonds(scene, 0);
  const refLen = meanBondLengths(scene.positions, N, scene.frameCount, bonds);
  const stab = [];
  for (let k = 0; k < o.K; k++) {
    const traj = r.future.subarray(k * h.frames * N * 3, (k + 1) * h.frames * N * 3);
    const t = torsions(traj, N, h.frames, res);
    perSample.push(compareTorsions(t.phi, t.psi, ref.phi, ref.psi));
    allPhi.set(t.phi, k * h.frames);
    allPsi.set(t.psi, k * h.frames);
    stab.push(bondStability(traj, N, h.frames, bonds, refLen));
  }
  const all = compareTorsions(allPhi, allPsi, ref.phi, ref.psi);
  const generatedNs = o.K * h.frames * dtNs;
  const out = {
    model: m.name,
    reference: relative(process.cwd(), o.file) || o.file,
    reference_frames: scene.frameCount,
    residue: res.label,
    k: o.K,
    nfe: o.nfe,
    solver: o.solver,
    seed: o.seed,
    frames: h.frames,
    windows: h.windows,
    ns_per_sample: h.frames * dtNs,
    all_samples: all,
    per_sample: perSample,
    bonds: {
      count: bonds.length,
      tolerance: 0.15,
      kept_fraction: stab.filter((s) => s.kept).length / stab.length,
      frames_within: stab.reduce((a, s) => a + s.frames_within, 0) / stab.length,
      max_deviation: Math.max(...stab.map((s) => s.max_deviation)),
    },
    seconds,
    ns_per_second: generatedNs / seconds,
    backend: 'onnxruntime-web wasm (node)',
    threads: o.threads,
  };
  if (o.json) return `${JSON.stringify(out)}\n`;
  const pops = (p: TorsionComparison['populations']) => BASINS.map((b) => fmt(p[b], 3)).join(' / ');
  const rows = [['trajectory', 'JSD φ', 'JSD ψ', 'JSD φ/ψ', `populations ${BASINS.map((b) => BASIN_LABELS[b]).join(' / ')}`, 'largest error']];
  rows.push([`all ${o.K} samples`, fmt(all.js_phi, 3), fmt(all.js_psi, 3), fmt(all.js_phi_psi, 3), pops(all.populations), fmt(all.max_population_error, 3)]);
  perSample.forEach((s, k) => rows.push([`sample ${k}`, fmt(s.js_phi, 3), fmt(s.js_psi, 3), fmt(s.js_phi_psi, 3), pops(s.populations), fmt(s.max_population_error, 3)]));
  rows.push([`reference (${scene.frameCount} frames)`, '0', '0', '0', pops(all.reference_populations), '0']);
  return [
    `model ${m.name}  K=${o.K}  NFE=${o.nfe}  solver=${o.solver}  seed=${o.seed}  ${h.frames} frames (${fmt(h.frames * dtNs, 3)} ns, ${h.windows} chained windows) per sample from the first ${dims.observed} frames of ${out.reference}`,
    `φ/ψ of ${res.label} against the file's ${scene.frameCount} frames (Jensen-Shannon distance, base 2; 100 bins per angle, 50 × 50 jointly)`,
    table(rows),
    `bonds (${bonds.length}, the viewer's bonds from covalent radii on the first frame; reference = the file's mean length): ${fmt(out.bonds.kept_fraction, 2)} of the samples keep every bond within ±15 % in every frame; largest deviation ${fmt(100 * out.bonds.max_deviation, 1)} %`,
    `speed: ${fmt(generatedNs, 3)} ns generated in ${fmt(seconds, 1)} s = ${fmt(out.ns_per_second, 4)} ns/s (${fmt(out.ns_per_second * 86400, 0)} ns/day; onnxruntime-web WASM, ${o.threads} thread${o.threads > 1 ? 's' : ''})`,
    '',
  ].join('\n');
}
