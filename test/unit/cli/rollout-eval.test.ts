/**
 * `lamslide eval --rollout`: a long chained rollout from the first frames of a peptide trajectory, scored against
 * that file (the demo's alanine dipeptide, made by the project's OpenMM script) with a small test model at the
 * demo's 0.5 ps. The numbers of a random test model mean nothing; the checks are that the run has the requested
 * shape, that the reference side equals the file's own φ/ψ statistics, and that bad requests are refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScene } from '../../../src/cli/load';
import { basinPopulations } from '../../../src/core/peptide/ramachandran';
import { backboneOf, torsionSeries } from '../../../src/core/peptide/torsions';
import { tinyMoleculeDims, writeTinyMoleculeModel } from '../engine/tiny-model';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'lamslide.mjs');
const demo = join(process.cwd(), 'public', 'scenes', 'alanine-dipeptide.pdb');
let root: string;
let model: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-rollout-'));
  model = join(root, 'tiny-peptide');
  await writeTinyMoleculeModel(model, { ...tinyMoleculeDims, P: 24, L: 8, C: 24 }, { frame_interval: { value: 0.5, unit: 'ps' } });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lamslide eval --rollout', { timeout: 60_000 }, () => {
  it('chains windows out to the horizon and scores φ/ψ, basins, bonds and speed against the file', async () => {
    const { stdout } = await run('node', [bin, 'eval', '--model', model, '--data', demo, '--rollout', '30 ps', '--k', '2', '--nfe', '2', '--threads', '1', '--json']);
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ model: 'tiny-molecule', k: 2, nfe: 2, frames: 60, windows: 10, ns_per_sample: 0.03, reference_frames: 100, residue: 'ALA 2' });
    expect(r.per_sample).toHaveLength(2);
    expect(r.all_samples.points).toBe(120);
    for (const key of ['js_phi', 'js_psi', 'js_phi_psi']) {
      expect(r.all_samples[key]).toBeGreaterThanOrEqual(0);
      expect(r.all_samples[key]).toBeLessThanOrEqual(1);
    }
    // the reference side is the file itself
    const scene = await readScene(demo);
    const bb = backboneOf(scene);
    if (!bb.ok) throw new Error(bb.reason);
    const q = bb.backbone.residues[0];
    const want = basinPopulations(torsionSeries(scene.positions, 22, 100, q.phi), torsionSeries(scene.positions, 22, 100, q.psi));
    for (const [k, v] of Object.entries(want)) expect(r.all_samples.reference_populations[k]).toBeCloseTo(v, 12);
    expect(r.bonds.count).toBe(21);
    expect(r.ns_per_second).toBeGreaterThan(0);
    const table = await run('node', [bin, 'eval', '--model', model, '--data', demo, '--rollout', '3 windows', '--nfe', '1', '--threads', '1']);
    expect(table.stdout).toMatch(/18 frames \(0\.009 ns, 3 chained windows\) per sample/);
    expect(table.stdout).toMatch(/^reference \(100 frames\)/m);
  });

  it('refuses a scene the model does not take, a folder of files, and a horizon beyond the limit', async () => {
    const crowd = join(process.cwd(), 'public', 'scenes', 'crossing-crowd.txt');
    const e1 = await run('node', [bin, 'eval', '--model', model, '--data', crowd, '--rollout', '10 frames']).catch((e) => e);
    expect(e1.code).not.toBe(0);
    expect(e1.stderr).toMatch(/domain: the scene is a pedestrian scene/);
    const e2 = await run('node', [bin, 'eval', '--model', model, '--data', join(process.cwd(), 'public', 'scenes'), '--rollout', '10 frames']).catch((e) => e);
    expect(e2.stderr).toMatch(/--rollout scores one trajectory file; --data .* holds \d+/);
    const e3 = await run('node', [bin, 'eval', '--model', model, '--data', demo, '--rollout', '1 s']).catch((e) => e);
    expect(e3.code).not.toBe(0);
    expect(e3.stderr).toMatch(/--rollout: horizon/);
  });
});
