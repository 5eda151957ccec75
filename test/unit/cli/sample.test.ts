/**
 * `lamslide sample` in-process (main() with captured output; the subprocess path is covered in cli.test.ts):
 * option limits and --out checked before anything is loaded, the scene checked against the model, conversions,
 * 3-D output as multi-frame XYZ and multi-MODEL PDB, and the refusal of non-finite samples.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPdb, readXyz, writeCsv, writeEthUcy, writeXyz } from '../../../src/core/formats/index';
import { runMain, waterScene } from './helpers';
import { nonFiniteDecoder, tinyDims, tinyGraphs, tinyManifest, tinyMoleculeDims, writeTinyMoleculeModel } from '../engine/tiny-model';

let root: string;
let mol: string;
let bad: string;
let water: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-cli-sample-'));
  mol = join(root, 'mol');
  await writeTinyMoleculeModel(mol);
  bad = join(root, 'bad');
  await mkdir(bad);
  const g = { ...tinyGraphs(), decoder: nonFiniteDecoder() };
  for (const [k, b] of Object.entries(g)) await writeFile(join(bad, `${k}.onnx`), b);
  await writeFile(join(bad, 'manifest.json'), JSON.stringify(await tinyManifest(g)));
  water = join(root, 'water.xyz');
  await writeFile(water, writeXyz(waterScene(12, { value: 5, unit: 'fs' })));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const T = tinyMoleculeDims.observed + tinyMoleculeDims.future;
const base = () => ['sample', '--model', mol, '--scene', water, '--now', '5', '--k', '3', '--nfe', '2', '--seed', '7', '--threads', '1'];

describe('lamslide sample: limits and --out, before anything is loaded', () => {
  // --model and --scene do not exist: the option must be refused before either is read.
  const early = (extra: string[]) => runMain(['sample', '--model', join(root, 'nope'), '--scene', join(root, 'nope.xyz'), ...extra]);

  it('refuses K, NFE and seeds outside their stated ranges, and heun with NFE < 2', async () => {
    for (const [args, msg] of [
      [['--k', '1001'], '--k must be an integer in 1..1000, got "1001"'],
      [['--k', '0'], '--k must be an integer in 1..1000, got "0"'],
      [['--nfe', '100000'], '--nfe must be an integer in 1..1000, got "100000"'],
      [['--seed=-1'], '--seed must be an integer in 0..4294967295, got "-1"'],
      [['--seed', '4294967296'], '--seed must be an integer in 0..4294967295, got "4294967296"'],
      [['--seed', '1e3'], '--seed must be an integer in 0..4294967295, got "1e3"'],
      [['--solver', 'heun', '--nfe', '1'], '--nfe 1 with --solver heun: the heun solver needs NFE >= 2'],
    ] as const) {
      const r = await early([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  it('checks --out: a missing folder, a directory, an unknown format (and, when not root, a read-only folder)', async () => {
    const missing = await early(['--out', join(root, 'no', 'such', 'dir', 'f.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`the folder ${join(root, 'no', 'such', 'dir')} does not exist`);
    const dir = await early(['--out', root]);
    expect(dir.stderr).toContain(`--out ${root} is a directory; give a file name`);
    const ext = await early(['--out', join(root, 'f.txt')]);
    expect(ext.stderr).toContain('unknown format; use .json, .csv, .xyz (.extxyz) or .pdb');
    if (process.getuid?.() !== 0) {
      const ro = join(root, 'ro');
      await mkdir(ro, { mode: 0o555 });
      expect((await early(['--out', join(ro, 'f.json')])).stderr).toContain(`the folder ${ro} is not writable`);
    }
    // and the model/scene problem comes only once the options are fine
    expect((await early(['--out', join(root, 'ok.json')])).stderr).toMatch(/nope\.xyz/);
  });
});

describe('lamslide sample: 3-D output', () => {
  it('writes all K samples as multi-frame extended XYZ, each comment line naming sample, step and time', async () => {
    const jsonOut = join(root, 'f.json');
    const xyzOut = join(root, 'f.xyz');
    expect((await runMain([...base(), '--out', jsonOut])).code).toBe(0);
    const r = await runMain([...base(), '--out', xyzOut]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(await readFile(jsonOut, 'utf8'));
    const text = await readFile(xyzOut, 'utf8');
    const s = readXyz('f.xyz', text);
    const H = tinyMoleculeDims.future;
    expect(s.frameCount).toBe(3 * H);
    expect(s.entities.map((e) => e.element)).toEqual(['O', 'H', 'H']);
    const comments = text.split('\n').filter((_, i) => i % 5 === 1);
    expect(comments[0]).toMatch(/frame=6 dt=5 dt_unit=fs sample=0 step=1 time=5 time_unit=fs$/);
    expect(comments[H + 2]).toMatch(/ sample=1 step=3 time=15 time_unit=fs$/);
    for (let k = 0; k < 3; k++) for (let f = 0; f < H; f++) for (let n = 0; n < 3; n++) for (let d = 0; d < 3; d++) {
      expect(s.positions[((k * H + f) * 3 + n) * 3 + d]).toBeCloseTo(j.samples[k][f][n][d], 4);
    }
    // the futures stay near the molecule (the test model predicts the conditioning plus a small term)
    expect(Math.max(...Array.from(s.positions, Math.abs))).toBeLessThan(5);
  });

  it('writes multi-MODEL PDB: MODEL m = sample (m-1) div horizon, with REMARK lines saying so', async () => {
    const out = join(root, 'f.pdb');
    const r = await runMain([...base(), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    const H = tinyMoleculeDims.future;
    expect(text.split('\n').slice(2, 4)).toEqual([`REMARK   1 MODEL m = sample (m-1) div ${H}, step (m-1) mod ${H} + 1`, 'REMARK   1 step j is j x 5 fs after now']);
    expect(text.split('\n').every((l) => l.length <= 80)).toBe(true);
    const s = readPdb('f.pdb', text);
    expect(s.frameCount).toBe(3 * tinyMoleculeDims.future);
    const x = readXyz('f.xyz', await readFile(join(root, 'f.xyz'), 'utf8'));
    for (let i = 0; i < s.positions.length; i++) expect(s.positions[i]).toBeCloseTo(x.positions[i], 2);
  });

  it('says the layouts and limits in --help', async () => {
    const r = await runMain(['sample', '--help']);
    expect(r.stdout).toMatch(/\.xyz\s+multi-frame extended XYZ/);
    expect(r.stdout).toMatch(/\.pdb\s+multi-MODEL PDB/);
    expect(r.stdout).toMatch(/--k N\s+samples, 1\.\.1000/);
    expect(r.stdout).toMatch(/--nfe N\s+network evaluations per sample, 1\.\.1000/);
  });
});

describe('lamslide sample: the scene against the model', () => {
  it('refuses a scene of another domain, naming both values', async () => {
    const eth = join(root, 'walk.txt');
    await writeFile(eth, writeEthUcy({ ...waterScene(T, { value: 5, unit: 'fs' }), kind: 'pedestrian', dim: 2, positions: new Float32Array(T * 3 * 2).map((_, i) => i / 7), lengthUnit: 'm', frameLabels: Array.from({ length: T }, (_, f) => f * 10), frameInterval: { value: 0.4, unit: 's' } }));
    const r = await runMain(['sample', '--model', mol, '--scene', eth, '--threads', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('walk.txt does not fit model tiny-molecule:');
    expect(r.stderr).toContain('domain: the scene is a pedestrian scene, model tiny-molecule is a molecule model (scene: pedestrian; model: molecule)');
    expect(r.stderr).toContain('dims: the scene is 2-D, model tiny-molecule is 3-D (scene: 2-D; model: 3-D)');
    expect(r.stderr).toContain("length_unit: the scene's lengths are in m, model tiny-molecule takes Å");
  });

  it('offers conversions (nm -> Å, every n-th frame) and applies them with --convert, printing them', async () => {
    const csv = join(root, 'water-nm.csv');
    // 0.5 fs apart in nm: the model steps 5 fs in Å
    await writeFile(csv, writeCsv(waterScene(10 * 12, { value: 0.5, unit: 'fs' }, 'nm', 0.1)));
    const args = ['sample', '--model', mol, '--scene', csv, '--now', '50', '--k', '2', '--nfe', '1', '--threads', '1'];
    const refused = await runMain([...args, '--out', join(root, 'c.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('water-nm.csv fits model tiny-molecule only after converting: lengths nm -> Å (x 10); 1 frame in 10 kept (0.5 fs -> 5 fs apart). Pass --convert to accept.');
    expect(existsSync(join(root, 'c.json'))).toBe(false);
    const ok = await runMain([...args, '--convert', '--out', join(root, 'c.json')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('converted: lengths nm -> Å (x 10); 1 frame in 10 kept');
    const j = JSON.parse(await readFile(join(root, 'c.json'), 'utf8'));
    expect(j).toMatchObject({ unit: 'Å', now: 50, frame_interval: { value: 5, unit: 'fs' }, frames: [60, 70, 80, 90, 100, 110] });
    const dropped = await runMain([...args.map((a) => (a === '50' ? '55' : a)), '--convert']);
    expect(dropped.stderr).toContain('--now 55: no such frame id in water-nm.csv (frame 55 was dropped by the conversion)');
  });

  it('a scene without an interval takes the model\'s, and says so', async () => {
    const pdb = join(root, 'one.xyz');
    await writeFile(pdb, writeXyz({ ...waterScene(1, { value: 5, unit: 'fs' }), frameInterval: { value: 1, unit: 'frame' } }));
    const r = await runMain(['sample', '--model', mol, '--scene', pdb, '--k', '1', '--nfe', '1', '--threads', '1', '--out', join(root, 'one.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("one.xyz: interval: the scene states no frame interval; 5 fs (the model's) is used");
    expect(JSON.parse(await readFile(join(root, 'one.json'), 'utf8')).known).toBe(1);
  });
});

describe('lamslide sample: non-finite samples', () => {
  it('are refused with a non-zero exit code, and nothing is written', async () => {
    const eth = join(root, 'walk2.txt');
    const Tt = tinyDims.observed + tinyDims.future;
    await writeFile(eth, Array.from({ length: Tt }, (_, f) => `${f * 10}\t1\t${f * 0.4}\t1.0\n${f * 10}\t2\t3.0\t${f * 0.3}`).join('\n') + '\n');
    const out = join(root, 'nan.json');
    const r = await runMain(['sample', '--model', bad, '--scene', eth, '--now', '20', '--k', '2', '--nfe', '1', '--threads', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the sampled future is not finite \((Infinity|NaN) at sample 0, future frame 0, entity 0, coordinate 0\); nothing is returned/);
    expect(existsSync(out)).toBe(false);
  });
});
