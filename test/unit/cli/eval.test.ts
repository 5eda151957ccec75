/** `lamslide eval` for a molecule model in-process: the "mean over K = 5" protocol with both baselines. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeXyz } from '../../../src/core/formats/index';
import { tinyMoleculeDims, writeTinyMoleculeModel } from '../engine/tiny-model';
import { runMain, waterScene } from './helpers';

let root: string;
let mol: string;
const F = 14;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-cli-eval-'));
  mol = join(root, 'mol');
  await writeTinyMoleculeModel(mol);
  await mkdir(join(root, 'data'));
  await writeFile(join(root, 'data', 'water.xyz'), writeXyz(waterScene(F, { value: 5, unit: 'fs' })));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lamslide eval, molecule protocol', { timeout: 60_000 }, () => {
  it('averages over K = 5 samples by default and reports constant-velocity and frozen baselines', async () => {
    const r = await runMain(['eval', '--model', mol, '--data', join(root, 'data'), '--nfe', '2', '--threads', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const T = tinyMoleculeDims.observed + tinyMoleculeDims.future;
    // F - T + 1 windows, 3 atoms each
    expect(j).toMatchObject({ model: 'tiny-molecule', k: 5, nfe: 2, protocol: 'mean', protocol_domain: 'molecule', windows: F - T + 1, samples: 3 * (F - T + 1), unit: 'Å' });
    // straight lines: constant velocity is exact, frozen is not
    expect(j.baselines.constant_velocity.ade).toBeCloseTo(0, 5);
    expect(j.baseline).toMatchObject({ name: 'constant_velocity', ade: j.baselines.constant_velocity.ade });
    expect(j.baselines.frozen.ade).toBeGreaterThan(0.01);
    expect(j.baselines.frozen.fde).toBeGreaterThan(j.baselines.frozen.ade);
    expect(j.ade).toBeGreaterThan(0);
    expect(j.files[0]).toMatchObject({ file: 'water.xyz', samples: 3 * (F - T + 1) });
    const table = await runMain(['eval', '--model', mol, '--data', join(root, 'data', 'water.xyz'), '--k', '2', '--nfe', '1', '--threads', '1']);
    expect(table.stdout).toMatch(/ADE/);
    expect(table.stdout).toMatch(/ADE \(mean of 2\)\s+FDE \(mean of 2\)\s+CV ADE\s+CV FDE\s+frozen ADE\s+frozen FDE/);
    expect(table.stdout).toContain('ADE/FDE averaged over K samples');
  });

  it('gives the same JSON with one worker and with two (each window\'s seed depends on the seed and the window only)', async () => {
    const args = ['eval', '--model', mol, '--data', join(root, 'data'), '--nfe', '2', '--threads', '1', '--json'];
    const one = await runMain([...args, '--workers', '1']);
    const two = await runMain([...args, '--workers', '2']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const strip = (s: string) => {
      const { seconds: _s, workers, ...rest } = JSON.parse(s);
      void _s;
      return { workers, rest };
    };
    const a = strip(one.stdout);
    const b = strip(two.stdout);
    expect([a.workers, b.workers]).toEqual([1, 2]);
    expect(b.rest).toEqual(a.rest);
    expect(a.rest.windows).toBeGreaterThan(2);
    const bad = await runMain([...args, '--workers', '0']);
    expect([bad.code, bad.stderr.includes('--workers must be an integer in 1..64, got "0"')]).toEqual([2, true]);
  });

  it('refuses files that do not fit the model, and limits before loading', async () => {
    await writeFile(join(root, 'walk.txt'), '0\t1\t0\t0\n10\t1\t1\t1\n');
    const r = await runMain(['eval', '--model', mol, '--data', join(root, 'walk.txt'), '--threads', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('walk.txt does not fit model tiny-molecule');
    const k = await runMain(['eval', '--model', join(root, 'nope'), '--data', join(root, 'walk.txt'), '--k', '5000']);
    expect([k.code, k.stderr.includes('--k must be an integer in 1..1000, got "5000"')]).toEqual([2, true]);
  });
});
