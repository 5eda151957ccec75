import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel, writeTinyMoleculeModel, type TinyDims } from '../engine/tiny-model';

const run = promisify(execFile);
const dims: TinyDims = { D: 2, L: 2, C: 4, P: 16, observed: 8, future: 12 };
let root: string;
let modelDir: string;
let dataFile: string;

/** Three walkers on straight lines (so constant velocity is exact), frame ids step 10 with one gap. */
function ethText(): string {
  const rows: string[] = [];
  for (let f = 0; f < 26; f++) {
    const fid = f < 13 ? f * 10 : f * 10 + 50; // gap of 6 steps: not special for windows
    for (let p = 0; p < 3; p++) {
      if (p === 2 && f < 5) continue;
      rows.push(`${fid}.0\t${p + 1}.0\t${(0.4 * f + p).toFixed(2)}\t${(p - 0.1 * f).toFixed(2)}`);
    }
  }
  return rows.join('\n') + '\n';
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-cli-'));
  modelDir = join(root, 'tiny');
  await writeTinyModel(modelDir, dims);
  await mkdir(join(root, 'data'));
  dataFile = join(root, 'data', 'walk.txt');
  await writeFile(dataFile, ethText());
});
afterAll(() => rm(root, { recursive: true, force: true }));

const bin = join(process.cwd(), 'bin', 'lamslide.mjs');

describe('lamslide CLI', { timeout: 60_000 }, () => {
  it('prints help, also through npx from the repository root', async () => {
    const { stdout } = await run('node', [bin, '--help']);
    expect(stdout).toMatch(/lamslide eval\s+--model/);
    const viaNpx = await run('npx', ['--no-install', 'lamslide', '--help'], { cwd: process.cwd() });
    expect(viaNpx.stdout).toMatch(/lamslide eval\s+--model/);
  });

  it('bench prints its table (smoke run, timings not checked)', async () => {
    const { stdout } = await run('node', [bin, 'bench', '--model', modelDir, '--quick', '--no-torch', '--nfe', '1,2', '--n', '8', '--k', '1', '--threads', '1']);
    expect(stdout).toMatch(/^NFE\s+WASM 1t ms\s+PyTorch ms/m);
    expect(stdout).toMatch(/^2\s+[\d.]+\s+n\/a/m);
    expect(stdout).toMatch(/peak \(WASM 1t\): in-memory ONNX MatMul/);
    expect(stdout).toMatch(/PyTorch column: skipped/);
  });

  it('bench --chain times a long chained rollout as generated time per second, for molecular time units only', async () => {
    const mol = join(root, 'tiny-molecule');
    await writeTinyMoleculeModel(mol);
    const { stdout } = await run('node', [bin, 'bench', '--model', mol, '--quick', '--no-torch', '--nfe', '1', '--n', '4', '--k', '1', '--threads', '1', '--chain', '30', '--chain-n', '5']);
    expect(stdout).toMatch(/long trajectories: one sample of 30 frames/);
    expect(stdout).toMatch(/^onnxruntime-web WASM \(Node\)\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+/m);
    // no models/training beside the temporary model folder: the PyTorch and OpenMM rows say why they are missing
    expect(stdout).toMatch(/PyTorch \/ OpenMM rows: unavailable: .*lamslide_train not found/);
    const bad = await run('node', [bin, 'bench', '--model', modelDir, '--quick', '--no-torch', '--chain', '30']).catch((e) => e);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--chain: model tiny's frames are [\d.]+ s apart; generated time per second needs fs, ps or ns/);
  });

  it('eval --json follows the protocol and reports the baseline', async () => {
    const { stdout } = await run('node', [bin, 'eval', '--model', modelDir, '--data', dataFile, '--k', '3', '--nfe', '2', '--threads', '1', '--json']);
    const r = JSON.parse(stdout);
    // 26 distinct frames, T = 20 -> 7 windows; walkers 1, 2 in all of them, walker 3 from frame 5 -> in windows 5, 6
    expect(r).toMatchObject({ model: 'tiny', k: 3, nfe: 2, windows: 7, samples: 16 });
    expect(r.baseline.ade).toBeCloseTo(0, 5);
    expect(r.baseline.fde).toBeCloseTo(0, 5);
    expect(r.ade).toBeGreaterThan(0);
    expect(Number.isFinite(r.fde)).toBe(true);
  });

  it('eval is reproducible and prints a table', async () => {
    const a = await run('node', [bin, 'eval', '--model', modelDir, '--data', join(root, 'data'), '--k', '2', '--nfe', '1', '--threads', '1']);
    expect(a.stdout).toMatch(/walk\.txt\s+7\s+16/);
    const b = await run('node', [bin, 'eval', '--model', modelDir, '--data', join(root, 'data'), '--k', '2', '--nfe', '1', '--threads', '1']);
    expect(b.stdout.split('\n').slice(1)).toEqual(a.stdout.split('\n').slice(1));
  });

  it('sample writes JSON and CSV', async () => {
    const out = join(root, 's.json');
    await run('node', [bin, 'sample', '--model', modelDir, '--scene', dataFile, '--now', '70', '--k', '4', '--nfe', '2', '--horizon', '15', '--out', out, '--threads', '1']);
    const j = JSON.parse(await readFile(out, 'utf8'));
    expect(j).toMatchObject({ now: 70, k: 4, horizon: 15, known: 8, entities: ['1', '2', '3'] });
    expect(j.samples.length).toBe(4);
    expect(j.samples[0].length).toBe(15);
    expect(j.samples[0][0].length).toBe(3);
    expect(j.frames.slice(0, 6)).toEqual([80, 90, 100, 110, 120, 180]);
    const csv = join(root, 's.csv');
    await run('node', [bin, 'sample', '--model', modelDir, '--scene', dataFile, '--now', '20', '--k', '2', '--nfe', '1', '--out', csv, '--threads', '1']);
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('sample,frame,id,x,y');
    expect(lines.length).toBe(1 + 2 * 12 * 2); // walker 3 not yet seen at frame 20
  });

  it('fails clearly', async () => {
    await expect(run('node', [bin, 'eval', '--model', join(root, 'nope'), '--data', dataFile])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/manifest\.json: missing/) });
    await expect(run('node', [bin, 'eval', '--data', dataFile])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--model is required/) });
    await expect(run('node', [bin, 'sample', '--model', modelDir, '--scene', dataFile, '--now', '75'])).rejects.toMatchObject({ stderr: expect.stringMatching(/no such frame id/) });
  });
});

describe('cardStride', () => {
  it('reads the stride of the card numbers from the manifest, else 1', async () => {
    const { cardStride } = await import('../../../src/cli/eval');
    expect(cardStride({ protocol: { window_stride: 10 } })).toBe(10);
    expect(cardStride({ protocol: {} })).toBe(1);
    expect(cardStride(undefined)).toBe(1);
    expect(cardStride({ protocol: { window_stride: 0 } })).toBe(1);
    expect(cardStride({ protocol: { window_stride: 2.5 } })).toBe(1);
  });
});
