import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollout } from '../../../src/core/sampler/rollout';
import { ModelLoadError } from '../../../src/engine/errors';
import { bucketUp, BATCH_BUCKETS, entityBuckets, OnnxModel } from '../../../src/engine/model';
import { FileModelSource } from '../../../src/engine/node-source';
import { tinyDims, tinyGraphs, tinyManifest, writeTinyModel } from './tiny-model';

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-engine-'));
  dir = join(root, 'tiny');
  await writeTinyModel(dir);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyModel(name: string): Promise<string> {
  const d = join(root, name);
  await writeTinyModel(d);
  return d;
}

async function loadError(d: string): Promise<ModelLoadError> {
  try {
    const m = await OnnxModel.load(new FileModelSource(d), { backend: 'wasm' });
    await m.release();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('expected the load to fail');
}

describe('buckets', () => {
  it('rounds up to the next bucket', () => {
    expect(bucketUp(3, [4, 8])).toBe(4);
    expect(bucketUp(8, [4, 8])).toBe(8);
    expect(bucketUp(9, [4, 8])).toBe(16);
    expect(BATCH_BUCKETS.slice(0, 8)).toEqual([1, 2, 4, 5, 8, 10, 16, 20]);
    expect(bucketUp(400, BATCH_BUCKETS)).toBe(512);
    expect(entityBuckets(96)).toEqual([4, 8, 16, 32, 64, 96]);
    expect(entityBuckets(10)).toEqual([4, 8, 10]);
  });
});

describe('model loading', () => {
  it('loads a folder, checks it, and runs on WASM in Node', async () => {
    const m = await OnnxModel.load(new FileModelSource(dir), { backend: 'auto' });
    expect(m.backend).toBe('wasm');
    expect(m.graphs.encoder.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.dims).toMatchObject({ D: 2, L: 2, C: 4, P: 12, observed: 3, future: 4 });
    const lat = await m.encode(new Float32Array([0.1, 0.2, 0.3, 0.4]), Int32Array.from([1, 2]), Float32Array.from([1, 1]), 1, 2);
    expect(lat.length).toBe(8);
    await m.release();
  });

  it('names a missing file', async () => {
    const d = await copyModel('missing');
    await unlink(join(d, 'decoder.onnx'));
    const e = await loadError(d);
    expect(e.problem).toBe('missing');
    expect(e.message).toMatch(/decoder\.onnx: missing/);
    const d2 = await copyModel('nomanifest');
    await unlink(join(d2, 'manifest.json'));
    expect((await loadError(d2)).message).toMatch(/manifest\.json: missing/);
  });

  it('names a corrupt file (hash mismatch)', async () => {
    const d = await copyModel('corrupt');
    const b = await readFile(join(d, 'approximator.onnx'));
    b[b.length - 5] ^= 0xff;
    await writeFile(join(d, 'approximator.onnx'), b);
    const e = await loadError(d);
    expect(e.problem).toBe('corrupt');
    expect(e.message).toMatch(/approximator\.onnx: corrupt: sha256 is [0-9a-f]{64}, the manifest says/);
  });

  it('names a graph that does not match the manifest', async () => {
    const d = await copyModel('mismatch');
    // graphs built for C = 4, manifest claims C = 6
    const m = await tinyManifest(tinyGraphs(), tinyDims, { latent: { L: 2, C: 6 } });
    await writeFile(join(d, 'manifest.json'), JSON.stringify(m));
    const e = await loadError(d);
    expect(e.problem).toBe('mismatch');
    expect(e.message).toMatch(/encoder\.onnx: does not match the manifest: output "latent" has shape \[B,2,4\], the manifest implies \[\?,2,6\]/);
    // a graph in the wrong slot: decoder bytes where the encoder should be
    const d2 = await copyModel('swapped');
    const g = tinyGraphs();
    await writeFile(join(d2, 'encoder.onnx'), g.decoder);
    const m2 = await tinyManifest({ ...g, encoder: g.decoder });
    await writeFile(join(d2, 'manifest.json'), JSON.stringify(m2));
    const e2 = await loadError(d2);
    expect(e2.message).toMatch(/encoder\.onnx: does not match the manifest: inputs "pos", "mask" missing/);
  });

  it('names a bad manifest field', async () => {
    const d = await copyModel('badmanifest');
    const m = JSON.parse(await readFile(join(d, 'manifest.json'), 'utf8'));
    m.frames.window = 99;
    await writeFile(join(d, 'manifest.json'), JSON.stringify(m));
    const e = await loadError(d);
    expect(e.problem).toBe('manifest');
    expect(e.message).toMatch(/manifest\.json: frames\.window \(99\) must equal observed \+ future/);
    await writeFile(join(d, 'manifest.json'), '{not json');
    expect((await loadError(d)).message).toMatch(/manifest\.json: not valid JSON/);
  });
});

describe('bucketing', () => {
  it('padded shapes (unused IDs, mask 0, repeated rows) give the same rollout as exact shapes', async () => {
    const exact = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm', bucketing: 'never' });
    const padded = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm', bucketing: 'always' });
    const T = tinyDims.observed + tinyDims.future;
    const N = 3;
    const pos = new Float32Array(T * N * 2).map((_, i) => Math.sin(i));
    const mask = new Float32Array(T * N).fill(1);
    mask[1] = 0;
    const opts = { K: 3, nfe: 3, solver: 'heun' as const, seed: 11, horizon: 6 };
    const a = await rollout(exact, exact.dims, { T, N, D: 2, pos, mask }, opts);
    const b = await rollout(padded, padded.dims, { T, N, D: 2, pos, mask }, opts);
    let maxDiff = 0;
    for (let i = 0; i < a.future.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.future[i] - b.future[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    await exact.release();
    await padded.release();
  });

  it('serialises concurrent runs on one session', async () => {
    const m = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm' });
    const runs = Array.from({ length: 6 }, (_, i) => m.decode(new Float32Array(8).fill(i / 10), Int32Array.from([i, i + 1]), 1, 2));
    const outs = await Promise.all(runs);
    const again = await m.decode(new Float32Array(8).fill(0.3), Int32Array.from([3, 4]), 1, 2);
    expect(Array.from(outs[3])).toEqual(Array.from(again));
    await m.release();
  });
});
