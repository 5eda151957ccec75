import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollout } from '../../../src/core/sampler/rollout';
import { ModelLoadError } from '../../../src/engine/errors';
import { bucketUp, BATCH_BUCKETS, entityBuckets, OnnxModel } from '../../../src/engine/model';
import { FileModelSource } from '../../../src/engine/node-source';
import { slotGraphs, tinyDims, tinyGraphs, tinyManifest, tinyMoleculeDims, tinyMoleculeGraphs, tinyMoleculeManifest, writeTinyModel, writeTinyMoleculeModel, type Graphs } from './tiny-model';

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

async function writeFolder(name: string, graphs: Graphs, manifest: Record<string, unknown>): Promise<string> {
  const d = join(root, name);
  await mkdir(d, { recursive: true });
  for (const [k, b] of Object.entries(graphs)) await writeFile(join(d, `${k}.onnx`), b);
  await writeFile(join(d, 'manifest.json'), JSON.stringify(manifest));
  return d;
}

describe('contract v2 model (3-D, element vocabulary)', () => {
  it('loads, feeds feats, and its decoder gives back positions and elements (feat_logits)', async () => {
    const d = join(root, 'mol');
    await writeTinyMoleculeModel(d);
    const m = await OnnxModel.load(new FileModelSource(d), { backend: 'wasm' });
    expect(m.manifest).toMatchObject({ version: 2, domain: 'molecule', dims: 3, features: { key: 'element', vocab: ['H', 'C', 'N', 'O'] }, length_unit: 'Å' });
    expect(m.dims.F).toBe(4);
    const pos = Float32Array.from([0.1, 0.2, 0.3, -0.5, 0.4, 0.0, 0.9, -0.9, 0.25]);
    const ids = Int32Array.from([7, 0, 4]);
    const feats = Int32Array.from([3, 0, 1]);
    const lat = await m.encode(pos, ids, Float32Array.of(1, 1, 1), 1, 3, feats);
    const out = await m.decodeWithFeatures(lat, ids, 1, 3);
    for (let i = 0; i < 9; i++) expect(out.pos[i]).toBeCloseTo(pos[i], 6);
    const argmax = [0, 1, 2].map((n) => { const row = Array.from(out.featLogits!.subarray(n * 4, n * 4 + 4)); return row.indexOf(Math.max(...row)); });
    expect(argmax).toEqual([3, 0, 1]);
    await expect(m.encode(pos, ids, Float32Array.of(1, 1, 1), 1, 3)).rejects.toThrow(/takes feats \[1,3\] \(vocabulary of 4\), got none/);
    // bucketed shapes pad feats with index 0
    const b = await OnnxModel.load(new FileModelSource(d), { backend: 'wasm', bucketing: 'always' });
    expect(Array.from(await b.encode(pos, ids, Float32Array.of(1, 1, 1), 1, 3, feats))).toEqual(Array.from(lat));
    await b.release();
    await m.release();
  });

  it('needs feats and feat_logits exactly when the vocabulary is not empty', async () => {
    const g = tinyMoleculeGraphs();
    const noVocab = await writeFolder('mol-novocab', g, await tinyMoleculeManifest(g, tinyMoleculeDims, { features: { vocab: [] } }));
    const e = await loadError(noVocab);
    expect(e.problem).toBe('mismatch');
    expect(e.message).toMatch(/encoder\.onnx: does not match the manifest: unexpected inputs "feats"/);
    // decoder alone with feat_logits but no vocabulary
    const plain = tinyGraphs({ ...tinyDims, D: 3 }, { 'lamslide.format': 'lamslide-model/2', 'lamslide.id_pool': String(tinyDims.P) });
    const withVocab = await writeFolder('ped-vocab', plain, await tinyMoleculeManifest(plain, { ...tinyMoleculeDims, L: tinyDims.L, C: tinyDims.C, P: tinyDims.P, observed: tinyDims.observed, future: tinyDims.future }, { first_stage: { kind: 'learned', layout: 'shared' } }));
    const e2 = await loadError(withVocab);
    expect(e2.message).toMatch(/encoder\.onnx: does not match the manifest: inputs "feats" missing/);
    const slot = { D: 3, L: 4, C: 16, P: 8, F: 0, observed: tinyMoleculeDims.observed, future: tinyMoleculeDims.future };
    const mixed = { ...tinyMoleculeGraphs(), encoder: slotGraphs(slot, { 'lamslide.format': 'lamslide-model/2', 'lamslide.id_pool': '8' }).encoder };
    const onlyLogits = await writeFolder('mol-logits-only', mixed, await tinyMoleculeManifest(mixed, tinyMoleculeDims, { features: { vocab: [] } }));
    const e3 = await loadError(onlyLogits);
    expect(e3.message).toMatch(/decoder\.onnx: does not match the manifest: unexpected outputs "feat_logits" \(the manifest's feature vocabulary is empty\)/);
  });

  it('compares the graphs\' lamslide metadata with the manifest, naming file, field and both values', async () => {
    const g = tinyMoleculeGraphs();
    const bad = await writeFolder('mol-pool', g, await tinyMoleculeManifest(g, tinyMoleculeDims, { id_pool: 6 }));
    const e = await loadError(bad);
    expect(e.problem).toBe('mismatch');
    expect(e.message).toMatch(/encoder\.onnx: metadata lamslide\.id_pool is "8", but .*manifest\.json says id_pool 6/);
    const none = tinyMoleculeGraphs(tinyMoleculeDims, null);
    const missing = await writeFolder('mol-nometa', none, await tinyMoleculeManifest(none));
    expect((await loadError(missing)).message).toMatch(/encoder\.onnx: has no metadata lamslide\.id_pool \(contract v2 requires it\); the manifest's id_pool is 8/);
    const v1meta = tinyMoleculeGraphs(tinyMoleculeDims, { 'lamslide.format': 'lamslide-model/1', 'lamslide.id_pool': '8' });
    const wrongFormat = await writeFolder('mol-format', v1meta, await tinyMoleculeManifest(v1meta));
    expect((await loadError(wrongFormat)).message).toMatch(/metadata lamslide\.format is "lamslide-model\/1", but .* says format lamslide-model\/2/);
  });
});

describe('pool checks of graphs without metadata (v1)', () => {
  const slot = { D: 2, L: 2, C: 12, P: 12, observed: 3, future: 4 };

  it('accepts an exact slot code whose tables hold the pool', async () => {
    const g = slotGraphs(slot);
    const d = await writeFolder('slot-ok', g, await tinyManifest(g, { ...slot }));
    const m = await OnnxModel.load(new FileModelSource(d), { backend: 'wasm' });
    await m.release();
  });

  it('refuses a manifest pool beyond the slot layout, and one the graphs do not hold (probe of ID P-1)', async () => {
    const g = slotGraphs(slot);
    const big = await writeFolder('slot-big', g, await tinyManifest(g, { ...slot, P: 13 }));
    const e = await loadError(big);
    expect(e.problem).toBe('mismatch');
    expect(e.message).toMatch(/manifest\.json: id_pool is 13, but the slot layout of latent 2 x 12 holds 12 IDs of 2 coordinates \(the graphs carry no lamslide\.id_pool metadata\)/);
    // tables of 10 IDs, manifest 12: fits the layout, but ID 11 is not in the graphs
    const g10 = slotGraphs({ ...slot, P: 10 });
    const short = await writeFolder('slot-short', g10, await tinyManifest(g10, { ...slot, P: 12 }));
    const e2 = await loadError(short);
    expect(e2.message).toMatch(/manifest\.json: id_pool is 12, but the graphs do not hold ID 11: an entity encoded at \(0\.5, -0\.25\) with that ID (fails in the graphs|decodes at)/);
    // the non-reconstructing 2-D test model without its metadata fails the probe too
    const plain = tinyGraphs(tinyDims, null);
    const nometa = await writeFolder('plain-nometa', plain, await tinyManifest(plain));
    expect((await loadError(nometa)).message).toMatch(/id_pool is 12, but the slot layout of latent 2 x 4 holds 4 IDs/);
    const wide = tinyGraphs({ ...tinyDims, C: 12 }, null);
    const nometa2 = await writeFolder('plain-nometa-wide', wide, await tinyManifest(wide, { ...tinyDims, C: 12 }));
    expect((await loadError(nometa2)).message).toMatch(/id_pool is 12, but the graphs do not hold ID 11: an entity encoded at \(0\.5, -0\.25\) with that ID decodes at/);
  });

  it('refuses an absurd scale at load (1e-300), naming the field and the bound', async () => {
    const d = await copyModel('tiny-scale');
    const m = JSON.parse(await readFile(join(d, 'manifest.json'), 'utf8'));
    m.normalization.scale = 1e-300;
    await writeFile(join(d, 'manifest.json'), JSON.stringify(m));
    const e = await loadError(d);
    expect(e.problem).toBe('manifest');
    expect(e.message).toMatch(/"normalization\.scale" is 1e-300, below the minimum 0\.000001/);
  });
});
