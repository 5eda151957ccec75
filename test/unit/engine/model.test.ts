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

describe('rollout traces on a real graph', () => {
  it('the last recorded prediction is what the DDIM update used, and the latents decode to the returned future', async () => {
    const m = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm' });
    const calls: { x: Float32Array; t: number; x1: Float32Array }[] = [];
    const spy = {
      encode: m.encode.bind(m),
      decode: m.decode.bind(m),
      approximate: async (x: Float32Array, t: Float32Array, c: Float32Array, cm: Int32Array, B: number) => {
        const x1 = await m.approximate(x, t, c, cm, B);
        calls.push({ x: x.slice(), t: t[0], x1: x1.slice() });
        return x1;
      },
    };
    const T = tinyDims.observed + tinyDims.future;
    const N = 3;
    const K = 2;
    const pos = new Float32Array(T * N * 2).map((_, i) => Math.cos(i * 0.7) * 2);
    const mask = new Float32Array(T * N).fill(1);
    const r = await rollout(spy, m.dims, { T, N, D: 2, pos, mask }, { K, nfe: 3, solver: 'ddim', seed: 4, keepSteps: true, keepLatents: true, horizon: 7 });
    const steps = r.steps!;
    // window 0 made 3 calls, window 1 three more; the trace is window 0's, at the times the network saw (float32)
    expect(calls.length).toBe(6);
    expect(steps.t.length).toBe(3);
    steps.t.forEach((t, s) => expect(Math.fround(t)).toBe(calls[s].t));
    const ND = N * 2;
    const LC = tinyDims.L * tinyDims.C;
    // every recorded step = decode(x1_hat of that call) * scale + centre
    for (let s = 0; s < 3; s++) {
      const dec = await m.decode(calls[s].x1, Int32Array.from({ length: K * T * N }, (_, i) => r.ids[i % N]), K * T, N);
      for (let i = 0; i < K * T * ND; i++) {
        const c = r.firstConditioning.center[i % 2];
        expect(steps.pos[s * K * T * ND + i]).toBeCloseTo(dec[i] * m.dims.scale + Math.fround(c), 4);
      }
    }
    // x_S = r x_{S-1} + (alpha(t1) - r alpha(t_{S-1})) x1_last with r = sigma(t1) / sigma(t_{S-1})
    const last = calls[2];
    const a = (t: number) => Math.sin((Math.PI / 2) * t);
    const sg = (t: number) => Math.cos((Math.PI / 2) * t);
    const ratio = sg(m.dims.t1) / sg(steps.t[2]);
    for (let i = 0; i < K * T * LC; i++) expect(r.xFinal[i]).toBeCloseTo(ratio * last.x[i] + (a(m.dims.t1) - ratio * a(steps.t[2])) * last.x1[i], 4);
    // latents [W,K,T,L,C]: decoding window w's future frames gives the returned future
    expect(r.windows).toBe(2);
    const lat = r.latents!;
    expect(lat.subarray(0, K * T * LC)).toEqual(r.xFinal);
    const w0 = await m.decode(lat.subarray(0, K * T * LC), Int32Array.from({ length: K * T * N }, (_, i) => r.ids[i % N]), K * T, N);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < tinyDims.future; j++) {
        for (let e = 0; e < ND; e++) {
          const c = r.firstConditioning.center[e % 2];
          expect(r.future[(k * 7 + j) * ND + e]).toBeCloseTo(w0[((k * T + tinyDims.observed + j) * ND) + e] * m.dims.scale + Math.fround(c), 4);
        }
      }
    }
    await m.release();
  });
});
